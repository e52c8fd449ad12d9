package relay

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/kazoo-softphone/kazoo/relaywire"
)

// Subprotocol is the relay's WebSocket subprotocol.
const Subprotocol = relaywire.Subprotocol

// Config is the relay's policy. Zero durations and limits mean the
// defaults shown.
type Config struct {
	// Gateways are the RTMP URL prefixes a browser may ask for, e.g.
	// "rtmp://10.0.0.5:1935/sip/". Nothing else is ever dialled. Each is
	// parsed (Check reports a bad one) and matched by host, port and path
	// prefix; a path without a trailing "/" is a whole segment.
	Gateways []string
	// Origins are the page origins allowed to connect ("https://app.example.com");
	// "*" allows any (development only).
	Origins []string
	// Secret, when set, requires a hello token (see NewToken) bound to
	// the account and the gateway of the hello's rtmpUrl.
	Secret []byte
	// TokenMaxLifetime refuses a token whose expiry is further than this
	// from now, "token lifetime too long" (1 h): tokens are minted
	// shortly before use.
	TokenMaxLifetime time.Duration
	// TokenSingleUse makes each token open one session: a token is
	// remembered until it expires and a second hello with it is refused,
	// "token already used". kazoo's automatic reconnect sends the token
	// it was given again, so with this a page needs a fresh token to
	// come back after it lost the relay.
	TokenSingleUse bool
	// TokenCacheSize bounds the tokens remembered for TokenSingleUse
	// (100000, about 10 MB); when it is full, new tokens are refused,
	// "too many tokens in use" (1013), until some expire.
	TokenCacheSize int
	// Dial connects to a gateway; DialRTMP when nil.
	Dial Dialer
	// Logger gets structured logs; passwords never reach it.
	Logger *slog.Logger

	MaxText      int           // largest JSON frame (8 KiB)
	MaxBinary    int           // largest audio frame (1 KiB)
	Rate         float64       // messages per second from a browser (100)
	Burst        float64       // burst above Rate (200)
	HelloTimeout time.Duration // for the first frame (10 s)
	IdleTimeout  time.Duration // without any frame from the browser (60 s)
	PingInterval time.Duration // WebSocket pings (15 s; 2 missed close)
	DialTimeout  time.Duration // to reach the gateway (15 s)
	// MaxSessions caps the sessions the relay runs at once, sockets
	// still waiting for their hello included (5000); MaxPerAddr caps
	// those from one client address, an IPv6 client's /64 counting as
	// one address (20); MaxPerAOR caps those for one account, the
	// user@domain of the hello's rtmpUrl (4). Negative: no cap. A socket
	// over a cap is closed with "too many sessions", "too many sessions
	// from this address" or "too many sessions for this account" (status
	// 1013, try again later).
	MaxSessions, MaxPerAddr, MaxPerAOR int
	// TrustedProxies are reverse proxies in front of the relay: for a
	// request from one of them, the client address is read from
	// X-Forwarded-For (see clientAddr). Empty: the TCP peer is the
	// client, and X-Forwarded-For is ignored. Behind a proxy that is not
	// listed, every client counts as the proxy's address.
	TrustedProxies []netip.Prefix
	// PendingByeTimeout: siprtmp answers a bye on a pending invite with
	// no callback at all, so after this the relay reports "cancelled"
	// itself (3 s).
	PendingByeTimeout time.Duration
}

func (c *Config) defaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	set(&c.HelloTimeout, 10*time.Second)
	set(&c.IdleTimeout, 60*time.Second)
	set(&c.PingInterval, 15*time.Second)
	set(&c.DialTimeout, 15*time.Second)
	set(&c.PendingByeTimeout, 3*time.Second)
	set(&c.TokenMaxLifetime, defaultTokenMaxLife)
	if c.MaxText == 0 {
		c.MaxText = 8 << 10
	}
	if c.MaxBinary == 0 {
		c.MaxBinary = 1 << 10
	}
	if c.Rate == 0 {
		c.Rate = 100
	}
	if c.Burst == 0 {
		c.Burst = 200
	}
	capDefault := func(n *int, v int) {
		if *n == 0 {
			*n = v
		}
	}
	capDefault(&c.MaxSessions, 5000)
	capDefault(&c.MaxPerAddr, 20)
	capDefault(&c.MaxPerAOR, 4)
	capDefault(&c.TokenCacheSize, 100000)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Dial == nil {
		c.Dial = DialRTMP
	}
}

// Server serves the relay's WebSocket endpoint.
type Server struct {
	cfg      Config
	gateways []gatewayPrefix // cfg.Gateways, parsed
	used     *tokenCache     // tokens spent, with cfg.TokenSingleUse

	mu       sync.Mutex
	sessions map[*session]bool
	perAddr  map[string]int // sessions by addrKey
	perAOR   map[string]int // sessions by lower-cased AOR
	closed   bool
	wg       sync.WaitGroup
}

// New makes a relay server.
func New(cfg Config) *Server {
	cfg.defaults()
	s := &Server{cfg: cfg, sessions: map[*session]bool{}, perAddr: map[string]int{}, perAOR: map[string]int{},
		used: newTokenCache(cfg.TokenCacheSize)}
	for _, e := range cfg.Gateways {
		if p, err := parseGateway(e); err == nil {
			s.gateways = append(s.gateways, p)
		} else {
			cfg.Logger.Error("gateway allow-list entry left out", "error", err.Error())
		}
	}
	return s
}

// ServeHTTP upgrades to WebSocket and runs one session. Refusals happen
// after the upgrade, so the browser sees the close reason.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:       []string{Subprotocol},
		InsecureSkipVerify: true, // the Origin is checked below, with a reason
	})
	if err != nil {
		return
	}
	client := s.clientAddr(r)
	log := s.cfg.Logger.With("remote", r.RemoteAddr, "origin", r.Header.Get("Origin"))
	if len(s.cfg.TrustedProxies) > 0 {
		log = log.With("client", client.String())
	}
	switch {
	case ws.Subprotocol() != Subprotocol:
		refuse(ws, websocket.StatusProtocolError, "subprotocol "+Subprotocol+" required", log)
		return
	case !s.originAllowed(r.Header.Get("Origin")):
		refuse(ws, websocket.StatusPolicyViolation, "origin not allowed", log)
		return
	}
	sess := newSession(s, ws, log)
	sess.addr = addrKey(client)
	if code, reason := s.admit(sess); reason != "" {
		refuse(ws, code, reason, log)
		return
	}
	defer s.release(sess)
	sess.run(r.Context())
}

// refuse closes a socket that gets no session, with the reason; a
// browser that does not answer the close frame is cut after closeGrace.
func refuse(ws *websocket.Conn, code websocket.StatusCode, reason string, log *slog.Logger) {
	log.Info("refused", "reason", reason)
	closeWithGrace(ws, code, reason)
}

func (s *Server) originAllowed(origin string) bool {
	for _, o := range s.cfg.Origins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// gatewayAllowed checks rtmpURL against the allow-list: parsed as the
// entries are (parseGateway), its host, port and path must be under one
// of them.
func (s *Server) gatewayAllowed(rtmpURL string) bool {
	u, err := parseGateway(rtmpURL)
	if err != nil {
		return false
	}
	for _, p := range s.gateways {
		if p.allows(u) {
			return true
		}
	}
	return false
}

// Sessions counts the sessions running.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Shutdown closes every session (their gateway connections end, which
// unregisters) and waits for them, at most until ctx ends.
func (s *Server) Shutdown(ctx context.Context) {
	s.mu.Lock()
	s.closed = true
	all := make([]*session, 0, len(s.sessions))
	for sess := range s.sessions {
		all = append(all, sess)
	}
	s.mu.Unlock()
	for _, sess := range all {
		sess.stop(websocket.StatusGoingAway, "relay shutting down")
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
