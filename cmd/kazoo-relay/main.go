// Command kazoo-relay lets browsers without WebRTC use a SIP-RTMP
// gateway: each browser WebSocket (subprotocol kazoo-rtmp.v1) gets one
// RTMP connection to an allow-listed gateway (see package relay for the
// protocol and its security).
//
//	kazoo-relay -addr 127.0.0.1:8090 -gateway rtmp://127.0.0.1:1935/sip/ \
//	    -origin https://app.example.com [-secret-file /etc/kazoo/relay.secret]
//
// Limits, each refused with a WebSocket close reason (0 turns a cap off):
//
//	-max-sessions 5000   sessions at once, sockets still waiting for their hello included
//	-max-per-addr 20     sessions from one client address (an IPv6 /64 counts as one)
//	-max-per-aor 4       sessions for one account (the user@domain of the rtmpUrl)
//	-trusted-proxy CIDR  a reverse proxy whose X-Forwarded-For names the client
//	                     (repeatable; without it the TCP peer is the client, so
//	                     behind a proxy every browser shares the proxy's address)
//
// With a secret (-secret-file or KAZOO_RELAY_SECRET) every hello needs a
// token bound to its account and gateway (relay.NewToken describes it):
//
//	-token-max-lifetime 1h  a token expiring further ahead is refused
//	-token-single-use       a token opens one session (kazoo's automatic
//	                        reconnect then needs a fresh token)
//
// -pprof 127.0.0.1:6060 serves Go's profiles on a loopback address (off by
// default; any other address is refused).
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
	"net/netip"
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

// options are the command line.
type options struct {
	addr, path, level, secretFile string
	pprofAddr                     string
	gateways, origins, proxies    listFlag
	maxSessions, maxPerAddr       int
	maxPerAOR                     int
	tokenMaxLifetime              time.Duration
	tokenSingleUse                bool
}

func parseFlags(fs *flag.FlagSet, args []string) (*options, error) {
	o := &options{}
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8090", "listen address")
	fs.StringVar(&o.path, "path", "/v1", "WebSocket path")
	fs.Var(&o.gateways, "gateway", "allowed RTMP gateway URL prefix, e.g. rtmp://10.0.0.5:1935/sip/ (repeatable; required)")
	fs.Var(&o.origins, "origin", "allowed page origin, e.g. https://app.example.com, or * (repeatable; required)")
	fs.StringVar(&o.secretFile, "secret-file", "", "file with the shared secret for hello tokens (or env KAZOO_RELAY_SECRET)")
	fs.StringVar(&o.level, "log-level", "info", "debug, info, warn or error")
	fs.IntVar(&o.maxSessions, "max-sessions", 5000, "sessions at once, sockets waiting for their hello included (0: no cap)")
	fs.IntVar(&o.maxPerAddr, "max-per-addr", 20, "sessions from one client address; an IPv6 /64 counts as one (0: no cap)")
	fs.IntVar(&o.maxPerAOR, "max-per-aor", 4, "sessions for one account, the user@domain of the rtmpUrl (0: no cap)")
	fs.Var(&o.proxies, "trusted-proxy", "reverse proxy address or CIDR whose X-Forwarded-For names the client (repeatable)")
	fs.DurationVar(&o.tokenMaxLifetime, "token-max-lifetime", time.Hour, "refuse a hello token expiring further ahead than this")
	fs.BoolVar(&o.tokenSingleUse, "token-single-use", false, "a hello token opens one session (a reconnect then needs a fresh token)")
	fs.StringVar(&o.pprofAddr, "pprof", "", "serve Go profiles (/debug/pprof/) on this loopback address, e.g. 127.0.0.1:6060 (off by default)")
	return o, fs.Parse(args)
}

// config turns the options into the relay's configuration.
func (o *options) config(secret []byte, log *slog.Logger) (relay.Config, error) {
	noCap := func(n int) int { // the flags' 0 is relay.Config's negative
		if n <= 0 {
			return -1
		}
		return n
	}
	cfg := relay.Config{
		Gateways: o.gateways, Origins: o.origins, Secret: secret,
		Dial: relay.DialRTMP, Logger: log,
		MaxSessions: noCap(o.maxSessions), MaxPerAddr: noCap(o.maxPerAddr), MaxPerAOR: noCap(o.maxPerAOR),
		TokenMaxLifetime: o.tokenMaxLifetime, TokenSingleUse: o.tokenSingleUse,
	}
	if len(o.gateways) == 0 || len(o.origins) == 0 {
		return cfg, errors.New("give at least one -gateway and one -origin")
	}
	if o.tokenMaxLifetime <= 0 {
		return cfg, errors.New("-token-max-lifetime must be positive")
	}
	for _, p := range o.proxies {
		pf, err := netip.ParsePrefix(p)
		if err != nil {
			a, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return cfg, fmt.Errorf("-trusted-proxy %q: not an address or CIDR", p)
			}
			pf = netip.PrefixFrom(a, a.BitLen())
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, pf.Masked())
	}
	if err := cfg.Check(); err != nil {
		return cfg, fmt.Errorf("-gateway: %v", err)
	}
	return cfg, nil
}

func main() {
	o, _ := parseFlags(flag.CommandLine, os.Args[1:]) // ExitOnError
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(o.level)); err != nil {
		fatal("bad -log-level: %v", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
	secret := []byte(os.Getenv("KAZOO_RELAY_SECRET"))
	if o.secretFile != "" {
		b, err := os.ReadFile(o.secretFile)
		if err != nil {
			fatal("reading -secret-file: %v", err)
		}
		secret = []byte(strings.TrimSpace(string(b)))
	}
	cfg, err := o.config(secret, log)
	if err != nil {
		fatal("%v", err)
	}
	if o.pprofAddr != "" {
		if err := servePprof(o.pprofAddr, log); err != nil {
			fatal("%v", err)
		}
	}
	srv := relay.New(cfg)
	mux := http.NewServeMux()
	mux.Handle(o.path, srv)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "ok %d sessions\n", srv.Sessions())
	})
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		fatal("listen: %v", err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Info("listening", "addr", l.Addr().String(), "path", o.path, "gateways", o.gateways.String(),
		"origins", o.origins.String(), "tokens", len(secret) > 0, "max_sessions", o.maxSessions,
		"max_per_addr", o.maxPerAddr, "max_per_aor", o.maxPerAOR, "trusted_proxies", o.proxies.String())
	fmt.Printf("ws://%s%s\n", l.Addr(), o.path) // first line on stdout: the URL, for scripts

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
