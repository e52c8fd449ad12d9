// Package phone is the vocabulary kazoo's two engines share: what the
// page sees the same way whether a registration runs in WebRTC mode
// (package ua, SIP in the browser) or in RTMP mode (package rtmpua, SIP
// in a gateway reached through kazoo-relay).
//
//   - errors.go: Error, what the page receives as {key, message, code?,
//     source?}, and its stable keys (those of the original kazoo.js, plus
//     keys for cases it did not name); InvalidParameter.
//   - call.go: CallState, End (how a call ended), and the engine-neutral
//     interfaces Call and Engine the page's facade drives.
//   - notify.go: Notification and its keys, and ClassifyNotify, which
//     reads a NOTIFY's event, content type and body (registration
//     overridden or replaced, RFC 3842 voicemail, unknown).
//   - message.go: Message (an instant message received, SIP MESSAGE),
//     MessageResult (the delivery result of one sent) and MaxMessageBody.
//   - dtmf.go: the DTMF transports (RFC 4733 or SIP INFO) and CheckDTMF.
//   - stats.go: MediaStats, a call's audio summary for getStats().
//   - reconnect.go: the reconnect defaults both engines apply.
//   - presence.go: Presence, a watched URI's state (BLF and presence
//     subscriptions), its states and events.
//
// It imports nothing of this module (internal/layering checks it), so
// both engines and the facade can depend on it without depending on each
// other.
package phone
