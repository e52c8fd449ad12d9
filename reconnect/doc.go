// Package reconnect is the reconnect loop both user agents run after a
// lost connection (package ua on its SIP WebSocket, package rtmpua on
// its relay WebSocket): after Start, an attempt every delay until one
// succeeds, the attempts run out or Stop; Now makes an attempt at once
// (Reconnect, a network that came back, a page that woke up). What one
// attempt does and what the page is told is the engine's (Config.Attempt,
// Config.GaveUp).
//
// The delay is constant by default (every ReconnectDelay, as the
// original kazoo.js), or doubles from Delay up to MaxDelay when MaxDelay
// is larger. There is no jitter. Every timer comes from a clock.Clock, so
// the loop is tested with a fake clock instead of waiting.
package reconnect
