package phone

import (
	"context"
	"errors"
	"time"
)

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
	// Originator is who ended the call.
	Originator Originator
}

// Originator says who ended a call (JsSIP's originator).
type Originator int

const (
	// ByLocal: we did: the page hung up, rejected or cancelled, or a
	// transfer handed the call over.
	ByLocal Originator = iota
	// ByRemote: the far end did: its BYE, CANCEL or final failure
	// response (a proxy's or gateway's included).
	ByRemote
	// BySystem: the stack did, with no one asking: the connection was
	// lost, a request timed out, the media could not be negotiated.
	BySystem
)

func (o Originator) String() string {
	return [...]string{"local", "remote", "system"}[o]
}

// Header is one SIP header field as received or to send.
type Header struct {
	Name, Value string
}

// AcceptOptions are Accept's choices.
type AcceptOptions struct {
	// Headers go into the 200 OK (CheckHeaders must allow them).
	Headers []Header
}

// Call is a call of either engine (*ua.Call, *rtmpua.Call): what the
// page's call object does, engine-neutral.
type Call interface {
	ID() string
	Outgoing() bool
	CallerName() string
	CallerNumber() string
	RemoteURI() string
	// RemoteName is the far end's display name ("" when it gave none).
	RemoteName() string
	// LocalURI is our address of record in the call.
	LocalURI() string
	State() CallState
	// StartedAt is when the call began (INVITE sent or received);
	// AnsweredAt when it was answered (zero before, or never).
	StartedAt() time.Time
	AnsweredAt() time.Time
	// ReceivedHeaders are the header fields, in order, of the INVITE of
	// an incoming call or of the 2xx of an outgoing one (nil before it is
	// answered, and on the RTMP path, which sees no SIP).
	ReceivedHeaders() []Header
	Accept(ctx context.Context) *Error
	AcceptWith(ctx context.Context, o AcceptOptions) *Error
	Reject(code int) *Error
	Hangup(ctx context.Context) *Error
	Hold(ctx context.Context, hold bool) *Error
	SendDTMF(ctx context.Context, tones string) *Error
	Transfer(ctx context.Context, target string) *Error
	SetMuted(muted bool) *Error
	// Muted reports whether the page muted the call's microphone.
	Muted() bool
	Stats(ctx context.Context) (MediaStats, *Error)
	// SetMicrophone moves the call's capture to another device ("": the
	// default), without renegotiation; SetSpeaker moves its playback.
	SetMicrophone(ctx context.Context, deviceID string) *Error
	SetSpeaker(ctx context.Context, deviceID string) *Error
	// Levels reads the microphone's and the far end's current levels.
	Levels(ctx context.Context) (Levels, *Error)
}

// Levels are a call's audio levels now, 0..1 on a meter's scale: Input
// is the microphone (heard also while muted), Output the far end as
// played. NaN means not measured (e.g. the browser's audio is suspended
// until the page gets a user gesture).
type Levels struct {
	Input, Output float64
}

// AudioIO is what a call's media does with devices and levels; both
// engines' media implement it (ua's Media, rtmpua's Audio). A device ID
// that is not there is ErrDeviceNotFound (wrapped), an output device the
// browser cannot choose ErrNotSupported.
type AudioIO interface {
	SetMicrophone(ctx context.Context, deviceID string) error
	SetSpeaker(ctx context.Context, deviceID string) error
	Levels(ctx context.Context) (Levels, error)
}

// Engine is an engine's registration-level API (ua's UserAgent, rtmpua's
// Phone; each Dial returns its own call type, so the page's facade wraps
// it to return a Call).
type Engine interface {
	// Dial calls target; headers go into the INVITE (CheckHeaders).
	Dial(ctx context.Context, target string, headers []Header) (Call, *Error)
	Logout(ctx context.Context)
	Unload()
	Reconnect()
	StartAutoReconnect()
	StopAutoReconnect()
	Wake()
	// SendMessage sends an instant message (SIP MESSAGE, RFC 3428) to
	// target and resolves with its delivery result (message.go); an
	// engine that cannot answers not_supported.
	SendMessage(ctx context.Context, target, body, contentType string, extraHeaders []Header) (*MessageResult, *Error)
}

// The device errors of AudioIO (test with errors.Is).
var (
	ErrDeviceNotFound = errors.New("audio device not found")
	ErrNotSupported   = errors.New("not supported by this browser")
)

// DeviceError maps an AudioIO failure to the page's error (nil for nil):
// device_not_found, not_supported, else media_error.
func DeviceError(err error) *Error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrDeviceNotFound):
		return &Error{Key: KeyDeviceNotFound, Message: err.Error(), Err: err}
	case errors.Is(err, ErrNotSupported):
		return &Error{Key: KeyNotSupported, Message: err.Error(), Err: err}
	}
	return &Error{Key: KeyMedia, Message: err.Error(), Err: err}
}
