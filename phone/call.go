package phone

import "context"

// CallState is where a call is in its life.
//
//	outgoing: ringing (INVITE sent) ──2xx──▶ established ──BYE──▶ ended
//	              └── 3xx–6xx, CANCEL ─────────────────────────▶ ended
//	incoming: ringing (180 sent) ──Accept──▶ established ──BYE──▶ ended
//	              └── Reject, caller's CANCEL ──────────────────▶ ended
type CallState int

const (
	CallRinging CallState = iota
	CallEstablished
	CallEnded
)

func (s CallState) String() string {
	return [...]string{"ringing", "established", "ended"}[s]
}

// End says how a call ended.
type End struct {
	// Established is true when the call had been answered: it ended with
	// a BYE (kazoo.js onHangup); otherwise it was refused, cancelled or
	// failed (onCancel).
	Established bool
	// Code and Reason are the SIP status that ended an unanswered call
	// (486 Busy Here, 487 Request Terminated, …); 0 for a BYE.
	Code   int
	Reason string
	// ByRemote is true when the far end (or the network) ended it.
	ByRemote bool
}

// Call is a call of either engine (*ua.Call, *rtmpua.Call): what the
// page's call object does, engine-neutral.
type Call interface {
	ID() string
	Outgoing() bool
	CallerName() string
	CallerNumber() string
	RemoteURI() string
	State() CallState
	Accept(ctx context.Context) *Error
	Reject(code int) *Error
	Hangup(ctx context.Context) *Error
	Hold(ctx context.Context, hold bool) *Error
	SendDTMF(ctx context.Context, tones string) *Error
	Transfer(ctx context.Context, target string) *Error
	SetMuted(muted bool) *Error
	Stats(ctx context.Context) (MediaStats, *Error)
}

// Engine is an engine's registration-level API (ua's UserAgent, rtmpua's
// Phone; each Dial returns its own call type, so the page's facade wraps
// it to return a Call).
type Engine interface {
	Dial(ctx context.Context, target string) (Call, *Error)
	Logout(ctx context.Context)
	Unload()
	Reconnect()
	StartAutoReconnect()
	StopAutoReconnect()
	Wake()
}
