package media

import (
	"errors"
	"time"
)

// ICEServer is a STUN or TURN server given to the browser.
type ICEServer struct {
	URLs                 []string
	Username, Credential string
}

// Config configures the sessions a factory makes.
type Config struct {
	// ICEServers are passed to the RTCPeerConnection as they are (TURN
	// included). None is fine on a LAN or with a media relay that does
	// ICE-lite.
	ICEServers []ICEServer
	// GatherTimeout bounds how long Offer and Answer wait for ICE
	// gathering; the SDP then carries the candidates gathered so far.
	// Zero or negative means DefaultGatherTimeout.
	GatherTimeout time.Duration
	// Warmup is what a Warmer prepares ahead of the next call; the zero
	// value means WarmupNone. NewFactory ignores it.
	Warmup Warmup
	// MicrophoneID and SpeakerID, when set, say which devices a new call
	// uses (their browser deviceId; "" is the default). They are asked
	// each time a microphone is opened or a call starts to play, so a
	// choice made between calls applies to the next one.
	MicrophoneID, SpeakerID func() string
}

// Warmup says how much of a call's media a Warmer prepares while the
// phone is registered, so that a call starts without waiting for the
// browser.
type Warmup string

const (
	// WarmupNone prepares nothing: each call opens the microphone and
	// creates its peer connection when it starts.
	WarmupNone Warmup = "none"
	// WarmupConnection keeps a peer connection ready with its ICE
	// candidates gathered ahead (RTCConfiguration.iceCandidatePoolSize),
	// but opens the microphone only when a call starts: no recording
	// indicator while idle.
	WarmupConnection Warmup = "connection"
	// WarmupFull also keeps the microphone open while registered (the
	// browser shows its recording indicator; nothing is sent until a
	// call), so a call needs no getUserMedia either.
	WarmupFull Warmup = "full"
)

// DefaultGatherTimeout is the longest gathering wait when Config gives
// none. Offer and Answer usually return well before it: as soon as the
// candidates that matter are in (see candidatesReady).
const DefaultGatherTimeout = 400 * time.Millisecond

func (c Config) gatherTimeout() time.Duration {
	if c.GatherTimeout <= 0 {
		return DefaultGatherTimeout
	}
	return c.GatherTimeout
}

// Errors of the factory (wrapped: test them with errors.Is) and of a
// session.
var (
	// ErrPermissionDenied: the user or the browser refused the microphone.
	ErrPermissionDenied = errors.New("microphone permission refused")
	// ErrNoMicrophone: the browser found no audio input device.
	ErrNoMicrophone = errors.New("no microphone found")
	// ErrMicrophoneUnavailable: the microphone could not be opened (in
	// use, blocked by the system, or no getUserMedia on an insecure page).
	ErrMicrophoneUnavailable = errors.New("microphone unavailable")
	// ErrClosed: the session was closed.
	ErrClosed = errors.New("media session closed")
	// ErrUnsupported: not running in a browser.
	ErrUnsupported = errors.New("media needs a browser (GOOS=js GOARCH=wasm)")
)

// microphoneError turns a getUserMedia failure's DOMException name into
// one of the errors above, keeping the browser's words.
func microphoneError(name, message string) error {
	detail := name
	if message != "" {
		detail += ": " + message
	}
	switch name {
	case "NotAllowedError", "SecurityError", "PermissionDeniedError":
		return &wrapped{ErrPermissionDenied, detail}
	case "NotFoundError", "OverconstrainedError", "DevicesNotFoundError":
		return &wrapped{ErrNoMicrophone, detail}
	case "NotReadableError", "TrackStartError", "AbortError":
		return &wrapped{ErrMicrophoneUnavailable, "in use or blocked by the system (" + detail + ")"}
	}
	return &wrapped{ErrMicrophoneUnavailable, detail}
}

type wrapped struct {
	kind   error
	detail string
}

func (w *wrapped) Error() string { return w.kind.Error() + ": " + w.detail }
func (w *wrapped) Unwrap() error { return w.kind }
