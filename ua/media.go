package ua

import (
	"context"

	"github.com/kazoo-softphone/kazoo/phone"
)

// Direction is an SDP media direction (RFC 3264 §5.1), used for hold.
type Direction string

// The four directions.
const (
	SendRecv Direction = "sendrecv"
	SendOnly Direction = "sendonly"
	RecvOnly Direction = "recvonly"
	Inactive Direction = "inactive"
)

// Media is the media side of one call: an offer/answer engine (RFC 3264)
// around the platform's audio. The user agent declares it and drives it
// from SIP; package media implements it on the browser's WebRTC, tests
// use fakes. Methods may block (they wait on the browser); they are never
// called concurrently for one call.
type Media interface {
	// Offer makes a local offer and returns its SDP. It returns when ICE
	// gathering completes or after the gathering timeout, whichever is
	// first, so that call setup never waits for slow candidates.
	// iceRestart asks for new ICE credentials (RFC 8839 §4.4.1.1.1).
	Offer(ctx context.Context, iceRestart bool) (string, error)
	// Answer applies a remote offer and returns the local answer's SDP.
	Answer(ctx context.Context, offer string) (string, error)
	// Accept applies the remote answer to our last offer. provisional is
	// true for an answer in a 18x (early media); a final answer may
	// follow, equal or not.
	Accept(ctx context.Context, answer string, provisional bool) error
	// Rollback drops our last offer when the far end refused it (a failed
	// re-INVITE), returning to the last agreed session.
	Rollback(ctx context.Context) error
	// SetDirection sets the direction offered and answered from now on
	// (SendOnly or Inactive to hold, SendRecv to resume).
	SetDirection(d Direction) error
	// SendDTMF plays tones (0-9, *, #) in the RTP stream (RFC 4733).
	SendDTMF(tones string) error
	// SetMuted stops or resumes sending the microphone, without
	// renegotiation.
	SetMuted(muted bool) error
	// Stats summarises the call's audio so far (zeros for what is not
	// measured yet).
	Stats(ctx context.Context) (phone.MediaStats, error)
	// Close stops the microphone and the remote audio, and frees the
	// session. It is safe to call more than once.
	Close()
}

// MediaEvents are what a Media tells the user agent.
type MediaEvents struct {
	// ICEState reports ICE connection states ("checking", "connected",
	// "disconnected", "failed", …).
	ICEState func(state string)
}

// MediaFactory starts the media of a new call: it opens the microphone
// and prepares a session. A failure (no microphone, permission refused)
// is reported to the page with key media_error.
type MediaFactory func(ctx context.Context, ev MediaEvents) (Media, error)
