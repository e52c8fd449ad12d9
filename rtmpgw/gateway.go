package rtmpgw

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/internal/logcap"
	"github.com/kazoo-softphone/kazoo/rtmp"
)

// Config configures a Gateway.
type Config struct {
	// Proxy is the SIP proxy, host:port over UDP, that every
	// out-of-dialog request (REGISTER, INVITE) goes to. Required.
	Proxy string

	// SIPListen is the UDP address of the SIP side, shared by every
	// connection; "127.0.0.1:0" when empty. Its IP is also the Contact
	// and media address, so it must be a concrete IP, not 0.0.0.0.
	SIPListen string

	// MediaIP is the local RTP address, also put in SDP; the SIP listen
	// IP when empty.
	MediaIP string

	// RTPPortMin and RTPPortMax bound the local RTP ports (one per
	// call); both zero means ephemeral ports.
	RTPPortMin, RTPPortMax int

	// RegisterExpires is the lifetime asked for in REGISTER; 300 s when
	// zero. Registrations are refreshed at half the granted lifetime.
	RegisterExpires time.Duration

	// UserAgent is the User-Agent header; "kazoo-rtmpgw" when empty.
	UserAgent string

	// MaxConns bounds the RTMP connections served at once (each is one
	// SIP identity); the ones beyond it are closed at once. Zero means
	// no bound.
	MaxConns int

	// IdleTimeout closes an RTMP connection from which nothing arrived
	// for this long; quiet clients are pinged first, so only a client
	// that stopped answering is cut. 60 s when zero ([rtmp.Server]).
	IdleTimeout time.Duration

	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger

	// onCallback, when set (tests), sees every callback sent to a client.
	onCallback func(aor, name string, args []any)
}

// Gateway is kazoo's SIP–RTMP gateway. It serves RTMP connections (it is
// an [rtmp.Handler]) and speaks SIP for each of them over one shared UDP
// socket.
type Gateway struct {
	cfg   Config
	log   *slog.Logger
	ip    netip.Addr // SIP (Contact) address
	port  int
	media netip.Addr // RTP address
	proxy sip.Uri    // <sip:proxy;lr>, preloaded Route of out-of-dialog requests
	ports *portPool

	ua  *sipgo.UserAgent
	srv *sipgo.Server
	cli *sipgo.Client
	pc  net.PacketConn

	rtmp *rtmp.Server

	mu      sync.Mutex
	byToken map[string]*line // Contact user → line
	byAOR   map[string]*line
	closed  bool
}

// New starts the SIP side of a gateway. Serve its RTMP side with Serve.
func New(cfg Config) (*Gateway, error) {
	if cfg.SIPListen == "" {
		cfg.SIPListen = "127.0.0.1:0"
	}
	if cfg.RegisterExpires <= 0 {
		cfg.RegisterExpires = 300 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "kazoo-rtmpgw"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	proxy, err := netip.ParseAddrPort(cfg.Proxy)
	if err != nil {
		return nil, fmt.Errorf("rtmpgw: proxy must be ip:port: %w", err)
	}
	if cfg.RTPPortMin < 0 || cfg.RTPPortMax > 65535 || cfg.RTPPortMin > cfg.RTPPortMax || (cfg.RTPPortMin == 0) != (cfg.RTPPortMax == 0) {
		return nil, fmt.Errorf("rtmpgw: bad RTP port range %d-%d", cfg.RTPPortMin, cfg.RTPPortMax)
	}
	pc, err := net.ListenPacket("udp", cfg.SIPListen)
	if err != nil {
		return nil, fmt.Errorf("rtmpgw: %w", err)
	}
	local := pc.LocalAddr().(*net.UDPAddr).AddrPort()
	if local.Addr().IsUnspecified() {
		_ = pc.Close()
		return nil, errors.New("rtmpgw: the SIP listen address must be a concrete IP (it is the Contact and media address)")
	}
	g := &Gateway{
		cfg: cfg, log: log, ip: local.Addr().Unmap(), port: int(local.Port()), pc: pc,
		proxy:   sip.Uri{Scheme: "sip", Host: proxy.Addr().String(), Port: int(proxy.Port()), UriParams: sip.HeaderParams{{K: "lr"}}},
		byToken: map[string]*line{}, byAOR: map[string]*line{},
	}
	g.media = g.ip
	if cfg.MediaIP != "" {
		if g.media, err = netip.ParseAddr(cfg.MediaIP); err != nil || g.media.IsUnspecified() {
			_ = pc.Close()
			return nil, fmt.Errorf("rtmpgw: media IP %q is not a concrete IP", cfg.MediaIP)
		}
	}
	g.ports = &portPool{ip: g.media, min: cfg.RTPPortMin, max: cfg.RTPPortMax}
	g.rtmp = &rtmp.Server{Handler: g, Logger: log, MaxConns: cfg.MaxConns, IdleTimeout: cfg.IdleTimeout}
	if err := g.startSIP(); err != nil {
		_ = pc.Close()
		return nil, err
	}
	return g, nil
}

func (g *Gateway) startSIP() error {
	// Capped: sipgo logs every unparsable datagram, whole, at ERROR.
	slog := logcap.Logger(g.log).With("component", "sipgo")
	addr := g.SIPAddr()
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(g.cfg.UserAgent),
		sipgo.WithUserAgentHostname(g.ip.String()),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(slog)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(slog),
			// Without this, sipgo logs a response matching no transaction
			// (a retransmission) through its package-wide logger.
			sip.WithTransactionLayerUnhandledResponseHandler(func(r *sip.Response) {
				slog.Debug("dropped a response matching no transaction", "status", r.StatusCode, "reason", r.Reason)
			})),
	)
	if err != nil {
		return fmt.Errorf("rtmpgw: %w", err)
	}
	g.ua = ua
	if g.srv, err = sipgo.NewServer(ua, sipgo.WithServerLogger(slog)); err != nil {
		return fmt.Errorf("rtmpgw: %w", err)
	}
	g.cli, err = sipgo.NewClient(ua, sipgo.WithClientLogger(slog), sipgo.WithClientAddr(addr),
		sipgo.WithClientConnectionAddr(addr))
	if err != nil {
		return fmt.Errorf("rtmpgw: %w", err)
	}
	for _, m := range []sip.RequestMethod{sip.INVITE, sip.ACK, sip.BYE, sip.CANCEL, sip.NOTIFY, sip.INFO, sip.OPTIONS} {
		g.srv.OnRequest(m, g.handle)
	}
	g.srv.OnNoRoute(func(req *sip.Request, tx sip.ServerTransaction) {
		respond(tx, req, 405, "Method Not Allowed", nil, sip.NewHeader("Allow", allowMethods))
	})
	go func() { _ = g.srv.ServeUDP(g.pc) }()
	// Requests are sent from the listening socket (Laddr): wait until
	// sipgo's transport knows it.
	for range 200 {
		if c, _ := ua.TransportLayer().GetConnection("udp", addr); c != nil {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return errors.New("rtmpgw: SIP listener did not start")
}

// SIPAddr returns the address of the SIP side, ip:port.
func (g *Gateway) SIPAddr() string {
	return net.JoinHostPort(g.ip.String(), strconv.Itoa(g.port))
}

// Serve accepts RTMP connections on l until Shutdown.
func (g *Gateway) Serve(l net.Listener) error { return g.rtmp.Serve(l) }

// Shutdown closes every RTMP connection (each hangs up its call and
// un-REGISTERs), waits for them up to ctx, then stops the SIP side.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	err := g.rtmp.Shutdown(ctx)
	_ = g.ua.Close()
	_ = g.pc.Close()
	return err
}

// ServeRTMP serves one RTMP connection: see the package documentation.
func (g *Gateway) ServeRTMP(rc *rtmp.ServerConn) {
	l, err := g.newLine(rc)
	if err != nil {
		g.log.Info("connect refused", "remote", rc.RemoteAddr().String(), "err", err)
		_ = rc.RejectConnect("400 " + err.Error())
		return
	}
	defer close(l.done)
	if !g.track(l) {
		_ = rc.RejectConnect("503 Service Unavailable")
		return
	}
	defer g.release(l)
	l.serve()
}

// track makes the line reachable by its Contact token.
func (g *Gateway) track(l *line) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.byToken[l.token] = l
	return true
}

// takeOver makes l the line of its AOR once it proved its credentials (a
// REGISTER went through), or when neither it nor the current line has a
// password: a connection without a password never displaces a
// registered one. The older connection is closed and its cleanup
// (un-REGISTER of its own Contact) awaited; it reports whether there was
// one.
func (g *Gateway) takeOver(l *line) bool {
	g.mu.Lock()
	old := g.byAOR[l.aorKey]
	if old != nil && old.cred.Password != "" && l.cred.Password == "" {
		g.mu.Unlock()
		return false
	}
	g.byAOR[l.aorKey] = l
	g.mu.Unlock()
	if old == nil {
		return false
	}
	old.log.Info("replaced by a new connection for the same AOR")
	go old.rc.Close()
	select {
	case <-old.done:
	case <-time.After(5 * time.Second):
	}
	return true
}

func (g *Gateway) release(l *line) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.byAOR[l.aorKey] == l {
		delete(g.byAOR, l.aorKey)
	}
	delete(g.byToken, l.token)
}

// handle routes a SIP request to the line whose Contact it targets.
func (g *Gateway) handle(req *sip.Request, tx sip.ServerTransaction) {
	defer func() {
		if p := recover(); p != nil {
			g.log.Error("panic in SIP handler", "method", req.Method.String(), "panic", p, "stack", string(debug.Stack()))
			if !req.IsAck() {
				respond(tx, req, 500, "Server Internal Error", nil)
			}
		}
	}()
	if !wellFormed(req) {
		if !req.IsAck() {
			respond(tx, req, 400, "Bad Request", nil)
		}
		return
	}
	g.mu.Lock()
	l := g.byToken[req.Recipient.User]
	g.mu.Unlock()
	if l == nil {
		switch {
		case req.IsAck():
		case req.Method == sip.OPTIONS && req.Recipient.User == "":
			respond(tx, req, 200, "OK", nil, sip.NewHeader("Allow", allowMethods))
		default:
			respond(tx, req, 404, "Not Found", nil)
		}
		return
	}
	l.handleSIP(req, tx)
}

// send is how lines send callbacks.
func (g *Gateway) send(l *line, name string, args ...any) {
	if f := g.cfg.onCallback; f != nil {
		f(l.aorKey, name, args)
	}
	if err := l.rc.Send(name, args...); err != nil {
		l.log.Debug("callback not sent", "callback", name, "err", err)
		return
	}
	l.log.Debug("callback", "callback", name)
}
