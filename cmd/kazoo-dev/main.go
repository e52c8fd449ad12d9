//go:build !js

// Command kazoo-dev is the whole kazoo development stack in one native Go
// process that runs nothing else: it serves the demo softphone (web/)
// and the built library (dist/), and it is a SIP registrar and proxy for
// them — SIP over WebSocket at /sip on the same address as the page
// (RFC 7118), and SIP over UDP for desk phones and baresip — with an
// echo test (*43), a tone, a demo voicemail box, media anchoring between
// browsers and plain-RTP phones, and the RTMP path (kazoo-relay at
// /relay, and kazoo-rtmpgw) for pages without WebRTC.
//
//	go run ./cmd/kazoo-dev                   # http://127.0.0.1:8080/, accounts 1001–1010 / pw-<user>
//	kazoo-dev -ws ws://127.0.0.1:5066 …      # only serve the page, for an external registrar (Kamailio)
//
// The first line on stdout is the page URL, for scripts that start it.
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

	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/proxy"
)

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8080", "HTTP listen address: the page, /sip (SIP over WebSocket) and /relay")
	flag.StringVar(&o.web, "web", "web", "directory of the demo page")
	flag.StringVar(&o.dist, "dist", "dist", "directory of the built library")
	flag.StringVar(&o.domain, "domain", "lab.test", "SIP domain and digest realm")
	flag.StringVar(&o.accounts, "accounts", "", "accounts, user:password,… (default 1001–1010 with password pw-<user>)")
	flag.StringVar(&o.accountsFile, "accounts-file", "", "a file of accounts, one user:password per line (added to -accounts)")
	flag.StringVar(&o.sipUDP, "sip-udp", "127.0.0.1:5060", `SIP over UDP listen address ("off": none)`)
	flag.StringVar(&o.ws, "ws", "", "an external SIP WebSocket URL (e.g. Kamailio's): serve only the page, with no SIP server of our own")
	flag.StringVar(&o.relay, "relay", "", "an external kazoo-relay URL for the demo's RTMP mode (default: the relay inside kazoo-dev)")
	flag.StringVar(&o.rtmp, "rtmp", "", "an external SIP-RTMP gateway base URL, e.g. rtmp://127.0.0.1:1935/sip (default: the gateway inside kazoo-dev)")
	flag.StringVar(&o.rtmpListen, "rtmp-listen", "127.0.0.1:0", "RTMP listen address of the gateway inside kazoo-dev")
	flag.StringVar(&o.mediaIP, "media-ip", "127.0.0.1", "address of kazoo-dev's own media (echo, tones, anchoring, the RTMP gateway's RTP)")
	flag.StringVar(&o.rtpPorts, "rtp-ports", "0", "UDP port range for kazoo-dev's media, min-max, or 0 for ephemeral ports")
	flag.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	flag.StringVar(&o.callflows, "callflows", "", "a JSON file of numbers and their Kazoo callflows (Pivot included; see examples/pivot)")
	flag.StringVar(&o.recordings, "recordings", "", "where voicemail and record_call recordings go (default: a new temporary directory)")
	flag.Var(&o.mounts, "mount", "serve another directory, /prefix/=dir (repeatable; the tests mount their pages)")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		fmt.Fprintln(os.Stderr, "kazoo-dev: -log-level:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	sip.SetDefaultLogger(proxy.QuietLogger(log))
	if err := run(o, log); err != nil {
		log.Error("kazoo-dev stopped", "error", err)
		os.Exit(1)
	}
}

type options struct {
	addr, web, dist, domain, accounts, accountsFile, sipUDP, ws, relay, rtmp, rtmpListen, mediaIP, rtpPorts, logLevel string
	callflows, recordings                                                                                             string
	mounts                                                                                                            mountFlag
}

func run(o options, log *slog.Logger) error {
	list := o.accounts
	if o.accountsFile != "" {
		b, err := os.ReadFile(o.accountsFile)
		if err != nil {
			return fmt.Errorf("-accounts-file: %w", err)
		}
		lines := strings.Fields(strings.ReplaceAll(string(b), ",", " "))
		list = strings.Join(append([]string{list}, lines...), ",")
	}
	users, err := parseAccounts(list, o.ws == "")
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (move it with -addr)", o.addr, err)
	}
	mux := http.NewServeMux()
	cfg := demoConfig{WSURL: o.ws, Domain: o.domain, Accounts: users, RelayURL: o.relay, RTMPURL: o.rtmp}
	var stack *sipStack
	if o.ws == "" {
		stack, err = startSIP(o, users, l.Addr(), log)
		if err != nil {
			l.Close()
			return err
		}
		defer stack.close()
		mux.Handle("GET /sip", stack.websocket)
		if stack.relay != nil {
			mux.Handle("GET /relay", stack.relay)
			cfg.RTMPURL = stack.rtmpURL
		}
		cfg.Extensions = stack.extensions
		if _, ok := stack.extensions["*43"]; ok {
			cfg.Echo = "*43"
		}
		mountAPI(mux, stack)
		mountDevAPI(mux, stack)
	}
	mountStatic(mux, o, &cfg, stack != nil)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	// The first line on stdout is the URL, for scripts that start us.
	fmt.Printf("http://%s/\n", l.Addr())
	printBanner(o, l.Addr(), users, stack)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if stack != nil {
			stack.shutdown(sctx)
		}
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type account struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// demoConfig is /config.json, what the demo page needs to know.
type demoConfig struct {
	WSURL      string            `json:"wsUrl"` // empty: ws(s)://<this host>/sip
	Domain     string            `json:"domain"`
	Accounts   []account         `json:"accounts"`
	RelayURL   string            `json:"relayUrl,omitempty"` // the RTMP path, when there is one
	RTMPURL    string            `json:"rtmpUrl,omitempty"`
	Extensions map[string]string `json:"extensions,omitempty"` // number → what it does
	Echo       string            `json:"echo,omitempty"`       // the echo test's number
}

// parseAccounts reads -accounts; embedded servers default to 1001–1010.
func parseAccounts(s string, embedded bool) ([]account, error) {
	var out []account
	if s == "" && embedded {
		for u := 1001; u <= 1010; u++ {
			out = append(out, account{User: fmt.Sprint(u), Password: fmt.Sprintf("pw-%d", u)})
		}
		return out, nil
	}
	for _, a := range strings.Split(s, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		user, pw, ok := strings.Cut(a, ":")
		if !ok || user == "" {
			return nil, fmt.Errorf("-accounts: want user:password, got %q", a)
		}
		out = append(out, account{User: user, Password: pw})
	}
	return out, nil
}

func printBanner(o options, addr net.Addr, users []account, stack *sipStack) {
	w := os.Stdout
	fmt.Fprintf(w, "\n  kazoo-dev — open http://%s/ in a browser\n", addr)
	if stack == nil {
		fmt.Fprintf(w, "  SIP WebSocket (external)  %s   domain %s\n", o.ws, o.domain)
	} else {
		fmt.Fprintf(w, "  SIP over WebSocket  ws://%s/sip   domain %s\n", addr, o.domain)
		if stack.udpAddr != "" {
			fmt.Fprintf(w, "  SIP over UDP        %s (desk phones, baresip)\n", stack.udpAddr)
		}
		for _, num := range stack.extensionOrder {
			fmt.Fprintf(w, "  %-19s %s\n", num, stack.extensions[num])
		}
		if stack.relay != nil {
			fmt.Fprintf(w, "  RTMP path           relay ws://%s/relay, gateway %s\n", addr, stack.rtmpURL)
		}
	}
	if len(users) > 0 {
		fmt.Fprintf(w, "  accounts           ")
		for i, a := range users {
			if i == 4 && len(users) > 5 {
				fmt.Fprintf(w, " … %s / %s", users[len(users)-1].User, users[len(users)-1].Password)
				break
			}
			fmt.Fprintf(w, " %s / %s", a.User, a.Password)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  Ctrl-C stops it.\n\n")
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
