package sip

import (
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
)

// ErrClosed reports a connection closed by its owner.
var ErrClosed = errors.New("sip: connection closed")

// ErrConnectionLost reports a request abandoned because the connection
// ended before its final response.
var ErrConnectionLost = errors.New("sip: connection lost before the final response")

// DialError reports a WebSocket that could not be opened.
type DialError struct {
	URL    string
	Reason string // why, in words; empty when the platform does not say
	Err    error
}

func (e *DialError) Error() string {
	msg := "sip: cannot open WebSocket " + e.URL
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

func (e *DialError) Unwrap() error { return e.Err }

var discardLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

const tokenAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// RandomToken returns n random characters from [a-z0-9], for tags,
// Call-IDs and .invalid host names.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("sip: no randomness: " + err.Error())
	}
	for i := range b {
		b[i] = tokenAlphabet[int(b[i])%len(tokenAlphabet)]
	}
	return string(b)
}
