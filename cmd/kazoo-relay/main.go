// Command kazoo-relay lets browsers without WebRTC use a SIP-RTMP
// gateway: each browser WebSocket (subprotocol kazoo-rtmp.v1) gets one
// RTMP connection to an allow-listed gateway (see package relay for the
// protocol and its security).
//
//	kazoo-relay -addr 127.0.0.1:8090 -gateway rtmp://127.0.0.1:1935/sip/ \
//	    -origin https://app.example.com [-secret-file /etc/kazoo/relay.secret]
//
// It listens on plain HTTP: put TLS in front of it (a reverse proxy that
// passes WebSocket upgrades) and give browsers wss:// URLs. Logs are JSON
// on stderr; passwords are never logged. SIGINT/SIGTERM close every
// session (which unregisters at the gateway) and exit.
package main

import (
	"context"
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

	"github.com/kazoo-softphone/kazoo/relay"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	path := flag.String("path", "/v1", "WebSocket path")
	var gateways, origins listFlag
	flag.Var(&gateways, "gateway", "allowed RTMP gateway URL prefix, e.g. rtmp://10.0.0.5:1935/sip/ (repeatable; required)")
	flag.Var(&origins, "origin", "allowed page origin, e.g. https://app.example.com, or * (repeatable; required)")
	secretFile := flag.String("secret-file", "", "file with the shared secret for hello tokens (or env KAZOO_RELAY_SECRET)")
	level := flag.String("log-level", "info", "debug, info, warn or error")
	flag.Parse()

	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		fatal("bad -log-level: %v", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
	if len(gateways) == 0 || len(origins) == 0 {
		fatal("give at least one -gateway and one -origin")
	}
	secret := []byte(os.Getenv("KAZOO_RELAY_SECRET"))
	if *secretFile != "" {
		b, err := os.ReadFile(*secretFile)
		if err != nil {
			fatal("reading -secret-file: %v", err)
		}
		secret = []byte(strings.TrimSpace(string(b)))
	}

	cfg := relay.Config{
		Gateways: gateways, Origins: origins, Secret: secret,
		Dial: relay.DialRTMP, Logger: log,
	}
	if err := cfg.Check(); err != nil {
		fatal("-gateway: %v", err)
	}
	srv := relay.New(cfg)
	mux := http.NewServeMux()
	mux.Handle(*path, srv)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "ok %d sessions\n", srv.Sessions())
	})
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		fatal("listen: %v", err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Info("listening", "addr", l.Addr().String(), "path", *path, "gateways", gateways.String(),
		"origins", origins.String(), "tokens", len(secret) > 0)
	fmt.Printf("ws://%s%s\n", l.Addr(), *path) // first line on stdout: the URL, for scripts

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		log.Info("shutting down")
		_ = hs.Close() // stop accepting; hijacked WebSockets are the relay's
	}()
	if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fatal("serve: %v", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(sctx) // close every session: their gateway connections end
	log.Info("stopped")
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kazoo-relay: "+format+"\n", args...)
	os.Exit(2)
}
