// Package sip is kazoo's SIP stack below the user agent: SIP over
// WebSocket (RFC 7118), the binding of sipgo's client and server
// transactions (RFC 3261 §17) to that connection, and digest
// authentication (RFC 3261 §22, RFC 7616, RFC 8760).
//
// Messages, the parser and the transaction state machines come from
// github.com/emiago/sipgo/sip. sipgo's own transports dial with net.Dial,
// which does not exist in a browser, so this package provides the
// connection itself (on github.com/coder/websocket, which wraps the
// browser's WebSocket when compiled for js/wasm) and routes each incoming
// message to its transaction.
//
// The package never imports syscall/js or pion: it builds and is tested
// natively with go test -race.
//
// # Wasm
//
// In a browser, a failed WebSocket handshake only reports "use of closed
// network connection": the browser hides why. [DialError] then carries
// no reason, and the caller may probe the server itself to explain it.
package sip
