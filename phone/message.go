package phone

// MaxMessageBody bounds the body of an instant message (SIP MESSAGE, RFC
// 3428), sent or received: 64 KiB. RFC 3428 §8 wants messages small and
// leaves larger ones to a session; over a WebSocket (a reliable
// transport) a few kilobytes of text pass, and a bound keeps a peer from
// making the page hold megabytes. A larger incoming body is refused with
// 413 Request Entity Too Large.
const MaxMessageBody = 64 << 10

// Message is an instant message received (SIP MESSAGE, RFC 3428): what
// the page's onMessage gets.
type Message struct {
	// From is the sender's address (From URI, e.g. sip:1002@example.com),
	// FromName its display name ("" when it gave none).
	From, FromName string
	// To is the address it was sent to (To URI).
	To string
	// Body is the message's text; ContentType its Content-Type
	// (text/plain when the sender gave none).
	Body, ContentType string
}

// MessageResult is the delivery result of a message we sent: the final
// response's status (2xx; other finals are a message_failed Error).
type MessageResult struct {
	Code   int
	Reason string
}
