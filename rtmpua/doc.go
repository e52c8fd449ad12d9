// Package rtmpua is kazoo's user agent for browsers without WebRTC (or
// with forceRTMP): the SIP signalling and the RTP media are done by a
// SIP-RTMP gateway, reached through kazoo-relay over one WebSocket
// (package relaywire has the wire format, shared with the relay, and
// package relay what it means). This package speaks that protocol,
// maps the kazoo.js API onto the gateway's RPCs and callbacks (invite,
// accept, reject, bye, sendDTMF, hold, transfer; ringing, accepted,
// rejected, invited, cancelled, byed, notified, unauthorized), and moves
// 20 ms G.711 frames between the relay and an Audio (the browser's
// AudioWorklet pipe, supplied by the platform).
//
// It speaks package phone's vocabulary, as package ua does (Error and its
// keys, CallState, End, Notification, the DTMF modes, MediaStats; *Call
// is a phone.Call), so the page sees the same callbacks in both modes; it
// does not import ua. It never imports syscall/js or pion and is tested
// natively against a fake relay.
//
// After a lost relay socket it reconnects as ua does, with the same loop
// (package reconnect, on Config.Clock).
//
// One call at a time: a siprtmp gateway has a single line per
// connection, and answers a second incoming call with 486 itself.
//
// A plain siprtmp (rtclite's siprtmp.py) answers every RPC with a bare
// _result, even one it does not have, and an RPC with a wrong number of
// arguments with a bare _error. So: transfer, which it does not have, is
// acknowledged and never reported; no outcome within
// Config.TransferConfirmTimeout is transfer_failed (kazoo-rtmpgw
// acknowledges with the REFER's status, and then has
// Config.TransferTimeout). sendDTMF(digit, "info") is refused, and the
// digits go as sendDTMF(digit) from then on. Neither reject nor bye on a
// ringing outgoing call gets a callback: the relay reports the latter,
// and the call ends after Config.HangupTimeout in any case. The tests
// run against a fake gateway that answers so (package
// internal/fakesiprtmp).
package rtmpua
