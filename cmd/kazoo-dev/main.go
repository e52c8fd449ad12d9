// Command kazoo-dev serves the kazoo demo page (web/) and the built
// library (dist/) on loopback for development and the browser tests.
//
// It serves precompressed .br and .gz copies when the browser accepts
// them, kazoo.wasm as application/wasm (required by
// WebAssembly.instantiateStreaming), and /config.json telling the demo
// page where the SIP WebSocket is and which test accounts exist.
//
//	kazoo-dev -addr 127.0.0.1:8080 -ws ws://127.0.0.1:5066 -accounts 1001:pw-1001,1002:pw-1002 -domain lab.test
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (loopback only by default)")
	web := flag.String("web", "web", "directory of the demo page")
	dist := flag.String("dist", "dist", "directory of the built library")
	ws := flag.String("ws", "ws://127.0.0.1:5066", "SIP WebSocket URL the demo page should use")
	domain := flag.String("domain", "lab.test", "SIP domain of the test accounts")
	accounts := flag.String("accounts", "", "test accounts shown on the demo page, user:password,…")
	relay := flag.String("relay", "", "kazoo-relay WebSocket URL for the demo's RTMP mode (empty: no RTMP option)")
	rtmpURL := flag.String("rtmp", "", "SIP-RTMP gateway base URL for the demo's RTMP mode, e.g. rtmp://127.0.0.1:1935/sip")
	var mounts mountFlag
	flag.Var(&mounts, "mount", "serve another directory, /prefix/=dir (repeatable; the tests mount their pages)")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg := demoConfig{WSURL: *ws, Domain: *domain, RelayURL: *relay, RTMPURL: *rtmpURL}
	for _, a := range strings.Split(*accounts, ",") {
		if user, pw, ok := strings.Cut(strings.TrimSpace(a), ":"); ok {
			cfg.Accounts = append(cfg.Accounts, account{User: user, Password: pw})
		}
	}

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Error("cannot listen", "addr", *addr, "error", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: newHandler(*web, *dist, cfg, mounts), ReadHeaderTimeout: 10 * time.Second}
	// The first line on stdout is the URL, for scripts that start us.
	fmt.Printf("http://%s/\n", l.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

type account struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

type demoConfig struct {
	WSURL    string    `json:"wsUrl"`
	Domain   string    `json:"domain"`
	Accounts []account `json:"accounts"`
	RelayURL string    `json:"relayUrl,omitempty"` // the RTMP path, when the demo runs it
	RTMPURL  string    `json:"rtmpUrl,omitempty"`
}

// mountFlag collects -mount /prefix/=dir values.
type mountFlag map[string]string

func (m *mountFlag) String() string { return fmt.Sprint(map[string]string(*m)) }

func (m *mountFlag) Set(v string) error {
	prefix, dir, ok := strings.Cut(v, "=")
	if !ok || !strings.HasPrefix(prefix, "/") || !strings.HasSuffix(prefix, "/") || len(prefix) < 3 {
		return fmt.Errorf("want /prefix/=dir, got %q", v)
	}
	if *m == nil {
		*m = mountFlag{}
	}
	(*m)[prefix] = dir
	return nil
}

func newHandler(web, dist string, cfg demoConfig, mounts mountFlag) http.Handler {
	mux := http.NewServeMux()
	for prefix, dir := range mounts {
		mux.Handle("GET "+prefix, http.StripPrefix(strings.TrimSuffix(prefix, "/"), precompressed(http.Dir(dir))))
	}
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(cfg)
	})
	mux.Handle("GET /dist/", http.StripPrefix("/dist", precompressed(http.Dir(dist))))
	mux.Handle("GET /", precompressed(http.Dir(web)))
	return mux
}
