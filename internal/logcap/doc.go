// Package logcap bounds what a log/slog logger can be made to write by
// someone else's input: sipgo, for one, logs every unparsable UDP
// datagram at ERROR with the whole datagram, so 200 datagrams of 60 KB
// would add 6 MB of log.
//
// A capped handler, wrapping any slog.Handler:
//   - truncates the message and every string, error and Stringer
//     attribute value to MaxLen bytes (at a UTF-8 boundary), noting how
//     long the value was;
//   - replaces the value of Authorization and Proxy-Authorization header
//     lines in those values with "[redacted]", so a logged SIP message
//     carries no credentials;
//   - rate-limits each message text with a token bucket (Burst records,
//     then one per Every); the number of records dropped for a message is
//     added as a "dropped" attribute to the next record of that message
//     that gets through.
//
// Derived handlers (WithAttrs, WithGroup) share their parent's buckets.
// Message texts are the bucket keys, and at most maxKeys of them are
// tracked; further texts share one bucket.
package logcap
