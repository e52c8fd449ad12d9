package main

import (
	"encoding/json"
	"net/http"
	"strings"
)

// mountStatic serves the page, the library, the test mounts and
// /config.json.
func mountStatic(mux *http.ServeMux, o options, cfg *demoConfig, embedded bool) {
	for prefix, dir := range o.mounts {
		mux.Handle("GET "+prefix, http.StripPrefix(strings.TrimSuffix(prefix, "/"), newStatic(http.Dir(dir))))
	}
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, r *http.Request) {
		c := *cfg
		if embedded {
			// Same host as the page, so that localhost and 127.0.0.1 both work.
			scheme := "ws"
			if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
				scheme = "wss"
			}
			c.WSURL = scheme + "://" + r.Host + "/sip"
			if c.RelayURL == "" && c.RTMPURL != "" {
				c.RelayURL = scheme + "://" + r.Host + "/relay"
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(c)
	})
	mux.Handle("GET /dist/", http.StripPrefix("/dist", newStatic(http.Dir(o.dist))))
	mux.Handle("GET /", newStatic(http.Dir(o.web)))
}
