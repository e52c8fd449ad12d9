package ua

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/clock"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

// Version is kazoo's version, sent in User-Agent.
const Version = "0.1.0"

// Transport is the connection the user agent talks SIP over.
type Transport interface {
	sip.Conn
	// Serve starts delivering incoming messages to handle.
	Serve(handle func(sipgo.Message))
	// Err tells why the connection ended (sip.ErrClosed after Close).
	Err() error
	// Transport is the Via transport ("WS", "WSS").
	Transport() string
	// Host is the host to put in Via and Contact.
	Host() string
	// Ping sends a keepalive (RFC 5626 CRLFCRLF); Pongs counts answers.
	Ping() error
	Pongs() uint64
	// Abort drops the connection as lost, with why as its Err.
	Abort(why error)
}

// Dialer opens a Transport to a ws:// or wss:// URL.
type Dialer func(ctx context.Context, url string) (Transport, error)

// Config is how the user agent is wired to its platform; zero values
// mean defaults.
type Config struct {
	// Dial opens the SIP WebSocket; sip.DialWS by default.
	Dial Dialer
	// Explain, when set, is asked why a WebSocket could not be opened when
	// the platform did not say (a browser never does). It returns "" when
	// it cannot tell.
	Explain func(ctx context.Context, url string) string
	// Clock gives time and timers; the system clock by default.
	Clock clock.Clock
	// Logger receives diagnostics; discarded by default. Credentials are
	// never logged.
	Logger *slog.Logger
	// UserAgent is the User-Agent header value.
	UserAgent string
	// DialTimeout bounds opening the WebSocket (10 s by default).
	DialTimeout time.Duration
	// RequestTimeout bounds waiting for a final response to a REGISTER
	// (32 s, Timer F, by default).
	RequestTimeout time.Duration
	// WakeCheck is how often the user agent checks the clock for a gap
	// that means the machine slept (10 s when zero; negative: never).
	WakeCheck time.Duration
	// OnPanic is told about a panic recovered on one of the user agent's
	// goroutines (it is also reported as internal_error to the current
	// registration's Error event). It may be nil.
	OnPanic func(error)
}

// Events are the callbacks of one registration and of its calls. Nil
// ones are skipped. They are called on the user agent's goroutines.
type Events struct {
	Connected func()
	Error     func(*phone.Error)
	// Incoming is a new incoming call, ringing; answer it with Accept or
	// Reject. Without it, incoming calls are refused with 480.
	Incoming func(*Call)
	// CallProgress is a provisional response to our INVITE (180, 183);
	// early is true when it carried early media.
	CallProgress func(c *Call, code int, early bool)
	// CallAccepted: our outgoing call was answered (after the ACK).
	CallAccepted func(*Call)
	// CallEnded: the call is over, once per call; End says how.
	CallEnded func(*Call, phone.End)
	// CallDTMF: a digit received in SIP INFO.
	CallDTMF func(c *Call, digit string)
	// CallTransfer: the result of Call.Transfer (nil error on success).
	CallTransfer func(*Call, *phone.Error)
	// TransferRequest: the far end of c asks us (REFER) to call target
	// instead; asked when Options.TransferRequests is TransferAsk. False
	// declines the REFER with 603 and the call goes on; true follows it.
	// It may block while the user decides, until ctx ends (after
	// TransferRequestTimeout): a decision after that declines.
	TransferRequest func(ctx context.Context, c *Call, target string) bool
	// Transferred: the far end of old asked us (REFER) to call target;
	// next is that new call.
	Transferred func(old, next *Call, target string)
	// Replaced: an INVITE with Replaces (RFC 3891) took old's place; next
	// is that new call, already answered, and old is hung up right after
	// (an attended transfer to us, or a call picked up elsewhere).
	Replaced func(old, next *Call)
	// Notified: a notification for the page (kazoo.js onNotified):
	// reconnecting, registration overridden or replaced, voicemail, or an
	// unknown NOTIFY.
	Notified func(phone.Notification)
	// Message: an instant message received (SIP MESSAGE, RFC 3428; see
	// message.go), already answered 200. Without it, messages are
	// refused with 480.
	Message func(phone.Message)
	// Presence: a state of a URI watched with Subscribe.
	Presence func(phone.Presence)
}

// UserAgent is one SIP identity on one connection at a time.
type UserAgent struct {
	cfg Config

	op sync.Mutex // serialises Register, Logout and refreshes

	mu       sync.Mutex
	reg      *registration      // nil when idle
	cancelOp context.CancelFunc // cancels a Register in progress
	last     *lastRegister      // for Restore after an unload
}

// New makes a user agent. It does nothing until Register.
func New(cfg Config) *UserAgent {
	if cfg.Dial == nil {
		logger := cfg.Logger
		cfg.Dial = func(ctx context.Context, url string) (Transport, error) {
			return sip.DialWS(ctx, url, logger)
		}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "kazoo/" + Version
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 32 * time.Second
	}
	return &UserAgent{cfg: cfg}
}

// Registered reports whether a registration is currently in force.
func (u *UserAgent) Registered() bool {
	u.mu.Lock()
	r := u.reg
	u.mu.Unlock()
	return r != nil && r.isRegistered()
}

// Register validates opts, opens the WebSocket and registers. It replaces
// any earlier registration (which is unregistered first). It returns nil
// once the registrar accepted, after calling ev.Connected; on failure it
// calls ev.Error and returns the same *phone.Error. Nothing is sent when a
// parameter is invalid.
func (u *UserAgent) Register(ctx context.Context, opts Options, ev Events) *phone.Error {
	t, verr := opts.validate()
	if verr != nil {
		emitError(ev, verr)
		return verr
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u.mu.Lock()
	if u.cancelOp != nil {
		u.cancelOp() // a newer Register wins over one still connecting
	}
	u.cancelOp = cancel
	u.mu.Unlock()

	u.op.Lock()
	defer u.op.Unlock()
	if err := ctx.Err(); err != nil {
		e := superseded(err)
		emitError(ev, e)
		return e
	}
	if old := u.detach(); old != nil {
		old.unregister(context.WithoutCancel(ctx))
	}

	u.mu.Lock()
	u.last = &lastRegister{opts: opts, ev: ev}
	u.mu.Unlock()
	r := newRegistration(u, t, ev)
	l, err := r.dial(ctx)
	if err != nil {
		emitError(ev, err)
		return err
	}
	r.mu.Lock()
	r.link = l
	r.mu.Unlock()
	if err := r.register(ctx); err != nil {
		r.close()
		emitError(ev, err)
		return err
	}
	u.mu.Lock()
	u.reg = r
	u.mu.Unlock()
	r.adopt(l)
	r.scheduleRefresh()
	r.watchSleep()
	if ev.Connected != nil {
		ev.Connected()
	}
	return nil
}

// lastRegister is what Register was last called with, for Restore.
type lastRegister struct {
	opts Options
	ev   Events
}

// dialError turns a failed dial into server_not_reachable with the most
// precise reason available.
func (u *UserAgent) dialError(ctx context.Context, url string, err error) *phone.Error {
	if ctx.Err() != nil {
		return superseded(err)
	}
	reason := ""
	var de *sip.DialError
	if errors.As(err, &de) {
		reason = de.Reason
	}
	if reason == "" && u.cfg.Explain != nil {
		ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
		reason = u.cfg.Explain(ectx, url)
		cancel()
	}
	if reason == "" {
		reason = "the WebSocket could not be opened"
	}
	return &phone.Error{Key: phone.KeyServerNotReachable, Message: fmt.Sprintf("cannot reach %s: %s", url, reason), Err: err}
}

// detach removes the current registration and returns it.
func (u *UserAgent) detach() *registration {
	u.mu.Lock()
	defer u.mu.Unlock()
	r := u.reg
	u.reg = nil
	return r
}

// Logout unregisters (REGISTER with Expires: 0, waiting at most until ctx
// ends) and closes the WebSocket. Without a registration it only stops a
// Register in progress.
func (u *UserAgent) Logout(ctx context.Context) {
	u.mu.Lock()
	if u.cancelOp != nil {
		u.cancelOp()
		u.cancelOp = nil
	}
	u.last = nil
	u.mu.Unlock()
	r := u.detach()
	if r == nil {
		return
	}
	r.mu.Lock()
	r.rc.Stop() // no reconnect attempt after this point
	r.mu.Unlock()
	u.op.Lock()
	defer u.op.Unlock()
	r.unregister(ctx)
}

// Unload is Logout for a page going away: the un-REGISTER is written at
// once and the socket closed without waiting for the answer, because the
// page will not be there to read it.
func (u *UserAgent) Unload() {
	if r := u.detach(); r != nil {
		r.unregisterNow()
	}
}

// recoverPanic, deferred at the top of the user agent's goroutines, turns
// a panic into an internal_error instead of a dead program.
func (u *UserAgent) recoverPanic(ev Events, where string) {
	p := recover()
	if p == nil {
		return
	}
	err := fmt.Errorf("ua: panic in %s: %v\n%s", where, p, debug.Stack())
	u.cfg.Logger.Error("internal error", "where", where, "panic", fmt.Sprint(p))
	if u.cfg.OnPanic != nil {
		u.cfg.OnPanic(err)
	}
	emitError(ev, &phone.Error{Key: phone.KeyInternal, Message: fmt.Sprintf("internal error in %s: %v", where, p), Err: err})
}

// superseded is the error of a Register cancelled by a newer Register or
// by Logout.
func superseded(err error) *phone.Error {
	return &phone.Error{Key: phone.KeyRegistrationFailed, Message: "registration superseded by a newer register() or logout()", Err: err}
}

func emitError(ev Events, err *phone.Error) {
	if ev.Error != nil {
		ev.Error(err)
	}
}
