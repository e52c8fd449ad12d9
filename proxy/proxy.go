package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/internal/logcap"
	"github.com/kazoo-softphone/kazoo/registrar"
)

// Config configures a Proxy.
type Config struct {
	// Domain is the SIP domain and digest realm, e.g. lab.test.
	Domain string
	// Accounts are the users and their passwords; their Algorithms are
	// the digest challenges of WebSocket clients (browsers).
	Accounts *registrar.Accounts
	// UDPDigest are the challenges of UDP clients, most preferred first;
	// default MD5 alone: desk phones, and baresip 1.0, take the first
	// challenge whatever its algorithm and know only MD5.
	UDPDigest []string
	// Extensions are numbers answered by the server itself (echo test,
	// tones, voicemail), by request-URI user.
	Extensions map[string]Extension
	// ExtensionPrefix answers every number that starts with one of these
	// with the named extension (e.g. "vm" → voicemail for vm1002).
	ExtensionPrefixes map[string]Extension
	// Media anchors calls between a WebSocket client and a UDP one (a
	// browser and a plain-RTP phone or gateway); nil forwards SDP as is.
	Media Anchor
	// OnRegister is called after a REGISTER added a device, or one came
	// back on a new connection (e.g. to send it a message-summary NOTIFY);
	// not for refreshes.
	OnRegister func(aor string, updated []registrar.Binding)
	// RingTimeout ends an INVITE nobody answered (408); default 60 s,
	// like Kamailio's fr_inv_timer in the lab.
	RingTimeout time.Duration
	// UserAgent is the Server / User-Agent header; default "kazoo-dev".
	UserAgent string
	Logger    *slog.Logger
}

// Proxy is a registrar and stateful, forking, record-routing proxy for
// one domain, over SIP WebSocket and UDP.
type Proxy struct {
	cfg  Config
	log  *slog.Logger
	reg  *registrar.Registrar
	loc  *registrar.Location
	ua   *sipgo.UserAgent
	srv  *sipgo.Server
	cli  *sipgo.Client
	ctx  context.Context
	stop context.CancelFunc

	ws *wsListener

	mu      sync.Mutex
	listen  listenAddrs
	dialogs map[string]*dialog // anchored and local dialogs, by Call-ID
	pres    presenceAgent
	closed  bool
	wg      sync.WaitGroup
}

// New makes a proxy; attach transports with ServeUDP and WebSocket.
func New(cfg Config) (*Proxy, error) {
	if cfg.Domain == "" || cfg.Accounts == nil {
		return nil, errors.New("proxy: Domain and Accounts are required")
	}
	if cfg.RingTimeout <= 0 {
		cfg.RingTimeout = 60 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "kazoo-dev"
	}
	if len(cfg.UDPDigest) == 0 {
		cfg.UDPDigest = []string{"MD5"}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// sipgo reports every malformed message and closed connection; only
	// its errors are worth showing unless we debug.
	quiet := QuietLogger(log)
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(cfg.UserAgent),
		sipgo.WithUserAgentHostname(cfg.Domain),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)),
		sipgo.WithUserAgentTransactionLayerOptions(
			sip.WithTransactionLayerLogger(quiet),
			// Responses matching no transaction (a 2xx retransmitted
			// after the first went upstream) are dropped: the caller's
			// ACK, forwarded end to end, stops them.
			sip.WithTransactionLayerUnhandledResponseHandler(func(*sip.Response) {})),
	)
	if err != nil {
		return nil, err
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		return nil, err
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientLogger(quiet))
	if err != nil {
		return nil, err
	}
	loc := registrar.NewLocation()
	p := &Proxy{
		cfg: cfg, log: log, ua: ua, srv: srv, cli: cli, loc: loc,
		reg:     &registrar.Registrar{Domain: cfg.Domain, Location: loc},
		dialogs: map[string]*dialog{},
	}
	p.ctx, p.stop = context.WithCancel(context.Background())
	for _, m := range []sip.RequestMethod{sip.REGISTER, sip.INVITE, sip.ACK, sip.CANCEL, sip.BYE, sip.OPTIONS,
		sip.INFO, sip.REFER, sip.NOTIFY, sip.MESSAGE, sip.SUBSCRIBE, sip.UPDATE, sip.PRACK, sip.PUBLISH} {
		srv.OnRequest(m, p.guard(p.handle))
	}
	srv.OnNoRoute(p.guard(p.handle))
	p.wg.Add(1)
	go p.sweep()
	return p, nil
}

// Location is the proxy's location service (bindings).
func (p *Proxy) Location() *registrar.Location { return p.loc }

// AttachUDP serves SIP over UDP on conn, from now until Close. The UDP
// address is also our Via and Record-Route on that side.
func (p *Proxy) AttachUDP(conn net.PacketConn) error {
	host, port, err := net.SplitHostPort(conn.LocalAddr().String())
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.listen.udpHost, p.listen.udpPort = host, mustAtoi(port)
	p.mu.Unlock()
	go func() { _ = p.srv.ServeUDP(conn) }()
	return nil
}

// WebSocket returns the handler for SIP over WebSocket (RFC 7118) on an
// HTTP server listening at addr (ip:port), e.g. at path /sip.
func (p *Proxy) WebSocket(addr net.Addr) http.Handler {
	host, port, _ := net.SplitHostPort(addr.String())
	p.mu.Lock()
	p.listen.wsHost, p.listen.wsPort = host, mustAtoi(port)
	p.ws = newWSListener(addr, p.flowClosed)
	ws := p.ws
	p.mu.Unlock()
	go func() { _ = p.srv.ServeWS(ws) }()
	return ws
}

// Close stops the proxy: dialogs with local extensions end, transports close.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	ds := make([]*dialog, 0, len(p.dialogs))
	for _, d := range p.dialogs {
		ds = append(ds, d)
	}
	p.mu.Unlock()
	for _, d := range ds {
		d.close()
	}
	p.stop()
	if p.ws != nil {
		p.ws.Close()
	}
	err := p.ua.Close()
	p.wg.Wait()
	return err
}

// DropConnections closes the WebSocket connections of user's bindings, as
// if the network failed (for trying reconnection); it returns how many.
func (p *Proxy) DropConnections(user string) int {
	p.mu.Lock()
	ws := p.ws
	p.mu.Unlock()
	n := 0
	for _, b := range p.loc.Lookup(user + "@" + p.cfg.Domain) {
		if ws != nil && isWebRTC(b.Flow) && ws.drop(b.Flow.Addr) {
			n++
		}
	}
	return n
}

// flowClosed drops the bindings of a WebSocket that closed.
func (p *Proxy) flowClosed(remote string) {
	f := registrar.Flow{Transport: "WS", Addr: remote}
	p.callFlowClosed(f)
	gone := p.loc.DropFlow(f)
	for _, b := range gone {
		p.log.Info("binding dropped: connection closed", "aor", b.AOR, "flow", remote)
	}
}

func (p *Proxy) sweep() {
	defer p.wg.Done()
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
			p.loc.Sweep()
		}
	}
}

// guard recovers a panic in a request handler: the request gets 500 and
// the server goes on.
func (p *Proxy) guard(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		defer func() {
			if r := recover(); r != nil {
				p.log.Error("request handler panic", "method", req.Method, "panic", fmt.Sprint(r))
				if tx != nil && !req.IsAck() {
					_ = tx.Respond(p.response(req, 500, "Server Internal Error"))
				}
			}
		}()
		h(req, tx)
	}
}

// response builds a response of ours to req, with our Server header.
func (p *Proxy) response(req *sip.Request, code int, reason string) *sip.Response {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	res.AppendHeader(sip.NewHeader("Server", p.cfg.UserAgent))
	return res
}

// respond answers req on tx, logging a failure to send.
func (p *Proxy) respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, extra ...sip.Header) {
	res := p.response(req, code, reason)
	for _, h := range extra {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		p.log.Debug("cannot respond", "code", code, "method", req.Method, "err", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// floorHandler drops records below a level.
type floorHandler struct {
	slog.Handler
	floor slog.Level
}

func (h floorHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.floor && h.Handler.Enabled(ctx, l)
}

func (h floorHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return floorHandler{h.Handler.WithAttrs(a), h.floor}
}

func (h floorHandler) WithGroup(g string) slog.Handler {
	return floorHandler{h.Handler.WithGroup(g), h.floor}
}

// QuietLogger is what sipgo's package-wide logger should be for a server
// that logs with log: silent unless log debugs. sipgo logs a closed or
// reset connection, or a malformed message, as an error; the proxy logs
// what matters itself. What it does log is capped (internal/logcap):
// sipgo logs a whole unparsable datagram, which anyone can send.
func QuietLogger(log *slog.Logger) *slog.Logger {
	if log.Enabled(context.Background(), slog.LevelDebug) {
		return logcap.Logger(log).With("component", "sipgo")
	}
	return slog.New(floorHandler{log.Handler(), slog.LevelError + 4}).With("component", "sipgo")
}
