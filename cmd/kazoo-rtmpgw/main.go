// Command kazoo-rtmpgw is kazoo's SIP–RTMP gateway, compatible with
// siprtmp: each RTMP connection (rtmp://host/sip/<user@domain>, connect
// arguments authname, password, display name, rate) becomes a SIP
// identity registered at the proxy, and its calls carry G.711 between
// RTMP streams and RTP. kazoo-relay connects to it on behalf of browsers
// without WebRTC. See package rtmpgw for the protocol.
//
//	kazoo-rtmpgw -rtmp 127.0.0.1:1935 -sip-proxy 127.0.0.1:5060 \
//	    -sip-listen 127.0.0.1:0 [-media-ip 127.0.0.1] -rtp-ports 40000-40999 \
//	    [-max-conns 1000] [-idle-timeout 60s]
//
// -listen and -registrar are aliases of -rtmp and -sip-proxy.
//
// The first line on stdout is the gateway's RTMP URL prefix
// (rtmp://127.0.0.1:1935/sip/), for scripts and for kazoo-relay's
// -gateway. Logs are JSON on stderr; passwords are never logged.
// SIGINT/SIGTERM hang up every call, un-REGISTER every connection and
// exit.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/internal/logcap"
	"github.com/kazoo-softphone/kazoo/rtmp"
	"github.com/kazoo-softphone/kazoo/rtmpgw"
)

func main() {
	rtmpAddr := flag.String("rtmp", "127.0.0.1:1935", "RTMP listen address")
	flag.StringVar(rtmpAddr, "listen", "127.0.0.1:1935", "alias of -rtmp")
	proxy := flag.String("sip-proxy", "127.0.0.1:5060", "SIP proxy, ip:port over UDP (REGISTER and INVITE go there)")
	flag.StringVar(proxy, "registrar", "127.0.0.1:5060", "alias of -sip-proxy")
	sipListen := flag.String("sip-listen", "127.0.0.1:0", "SIP UDP listen address, shared by every connection; its IP is the Contact address")
	mediaIP := flag.String("media-ip", "", "local RTP address, also put in SDP (default: the -sip-listen IP)")
	rtpPorts := flag.String("rtp-ports", "40000-40999", "local RTP port range min-max, or 0 for ephemeral ports")
	expires := flag.Duration("register-expires", 300*time.Second, "REGISTER lifetime asked for (refreshed at half the granted one)")
	maxConns := flag.Int("max-conns", 1000, "RTMP connections served at once, 0 for no bound (the default matches the default RTP port range, one call per connection)")
	idle := flag.Duration("idle-timeout", 60*time.Second, "close an RTMP connection silent for this long; quiet clients are pinged at a third of it (0: 60s, negative: never)")
	level := flag.String("log-level", "info", "debug, info, warn or error")
	flag.Parse()

	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		fatal("bad -log-level: %v", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
	// What sipgo logs through its package-wide logger goes to ours too,
	// at our level, capped (the gateway gives sipgo a capped logger).
	sip.SetDefaultLogger(logcap.Logger(log).With("component", "sipgo"))
	minPort, maxPort, err := parseRange(*rtpPorts)
	if err != nil {
		fatal("bad -rtp-ports: %v", err)
	}
	gw, err := rtmpgw.New(rtmpgw.Config{
		Proxy: *proxy, SIPListen: *sipListen, MediaIP: *mediaIP, RTPPortMin: minPort, RTPPortMax: maxPort,
		RegisterExpires: *expires, Logger: log, MaxConns: *maxConns, IdleTimeout: *idle,
	})
	if err != nil {
		fatal("%v", err)
	}
	l, err := net.Listen("tcp", *rtmpAddr)
	if err != nil {
		fatal("listen: %v", err)
	}
	log.Info("rtmp listening on "+l.Addr().String(), "rtmp", l.Addr().String(), "sip", gw.SIPAddr(), "proxy", *proxy, "rtp_ports", *rtpPorts)
	fmt.Printf("rtmp://%s/sip/\n", l.Addr()) // first line on stdout: the URL, for scripts

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- gw.Serve(l) }()
	select {
	case err := <-done:
		if !errors.Is(err, rtmp.ErrServerClosed) {
			log.Error("serve", "err", err)
		}
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := gw.Shutdown(sctx); err != nil {
		log.Warn("shutdown incomplete", "err", err)
	}
	log.Info("stopped")
}

// parseRange reads "min-max", or "0" for ephemeral ports.
func parseRange(s string) (int, int, error) {
	if s == "0" || s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "-")
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || lo < 1 || hi > 65535 || lo > hi {
		return 0, 0, fmt.Errorf("%q is not min-max within 1-65535", s)
	}
	return lo, hi, nil
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kazoo-rtmpgw: "+format+"\n", args...)
	os.Exit(2)
}
