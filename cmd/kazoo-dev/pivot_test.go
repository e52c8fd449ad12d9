//go:build !js

package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kazoo-softphone/kazoo/audiofile"
)

func TestLoadCallflows(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	log := slog.New(slog.DiscardHandler)
	if cf, err := loadCallflows("", "lab.test", nil, nil, nil, log); cf != nil || err != nil {
		t.Fatalf("no file: %v %v", cf, err)
	}
	good := write("good.json", `{"numbers":["7000","7001"],"flow":{"module":"tts","data":{"text":"hi"}}}`)
	cf, err := loadCallflows(good, "lab.test", nil, nil, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	if n := cf.numbers(); len(n) != 2 || n["7000"] != "callflow: tts" {
		t.Fatalf("numbers %v", n)
	}
	bad := write("bad.json", `{"numbers":["7000"],"flow":{"module":"collect_dtmf","data":{"max_digits":"many"}}}`)
	if _, err := loadCallflows(bad, "lab.test", nil, nil, nil, log); err == nil || !strings.Contains(err.Error(), "max_digits") {
		t.Fatalf("a bad flow: %v", err)
	}
	if _, err := loadCallflows(filepath.Join(dir, "missing.json"), "lab.test", nil, nil, nil, log); err == nil || !strings.Contains(err.Error(), "-callflows") {
		t.Fatalf("a missing file: %v", err)
	}
}

func TestLoadMediaStaysInItsDirectory(t *testing.T) {
	// A WAV inside the callflows file's directory, and one beside it
	// that a flow must not reach.
	parent := t.TempDir()
	dir := filepath.Join(parent, "flows")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var wav bytes.Buffer
	if err := audiofile.WriteWAV(&wav, make([]int16, 800)); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(parent, "outside.wav")
	for _, p := range []string{filepath.Join(dir, "hello.wav"), outside} {
		if err := os.WriteFile(p, wav.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cf := &callflows{dir: dir}
	pcm, err := cf.loadMedia(context.Background(), "hello.wav")
	if err != nil || len(pcm) != 800 {
		t.Fatalf("hello.wav: %d samples, %v", len(pcm), err)
	}
	for _, name := range []string{"../outside.wav", outside, "sub/../../outside.wav"} {
		if _, err := cf.loadMedia(context.Background(), name); err == nil {
			t.Errorf("%s was read", name)
		}
	}
}
