package rtmp

import (
	"errors"
	"fmt"
)

// ErrClosed reports a connection closed by its owner.
var ErrClosed = errors.New("rtmp: connection closed")

// ErrMalformed reports input from the peer that breaks the protocol: a
// bad handshake, chunk header, control message or AMF0 value. The
// connection is closed when the peer sends it.
var ErrMalformed = errors.New("rtmp: malformed input")

// ErrTooLarge reports a message longer than [MaxMessageSize], or a peer
// holding too many unfinished messages at once.
var ErrTooLarge = errors.New("rtmp: message too large")

// ErrSlowConsumer reports a connection closed because its owner did not
// drain Commands() or Status() and the queue overflowed.
var ErrSlowConsumer = errors.New("rtmp: command queue overflow (Commands or Status not drained)")

// ErrIdle reports a server connection closed because nothing arrived
// from the client for the server's IdleTimeout.
var ErrIdle = errors.New("rtmp: connection idle")

// ErrServerClosed is returned by [Server.Serve] after [Server.Shutdown].
var ErrServerClosed = errors.New("rtmp: server closed")

// ErrStreamNotActive reports WriteAudio on a stream that is not
// publishing (client side) or playing (server side).
var ErrStreamNotActive = errors.New("rtmp: stream is not active")

var (
	errAMF0Short  = fmt.Errorf("%w: truncated AMF0 value", ErrMalformed)
	errAMF0Depth  = fmt.Errorf("%w: AMF0 nesting deeper than %d", ErrMalformed, maxAMFDepth)
	errAMF0Values = fmt.Errorf("%w: AMF0 message of more than %d values", ErrMalformed, maxAMFValues)
)

// ConnectError reports a connect refused with _error, such as siprtmp's
// NetConnection.Connect.Rejected when the SIP REGISTER failed.
type ConnectError struct {
	Code        string // e.g. "NetConnection.Connect.Rejected"
	Description string // the server's reason
}

func (e *ConnectError) Error() string {
	return "rtmp: connect refused: " + describe(e.Code, e.Description)
}

// CallError reports a command answered with _error.
type CallError struct {
	Name        string // the command called
	Code        string // the info object's code, e.g. "NetConnection.Call.Failed"
	Description string
	Args        []any // every value after the command object, as received
}

func (e *CallError) Error() string {
	d := describe(e.Code, e.Description)
	if d == "" {
		d = "_error without a description"
	}
	return "rtmp: " + e.Name + " failed: " + d
}

// StatusError reports an onStatus with level "error" (or a code other
// than the expected one) in answer to publish or play, such as
// NetStream.Publish.BadName.
type StatusError struct {
	Code        string
	Description string
}

func (e *StatusError) Error() string {
	return "rtmp: " + describe(e.Code, e.Description)
}

func describe(code, desc string) string {
	switch {
	case code == "":
		return desc
	case desc == "":
		return code
	}
	return code + " (" + desc + ")"
}
