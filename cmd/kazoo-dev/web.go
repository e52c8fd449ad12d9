//go:build !js

package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// mountAPI serves /api/registrations: every binding of the embedded
// registrar as JSON, what `kamcmd ul.dump` shows for Kamailio (the tests
// and a curious developer read it).
func mountAPI(mux *http.ServeMux, stack *sipStack) {
	mux.HandleFunc("GET /api/registrations", func(w http.ResponseWriter, r *http.Request) {
		type binding struct {
			AOR       string `json:"aor"`
			Contact   string `json:"contact"`
			Transport string `json:"transport"`
			Source    string `json:"source"`
			Instance  string `json:"instance,omitempty"`
			RegID     string `json:"regId,omitempty"`
			Expires   int    `json:"expires"`
		}
		out := []binding{}
		user := r.URL.Query().Get("user")
		for _, b := range stack.proxy.Location().All() {
			if user != "" && !strings.HasPrefix(b.AOR, user+"@") {
				continue
			}
			out = append(out, binding{AOR: b.AOR, Contact: b.Contact.String(), Transport: b.Flow.Transport,
				Source: b.Flow.Addr, Instance: b.Instance, RegID: b.RegID, Expires: int(time.Until(b.Expires).Seconds())})
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(out)
	})
}

// mountDevAPI serves the endpoints that let a developer (and the tests)
// play the network's part: set a voicemail box, drop a connection.
//
//	POST /api/voicemail?user=1001&new=2&old=1   message-summary NOTIFY to 1001's devices
//	POST /api/drop?user=1001                    close 1001's WebSocket connections
//	GET  /api/recordings                        what callflows recorded (voicemail, record_call)
func mountDevAPI(mux *http.ServeMux, stack *sipStack) {
	mux.HandleFunc("POST /api/voicemail", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		fresh, err1 := strconv.Atoi(q.Get("new"))
		heard, err2 := strconv.Atoi(q.Get("old"))
		if q.Get("user") == "" || err1 != nil || err2 != nil || fresh < 0 || heard < 0 {
			http.Error(w, "want ?user=…&new=N&old=N", http.StatusBadRequest)
			return
		}
		stack.voicemail.set(q.Get("user"), fresh, heard)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /api/recordings", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(stack.recordings.list())
	})
	mux.HandleFunc("POST /api/drop", func(w http.ResponseWriter, r *http.Request) {
		n := stack.proxy.DropConnections(r.URL.Query().Get("user"))
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int{"dropped": n})
	})
}

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
	mux.Handle("GET /", withCSP(newStatic(http.Dir(o.web))))
}

// demoCSP is the demo page's Content-Security-Policy: its own scripts
// and styles only (no inline ones), WebAssembly, SIP and relay
// WebSockets anywhere, and no framing. The page carries the same policy
// in a meta element, which cannot say frame-ancestors.
const demoCSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ws: wss: http: https:; " +
	"style-src 'self'; img-src 'self' data:; media-src 'self' blob: mediastream:; worker-src 'self' blob:; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// withCSP sends demoCSP with everything h serves (the demo, not the
// library or the tests' mounts).
func withCSP(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", demoCSP)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}
