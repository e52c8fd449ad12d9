package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestPrecompressed(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"kazoo.wasm": "raw", "kazoo.wasm.br": "brotli", "kazoo.wasm.gz": "gzip", "kazoo.js": "js"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := precompressed(http.Dir(dir))
	for _, tc := range []struct {
		path, accept, body, encoding, ctype string
	}{
		{"/kazoo.wasm", "gzip, deflate, br", "brotli", "br", "application/wasm"},
		{"/kazoo.wasm", "gzip", "gzip", "gzip", "application/wasm"},
		{"/kazoo.wasm", "br;q=0, gzip", "gzip", "gzip", "application/wasm"},
		{"/kazoo.wasm", "", "raw", "", "application/wasm"},
		{"/kazoo.js", "br", "js", "", "text/javascript; charset=utf-8"},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Header.Set("Accept-Encoding", tc.accept)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Body.String() != tc.body ||
			rec.Header().Get("Content-Encoding") != tc.encoding || rec.Header().Get("Content-Type") != tc.ctype {
			t.Errorf("%s with %q: %d %q encoding %q type %q", tc.path, tc.accept, rec.Code, rec.Body.String(),
				rec.Header().Get("Content-Encoding"), rec.Header().Get("Content-Type"))
		}
	}
}
