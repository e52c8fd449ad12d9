package mediaserver

import "errors"

// Errors returned by the package, wrapped with details. A SIP proxy
// answers an offer that fails with one of the first three with 488 Not
// Acceptable Here.
var (
	// ErrBadSDP: the body is not SDP the package can read (syntax, size,
	// a hostname or missing connection address on a plain leg), or it is
	// of the wrong kind for its side (plain RTP where WebRTC is expected
	// or the other way round, SDES-SRTP).
	ErrBadSDP = errors.New("mediaserver: bad SDP")
	// ErrNoAudio: the SDP has no audio stream with a non-zero port.
	ErrNoAudio = errors.New("mediaserver: no audio stream")
	// ErrNoCodec: no codec in common (PCMU or PCMA, and for a bridge in
	// an established call the codec it uses).
	ErrNoCodec = errors.New("mediaserver: no common codec")
	// ErrState: an Offer, Answer or Cancel out of turn, e.g. an answer
	// with no offer pending, a second offer before the first was answered
	// (glare), or an answer from the side that made the offer.
	ErrState = errors.New("mediaserver: offer/answer out of order")
	// ErrClosed: the server, session or bridge was closed.
	ErrClosed = errors.New("mediaserver: closed")
	// ErrBadTone: the ToneSpec is out of range.
	ErrBadTone = errors.New("mediaserver: bad tone")
)
