//go:build !js

package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

func get(t *testing.T, h http.Handler, path string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestStaticPrecompressed(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"kazoo.wasm": "raw", "kazoo.wasm.br": "brotli", "kazoo.wasm.gz": "gzip"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := newStatic(http.Dir(dir))
	for _, tc := range []struct{ accept, body, encoding string }{
		{"gzip, deflate, br", "brotli", "br"},
		{"gzip", "gzip", "gzip"},
		{"br;q=0, gzip", "gzip", "gzip"},
		{"", "raw", ""},
	} {
		rec := get(t, h, "/kazoo.wasm", map[string]string{"Accept-Encoding": tc.accept})
		if rec.Code != 200 || rec.Body.String() != tc.body || rec.Header().Get("Content-Encoding") != tc.encoding ||
			rec.Header().Get("Content-Type") != "application/wasm" {
			t.Errorf("Accept-Encoding %q: %d %q encoding %q type %q", tc.accept, rec.Code, rec.Body.String(),
				rec.Header().Get("Content-Encoding"), rec.Header().Get("Content-Type"))
		}
	}
}

// A stale .br (older than its file) is not served: the file is
// compressed here instead, in Go.
func TestStaticCompressesInGo(t *testing.T) {
	dir := t.TempDir()
	js := strings.Repeat("console.log('kazoo');\n", 200)
	if err := os.WriteFile(filepath.Join(dir, "demo.js.br"), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	_ = os.Chtimes(filepath.Join(dir, "demo.js.br"), old, old)
	if err := os.WriteFile(filepath.Join(dir, "demo.js"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newStatic(http.Dir(dir))

	rec := get(t, h, "/demo.js", map[string]string{"Accept-Encoding": "br"})
	if rec.Header().Get("Content-Encoding") != "br" || rec.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("headers %v", rec.Header())
	}
	plain, err := io.ReadAll(brotli.NewReader(rec.Body))
	if err != nil || string(plain) != js {
		t.Fatalf("brotli body does not decode to the file: %v", err)
	}
	if rec.Body.Len() >= len(js) {
		t.Errorf("not compressed")
	}

	rec = get(t, h, "/demo.js", map[string]string{"Accept-Encoding": "gzip"})
	zr, err := gzip.NewReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); string(plain) != js || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %q", rec.Header().Get("Content-Encoding"))
	}
}

// The browser revalidates (no-cache) and gets 304 for an unchanged file,
// a new ETag for a new build.
func TestStaticRevalidation(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "kazoo.wasm")
	if err := os.WriteFile(f, []byte("build 1"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newStatic(http.Dir(dir))
	rec := get(t, h, "/kazoo.wasm", map[string]string{"Accept-Encoding": "br"})
	etag := rec.Header().Get("ETag")
	if rec.Code != 200 || etag == "" || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("first load: %d etag %q cache %q", rec.Code, etag, rec.Header().Get("Cache-Control"))
	}
	rec = get(t, h, "/kazoo.wasm", map[string]string{"Accept-Encoding": "br", "If-None-Match": etag})
	if rec.Code != http.StatusNotModified {
		t.Fatalf("revalidation: %d, want 304", rec.Code)
	}
	rec = get(t, h, "/kazoo.wasm", map[string]string{"If-None-Match": etag})
	if rec.Code != 200 {
		t.Fatalf("another coding must not match the brotli ETag: %d", rec.Code)
	}
	later := time.Now().Add(time.Minute)
	if err := os.WriteFile(f, []byte("build 2"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.Chtimes(f, later, later)
	rec = get(t, h, "/kazoo.wasm", map[string]string{"Accept-Encoding": "br", "If-None-Match": etag})
	if rec.Code != 200 || rec.Header().Get("ETag") == etag {
		t.Fatalf("new build: %d etag %q", rec.Code, rec.Header().Get("ETag"))
	}
}
