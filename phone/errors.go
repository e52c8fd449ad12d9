package phone

import "fmt"

// Error keys: the stable strings a page switches on (the original
// kazoo.js's keys, plus keys for cases it did not name; README.md and
// wasm/kazoo.d.ts list them).
const (
	// KeyInvalidParameter: a method was called with a missing or malformed
	// parameter; nothing was sent.
	KeyInvalidParameter = "invalid_parameter"
	// KeyServerNotReachable: the WebSocket could not be opened, or the
	// registrar never answered.
	KeyServerNotReachable = "server_not_reachable"
	// KeyUnauthorized: the registrar rejected our credentials (401/407
	// again after we answered a fresh challenge).
	KeyUnauthorized = "unauthorized"
	// KeyForbidden: the registrar answered 403.
	KeyForbidden = "forbidden"
	// KeyDisconnected: the socket dropped after it was up.
	KeyDisconnected = "disconnected"
	// KeyRegistrationFailed: any other final failure of a REGISTER.
	KeyRegistrationFailed = "registration_failed"
	// KeyNotRegistered: the method needs a registration and there is none.
	KeyNotRegistered = "not_registered"
	// KeyInternal: a bug inside kazoo, caught before it could take the
	// runtime down.
	KeyInternal = "internal_error"
	// KeyNoCall: a call method was used with no call in progress.
	KeyNoCall = "no_call"
	// KeyCallState: the call is not in a state that allows the method
	// (e.g. hold while still ringing).
	KeyCallState = "invalid_call_state"
	// KeyMedia: the microphone or the media session failed.
	KeyMedia = "media_error"
	// KeyTransferFailed: a transfer was refused or did not complete.
	KeyTransferFailed = "transfer_failed"
	// KeyHoldFailed: the far end refused the hold or resume re-INVITE.
	KeyHoldFailed = "hold_failed"
	// KeyRTMPUnavailable: RTMP mode was needed (forceRTMP, or no WebRTC)
	// and the browser lacks what it takes (AudioWorklet, getUserMedia).
	KeyRTMPUnavailable = "rtmp_unavailable"
	// KeyRequestFailed: an in-call request (INFO, BYE, …) failed.
	KeyRequestFailed = "request_failed"
	// KeyDeviceNotFound: the audio device asked for is not (or no longer)
	// among the browser's devices.
	KeyDeviceNotFound = "device_not_found"
	// KeyNotSupported: the browser cannot do what was asked (e.g. choose
	// an output device: no setSinkId).
	KeyNotSupported = "not_supported"
	// KeyMessageFailed: an instant message (SIP MESSAGE) was refused
	// (code: e.g. 404, 480 for a user not registered) or got no answer.
	KeyMessageFailed = "message_failed"
)

// Error is what the page receives as {key, message, code?, source?}.
type Error struct {
	Key     string
	Message string
	Code    int    // SIP status code when one caused the error, else 0
	Source  string // the SIP status line or start line that caused it, if any
	Err     error  // the underlying error, for Go callers; never shown to the page
}

func (e *Error) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("%s: %s (%d)", e.Key, e.Message, e.Code)
	}
	return e.Key + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// InvalidParameter makes the error for a bad parameter named name.
func InvalidParameter(name, format string, args ...any) *Error {
	return &Error{Key: KeyInvalidParameter, Message: name + ": " + fmt.Sprintf(format, args...)}
}
