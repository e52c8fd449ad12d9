package relaywire

import (
	"bytes"
	"encoding/json"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestFramesJSON(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{Bare{TPing}, PingFrame},
		{NewHello("rtmp://gw/sip/a@x", "tok", "a", "pw", "A", "narrowband"),
			`{"t":"hello","v":1,"rtmpUrl":"rtmp://gw/sip/a@x","token":"tok","args":["a","pw","A","narrowband"]}`},
		{NewCall(7, "bye"), `{"t":"call","id":7,"method":"bye","args":[]}`},
		{NewResultOK(7, nil), `{"t":"result","id":7,"ok":true,"args":[]}`},
		{NewResultError(7, "no"), `{"t":"result","id":7,"ok":false,"error":"no"}`},
		{NewCallback("byed", nil), `{"t":"cb","method":"byed","args":[]}`},
		{Callback{T: TCallback, Method: "cancelled", Args: []any{"487 Request Terminated"}, Relay: true},
			`{"t":"cb","method":"cancelled","args":["487 Request Terminated"],"relay":true}`},
		{Rejected{T: TRejected, Reason: "403 Forbidden"}, `{"t":"rejected","reason":"403 Forbidden"}`},
		{Media{TMedia, CodecPCMA}, `{"t":"media","codec":"pcma"}`},
		{Stream{TStream, "NetStream.Play.Failed"}, `{"t":"stream","code":"NetStream.Play.Failed"}`},
	} {
		b, err := json.Marshal(c.v)
		if err != nil || string(b) != c.want {
			t.Errorf("%T: %s, %v; want %s", c.v, b, err, c.want)
		}
	}
}

func TestRequest(t *testing.T) {
	b, _ := json.Marshal(NewCall(3, "invite", "sip:b@x", CodecPCMU))
	var r Request
	if err := json.Unmarshal(b, &r); err != nil || r.T != TCall || r.ID != 3 || r.Method != "invite" || len(r.Args) != 2 {
		t.Fatalf("request %+v, %v", r, err)
	}
}

func TestAudioHeader(t *testing.T) {
	payload := bytes.Repeat([]byte{0x55}, PayloadLen)
	f := make([]byte, HeaderLen, HeaderLen+PayloadLen)
	PutHeader(f, Format(CodecPCMA), 0x0102, 0x03040506)
	f = append(f, payload...)
	if want := []byte{1, 7, 1, 2, 3, 4, 5, 6}; !bytes.Equal(f[:HeaderLen], want) {
		t.Fatalf("header % x, want % x", f[:HeaderLen], want)
	}
	format, ts, p, ok := ParseAudio(f)
	if !ok || format != FormatPCMA || ts != 0x03040506 || !bytes.Equal(p, payload) {
		t.Fatalf("ParseAudio: %d %d %d %v", format, ts, len(p), ok)
	}
	for _, bad := range [][]byte{f[:HeaderLen], append([]byte{2}, f[1:]...), append([]byte{1, 11}, f[2:]...)} {
		if _, _, _, ok := ParseAudio(bad); ok {
			t.Errorf("ParseAudio(% x…) accepted", bad[:2])
		}
	}
	if FLVTag(FormatPCMU) != 0x82 || FLVTag(FormatPCMA) != 0x72 || FLVFormat(0x72) != FormatPCMA || Format("opus") != 0 {
		t.Fatal("FLV codec bytes")
	}
}

// The package stays small and shared: the standard library only, and
// no encoding/json (the wasm leaves its decoder out).
func TestImports(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(strings.Split(p, "/")[0], ".") || p == "encoding/json" || p == "syscall/js" {
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}
