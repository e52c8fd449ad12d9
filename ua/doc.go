// Package ua is kazoo's SIP user agent: what the kazoo JavaScript API
// does, in SIP terms, with no browser in it. This part is
// registration (RFC 3261 §10) with digest authentication, refresh before
// expiry, RFC 5626 instance and reg-id Contact parameters, and
// unregistration; sessions come next.
//
// The user agent reaches the network through a Dialer (by default SIP
// over WebSocket from package sip) and reports through Events. Time
// comes from a Clock, so refresh timing is tested with a fake clock.
// Failures reach the page as *Error values with stable keys (the kazoo.js
// contract: server_not_reachable, unauthorized, forbidden, disconnected,
// invalid_parameter, …).
//
// The package never imports syscall/js or pion; it is tested natively
// with go test -race.
//
//	idle ──Register──▶ connecting ──WS open──▶ registering ──200──▶ registered
//	 ▲                     │ fail                  │ 401/403/…          │ refresh at ½ expiry
//	 └─────────────────────┴───────────────────────┴────────────────────┤
//	 └──────────────── Logout (REGISTER Expires: 0, close) / socket lost ┘
package ua
