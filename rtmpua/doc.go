// Package rtmpua is kazoo's user agent for browsers without WebRTC (or
// with forceRTMP): the SIP signalling and the RTP media are done by a
// SIP-RTMP gateway, reached through kazoo-relay over one WebSocket
// (package relay has the protocol). This package speaks that protocol,
// maps the kazoo.js API onto the gateway's RPCs and callbacks (invite,
// accept, reject, bye, sendDTMF, hold, transfer; ringing, accepted,
// rejected, invited, cancelled, byed, notified, unauthorized), and moves
// 20 ms G.711 frames between the relay and an Audio (the browser's
// AudioWorklet pipe, supplied by the platform).
//
// It reuses ua's types (Options' kazoo.js fields, Error keys, CallState,
// End, Notification) so the page sees the same callbacks in both modes.
// It never imports syscall/js or pion and is tested natively against a
// fake relay.
//
// One call at a time: a siprtmp gateway has a single line per
// connection, and answers a second incoming call with 486 itself.
package rtmpua
