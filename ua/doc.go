// Package ua is kazoo's SIP user agent: what the kazoo JavaScript API
// does in WebRTC mode, in SIP terms, with no browser in it. One
// UserAgent holds at most one registration (RFC 3261 §10) and its calls
// (RFC 3261 §13–15). The package never imports syscall/js or pion; it is
// tested natively with go test -race.
//
// # Files
//
//   - useragent.go: UserAgent, Config (how it is wired to the platform)
//     and Events (the callbacks of a registration and its calls);
//     options.go: Options, the register() parameters, validated before
//     anything is sent.
//   - registration.go: REGISTER with digest authentication, RFC 5626
//     +sip.instance and reg-id, a public GRUU when the registrar gives one
//     (RFC 5627), refresh at half the granted lifetime, unregistration.
//   - link.go: one connection of a registration and its CRLF keepalive
//     (RFC 5626 §4.4.1); reconnect.go: what an attempt of the reconnect
//     loop (package reconnect) does after a lost connection, Reconnect,
//     Wake and sleep detection.
//   - incoming.go routes incoming requests; call.go (Call, its states and
//     registry), call_out.go (Dial, INVITE, CANCEL), call_in.go (incoming
//     INVITE, Accept, Reject), call_ops.go (Hangup, Hold, DTMF, mute,
//     Stats), call_indialog.go (re-INVITE, INFO), call_recover.go (ICE
//     restart and target refresh after a network change).
//   - dialog.go: dialog state (RFC 3261 §12): route set, CSeq, target.
//   - handover.go: an established call handed to another UserAgent of the
//     same account (tabs sharing one registration): Call.Handover
//     snapshots the dialog, UserAgent.Resume adopts it and refreshes the
//     target with a re-INVITE from the new connection.
//   - transfer.go: blind transfer both ways (REFER, RFC 3515).
//   - message.go: instant messages (SIP MESSAGE, RFC 3428): SendMessage,
//     and incoming ones (text/* only) reported as Events.Message.
//   - notify.go: out-of-dialog NOTIFY (voicemail, RFC 3842; registration
//     replaced), read by phone.ClassifyNotify.
//   - subscribe.go: Subscribe and Unsubscribe, the watcher side of RFC
//     6665 for the dialog (RFC 4235, busy lamp field) and presence
//     events: one SUBSCRIBE dialog per URI and event, digest answered as
//     for INVITE, refreshed at 85 % of the granted lifetime on
//     Config.Clock, renewed in a new dialog after a reconnect, a failed
//     refresh or a termination (after its retry-after), ended with
//     Expires: 0 by Unsubscribe and Logout; subscribe_exchange.go: one
//     SUBSCRIBE and its answers (401/407, 423); subscribe_notify.go:
//     their NOTIFYs, answered 200 and read by package presence into
//     Events.Presence.
//   - media.go: the Media interface a call drives by offer/answer (RFC
//     3264), implemented by package media on WebRTC.
//
// The vocabulary the page sees in both modes is package phone's, shared
// with rtmpua: phone.Error and its stable keys (those of the original
// kazoo.js), phone.CallState, phone.End, phone.Notification, the DTMF
// modes and phone.MediaStats. *Call is a phone.Call.
//
// # Network and transactions
//
// The user agent reaches the network through a Dialer (by default SIP
// over WebSocket, RFC 7118, from package sip). Each connection gets a
// sip.Endpoint that runs sipgo's client and server transactions (RFC 3261
// §17) on it: retransmissions and transaction timeouts are sipgo's. An
// answered INVITE's 2xx is resent by the call itself until its ACK
// arrives (§13.3.1.4).
//
// # Clock
//
// Registration and subscription refresh, keepalive, reconnect attempts,
// sleep detection and the ICE grace period take their time from Config.Clock (a
// clock.Clock), so tests drive them with clock.Fake instead of waiting. The timers of a single
// SIP exchange (2xx retransmission, CANCEL and transfer timeouts, the
// 491 back-off) use the system clock.
//
// # Dialogs and transfers
//
// A call keeps its dialog from the 2xx (or a 1xx with a tag); requests
// with our tag in To go to their call, unknown ones get 481. A REFER from
// the far end is followed, refused or left to the page
// (Events.TransferRequest, within TransferRequestTimeout) as
// Options.TransferRequests says; its progress goes back in NOTIFYs.
//
// # Notifications
//
// An out-of-dialog NOTIFY is always answered 200 and reported as a
// phone.Notification, the body deciding (Kazoo sends its registration
// notices as message-summary events): voicemail counts, our registration
// overriding another, ours replaced by another (which stops refreshing
// and reconnecting), or unknown. Each reconnect attempt is a
// notification too.
//
//	idle ──Register──▶ connecting ──WS open──▶ registering ──200──▶ registered
//	 ▲                     │ fail                  │ 401/403/…          │ refresh at ½ expiry
//	 └─────────────────────┴───────────────────────┴────────────────────┤
//	 └──────────────── Logout (REGISTER Expires: 0, close) / socket lost ┘
//	                    (socket lost: the reconnect loop, calls go on)
package ua
