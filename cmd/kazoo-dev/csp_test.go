//go:build !js

package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The demo page comes with a strict Content-Security-Policy header: no
// inline script or style, no plugins, no framing; the library (/dist/)
// and the tests' mounts do not get it.
func TestDemoPageCSP(t *testing.T) {
	web, dist := t.TempDir(), t.TempDir()
	for _, f := range []string{filepath.Join(web, "index.html"), filepath.Join(dist, "kazoo.js")} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	mountStatic(mux, options{web: web, dist: dist}, &demoConfig{}, true)
	rec := get(t, mux, "/", nil)
	csp := rec.Header().Get("Content-Security-Policy")
	if rec.Code != 200 || csp == "" {
		t.Fatalf("GET / %d, CSP %q", rec.Code, csp)
	}
	for _, d := range []string{"default-src 'self'", "script-src 'self' 'wasm-unsafe-eval';", "style-src 'self';",
		"object-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "'unsafe-eval'") {
		t.Errorf("CSP %q allows inline code", csp)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no X-Content-Type-Options: nosniff")
	}
	if got := get(t, mux, "/dist/kazoo.js", nil).Header().Get("Content-Security-Policy"); got != "" {
		t.Errorf("/dist/ got a CSP: %q", got)
	}
}
