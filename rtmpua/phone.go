package rtmpua

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/kazoo-softphone/kazoo/clock"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/relaywire"
)

// Subprotocol is kazoo-relay's WebSocket subprotocol.
const Subprotocol = relaywire.Subprotocol

// Events are the callbacks of a registration and its calls, as in
// package ua.
type Events struct {
	Connected    func()
	Error        func(*phone.Error)
	Incoming     func(*Call)
	CallProgress func(c *Call, code int, early bool)
	CallAccepted func(*Call)
	CallEnded    func(*Call, phone.End)
	CallTransfer func(*Call, *phone.Error)
	// CallDTMF reports a digit the far end sent (kazoo-rtmpgw's dtmf
	// callback; siprtmp drops received DTMF).
	CallDTMF func(c *Call, digit string)
	Notified func(phone.Notification)
}

// Config wires a Phone to its platform.
type Config struct {
	// Dial opens the relay WebSocket; coder/websocket by default.
	Dial func(ctx context.Context, url string) (*websocket.Conn, error)
	// Logger gets diagnostics; passwords never reach it.
	Logger *slog.Logger
	// DialTimeout bounds reaching the relay and its answer to hello (15 s).
	DialTimeout time.Duration
	// RPCTimeout bounds one RPC (30 s).
	RPCTimeout time.Duration
	// KeepaliveInterval is how often the relay is pinged (20 s; the relay
	// closes a socket silent for 60 s), and PongTimeout how long an answer
	// may take before the socket counts as lost (10 s).
	KeepaliveInterval, PongTimeout time.Duration
	// TransferConfirmTimeout is how long a gateway that answered transfer
	// with a bare _result has to report the outcome (transferred or
	// transferFailed) before the page gets transfer_failed. A plain
	// siprtmp answers every RPC so, even one it does not have, and then
	// says nothing more (DefaultTransferConfirmTimeout).
	TransferConfirmTimeout time.Duration
	// TransferTimeout bounds waiting for the outcome of a transfer the
	// gateway acknowledged (kazoo-rtmpgw answers transfer with the
	// REFER's status) (DefaultTransferTimeout).
	TransferTimeout time.Duration
	// HangupTimeout is how long a ringing outgoing call that was hung up
	// waits for the gateway's rejected or cancelled before it ends anyway
	// (DefaultHangupTimeout).
	HangupTimeout time.Duration
	// ParseJSON parses the relay's text frames into Go values
	// (map[string]any, []any, float64, string, bool, nil), as
	// encoding/json does into an any. In a browser cmd/kazoojs gives the
	// browser's JSON.parse, so that kazoo.wasm carries no JSON decoder
	// (about 60 KB brotli); elsewhere it defaults to encoding/json.
	ParseJSON func([]byte) (any, error)
	// Clock gives the reconnect loop's timers; the system clock when nil.
	Clock clock.Clock
}

// Defaults of Config's timeouts.
const (
	DefaultTransferConfirmTimeout = 5 * time.Second
	DefaultTransferTimeout        = 60 * time.Second
	// DefaultHangupTimeout is above the relay's own wait for a pending
	// invite (3 s, then a synthetic cancelled).
	DefaultHangupTimeout = 10 * time.Second
)

// Phone is the RTMP-mode user agent: one registration (one relay
// WebSocket) at a time.
type Phone struct {
	cfg Config

	mu   sync.Mutex
	sess *session
	last *lastRegister
}

type lastRegister struct {
	opts Options
	ev   Events
}

// New makes a Phone.
func New(cfg Config) *Phone {
	if cfg.Dial == nil {
		cfg.Dial = func(ctx context.Context, url string) (*websocket.Conn, error) {
			c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{Subprotocol}})
			return c, err
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ParseJSON == nil {
		cfg.ParseJSON = defaultParseJSON
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 15 * time.Second
	}
	if cfg.RPCTimeout == 0 {
		cfg.RPCTimeout = 30 * time.Second
	}
	if cfg.KeepaliveInterval == 0 {
		cfg.KeepaliveInterval = 20 * time.Second
	}
	if cfg.PongTimeout == 0 {
		cfg.PongTimeout = 10 * time.Second
	}
	if cfg.TransferConfirmTimeout == 0 {
		cfg.TransferConfirmTimeout = DefaultTransferConfirmTimeout
	}
	if cfg.TransferTimeout == 0 {
		cfg.TransferTimeout = DefaultTransferTimeout
	}
	if cfg.HangupTimeout == 0 {
		cfg.HangupTimeout = DefaultHangupTimeout
	}
	cfg.Clock = clock.OrReal(cfg.Clock)
	return &Phone{cfg: cfg}
}

// Register connects through the relay to the gateway, which registers
// the account; it returns nil once the gateway accepted (after
// ev.Connected), or the *phone.Error it also reports to ev.Error.
func (p *Phone) Register(ctx context.Context, opts Options, ev Events) *phone.Error {
	t, err := opts.validate()
	if err != nil {
		emitError(ev, err)
		return err
	}
	p.mu.Lock()
	old := p.sess
	p.sess = nil
	p.last = &lastRegister{opts: opts, ev: ev}
	p.mu.Unlock()
	if old != nil {
		old.close()
	}
	s := &session{p: p, t: t, ev: ev, pending: map[int64]chan result{}}
	s.rc = s.newReconnectLoop()
	if err := s.connect(ctx); err != nil {
		emitError(ev, err)
		return err
	}
	p.mu.Lock()
	p.sess = s
	p.mu.Unlock()
	if ev.Connected != nil {
		ev.Connected()
	}
	return nil
}

// Registered reports whether the gateway registration is in force.
func (p *Phone) Registered() bool {
	s := p.session()
	return s != nil && s.isRegistered()
}

func (p *Phone) session() *session {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sess
}

// Logout hangs up and closes the relay connection: the gateway then
// unregisters.
func (p *Phone) Logout(ctx context.Context) {
	p.mu.Lock()
	s := p.sess
	p.sess, p.last = nil, nil
	p.mu.Unlock()
	if s == nil {
		return
	}
	if c := s.current(); c != nil {
		_ = c.Hangup(ctx)
	}
	s.close()
}

// Unload is Logout for a page going away: nothing is waited for.
func (p *Phone) Unload() {
	p.mu.Lock()
	s := p.sess
	p.sess = nil
	p.mu.Unlock()
	if s != nil {
		s.close()
	}
}

// Dial calls target (a SIP URI, or a user or number in our realm).
func (p *Phone) Dial(ctx context.Context, target string) (*Call, *phone.Error) {
	return p.DialWith(ctx, target, nil)
}

// DialWith is Dial; header fields for the INVITE are not_supported (the
// gateway writes the INVITE, and takes none from us).
func (p *Phone) DialWith(ctx context.Context, target string, headers []phone.Header) (*Call, *phone.Error) {
	if len(headers) > 0 {
		return nil, errNoHeaders()
	}
	s := p.session()
	if s == nil || !s.isRegistered() {
		return nil, &phone.Error{Key: phone.KeyNotRegistered, Message: "register before calling"}
	}
	return s.dial(ctx, target)
}

// SendMessage is not available in RTMP mode: the gateway's protocol
// (siprtmp's RPCs) has no instant messages, so it answers not_supported.
func (p *Phone) SendMessage(context.Context, string, string, string, []phone.Header) (*phone.MessageResult, *phone.Error) {
	return nil, &phone.Error{Key: phone.KeyNotSupported, Message: "instant messages (SIP MESSAGE) need the WebRTC path: the RTMP gateway cannot send them"}
}

// Reconnect connects again now with the last parameters (kazoo.js
// reconnect()).
func (p *Phone) Reconnect() {
	p.mu.Lock()
	s, last := p.sess, p.last
	p.mu.Unlock()
	switch {
	case s != nil:
		s.reconnectNow()
	case last != nil:
		go p.Register(context.Background(), last.opts, last.ev)
	}
}

// StartAutoReconnect starts the reconnect loop when not connected.
func (p *Phone) StartAutoReconnect() {
	if s := p.session(); s != nil {
		s.startReconnect()
	}
}

// StopAutoReconnect stops the reconnect loop.
func (p *Phone) StopAutoReconnect() {
	if s := p.session(); s != nil {
		s.stopReconnect()
	}
}

// Wake reconnects at once if the connection was lost (network back,
// page woke up).
func (p *Phone) Wake() {
	if s := p.session(); s != nil && !s.isRegistered() {
		s.reconnectNow()
	}
}

func emitError(ev Events, e *phone.Error) {
	if ev.Error != nil {
		ev.Error(e)
	}
}

// reasonError maps a gateway or relay refusal ("401 Unauthorized",
// "NetConnection.Connect.Rejected: 403 Forbidden", a dial error) to the
// page's error.
func reasonError(reason string) *phone.Error {
	code, rest := parseStatus(reason)
	switch code {
	case 401, 407:
		return &phone.Error{Key: phone.KeyUnauthorized, Message: "the registrar rejected the credentials (" + rest + ")", Code: code, Source: reason}
	case 403:
		return &phone.Error{Key: phone.KeyForbidden, Message: "the registrar refused this identity (" + rest + ")", Code: code, Source: reason}
	case 0:
		return &phone.Error{Key: phone.KeyServerNotReachable, Message: "the gateway could not be reached: " + reason}
	}
	return &phone.Error{Key: phone.KeyRegistrationFailed, Message: fmt.Sprintf("the gateway refused the registration (%s)", rest), Code: code, Source: reason}
}

// errNoHeaders refuses extraHeaders, which the RTMP path cannot send.
func errNoHeaders() *phone.Error {
	return &phone.Error{Key: phone.KeyNotSupported, Message: "extraHeaders: the RTMP path cannot send SIP header fields (the gateway writes its own messages)"}
}
