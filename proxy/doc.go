// Package proxy is kazoo-dev's embedded SIP server: a registrar and a
// stateful, forking, record-routing proxy (RFC 3261 §16) for one domain,
// on sipgo's transaction and transport layers, over SIP WebSocket
// (RFC 7118, on the page's own HTTP address) and UDP. It does for a
// developer's machine what Kamailio does in the tests, with nothing to
// install.
//
// # Requests
//
//   - REGISTER: digest (401, package registrar), then bindings; the 200
//     lists them with GRUUs (RFC 5627). OnRegister hears of new devices.
//     WebSocket clients are challenged with SHA-256 then MD5 (RFC 8760
//     order), UDP clients with MD5 (Config.UDPDigest): desk phones take
//     the first challenge whatever it is.
//   - A request with a To tag is in a dialog: our own Route entries are
//     removed and it goes to the next hop (below). Kamailio's "404 Not
//     here" answers one that names neither us nor a reachable target.
//   - Anything else: From must be in our domain (403 Forbidden domain);
//     digest with 407 (the From user must be the digest user, else 403
//     Forbidden auth ID); the Request-URI must be ours (403 Not
//     relaying); OPTIONS to the server itself is answered 200 Keepalive.
//     Then: a SUBSCRIBE goes to the presence server (below); a local
//     extension (echo, tone, voicemail, a callflow) answers it; or it is
//     forked to every binding of the AOR (or the one instance a GRUU
//     names); no binding gives 480 for an account and 404 otherwise.
//   - A CANCEL matching nothing gets 481; Max-Forwards 0 gets 483; an
//     ACK for a 2xx is forwarded statelessly.
//
// # Forking
//
// Every branch gets our Via and, for INVITE and REFER, two
// Record-Route entries, one facing each side, whose user part is a flow
// token naming that side's connection (ws-127.0.0.1-52344). An in-dialog
// request's next hop is a Route we do not own, else the instance a GRUU
// Request-URI names wherever it is connected now, else the flow in the
// last Record-Route entry of ours it carried, else the Request-URI
// itself over UDP. So a browser, whose Contact cannot be dialled, is
// reached over its WebSocket, and a call survives either end
// reconnecting (it re-registers and sends a target refresh with its
// GRUU).
//
// Provisional responses are passed on as they come, every 2xx at once
// (the other branches are then cancelled), and when no branch answered,
// the best final response (RFC 3261 §16.7: 6xx, then 486, 487, 3xx,
// other 4xx, 480, 408, 5xx). An INVITE rings at most RingTimeout (60 s,
// then 408); a CANCEL from the caller cancels every branch (sipgo answers
// the CANCEL 200 and the INVITE 487).
//
// # Media
//
// When a call joins a WebSocket client and a UDP one (a browser and a
// desk phone or the SIP-RTMP gateway), each branch's SDP goes through an
// Anchor bridge (kazoo-dev's, on native pion): the browser gets ICE and
// DTLS-SRTP, the phone plain RTP, as rtpengine does next to Kamailio.
// Re-offers in the dialog go through the same bridge; its BYE ends it.
// Early media on such a branch is not anchored (the 18x loses its SDP).
//
// # Extensions
//
// Numbers in Config.Extensions (or starting with a prefix in
// ExtensionPrefixes) are answered by the server as UAS (local.go): 100
// Trying, then Extension.Answer, which may take its time (a callflow
// asking its web app): LocalCall.Ringing sends 180, the caller's CANCEL
// closes LocalCall.Done. Answer returns the SDP answer and a Session
// (200, a Contact sip:ext-N@<us>), or an error: a *Refusal is sent as
// its code (4xx–6xx; others 500), ErrNotAcceptable as 488, anything
// else as 500. In the call, re-INVITEs are answered by Session.Update;
// SIP INFO digits (application/dtmf-relay "Signal=5", application/dtmf
// "5") are answered 200 and passed to Session.DTMF when the session has
// it (a body that is neither gets 415, a DTMF body with no valid digit
// 400, an empty INFO 200); the caller's BYE ends the call, and
// LocalCall.Hangup ends it from our side (a BYE with an RFC 3326 Reason
// "SIP;cause=N" when N is not 0). LocalCall carries the caller's From
// URI and display name and the To URI. Notify sends unsolicited NOTIFYs
// (message-summary) to a user's devices.
//
// # Outbound calls
//
// Dial (dial.go) places a call for a callflow's bridge: to a user, every
// registered device rings over its own flow (browsers and UDP phones
// alike; Outbound.UDPOffer, when given, goes to the UDP ones); to a URI
// of another host, one INVITE over UDP. From is "FromName"
// <sip:FromUser@domain>. It returns once a device answers (ACK sent, the
// others CANCELled), or fails: ErrNotRegistered, a *Refusal with the
// best final response (486 busy, 603 declined…), ErrNoAnswer after
// Outbound.Timeout, or the context's error (CANCEL sent). A 2xx that
// crosses a CANCEL is ACKed and hung up. In the call, the callee's
// re-offers go to Outbound.OnUpdate (488 without it), its INFO digits to
// OnDTMF, its BYE closes OutboundCall.Done; OutboundCall.Hangup sends
// ours.
//
// The dialogs the server is a user agent of (extension calls, outbound
// calls, subscriptions; leg.go) are found by our Contact, sip:ext-N@<us>,
// and their Call-ID; a request for one that ended gets 481.
//
// # Presence
//
// The server is the notifier of every SUBSCRIBE outside a dialog to our
// domain (subscribe.go, RFC 6665): events presence and dialog only (489
// Bad Event otherwise), for any id of the domain: a user, an extension,
// or a name a callflow's manual_presence sets (idle until set). It answers 200 with the granted Expires (asked,
// default 3600, at most 86400; 0 is a fetch), NOTIFYs the current state
// at once, again on every change and refresh, and a final NOTIFY
// (terminated;reason=timeout) on unsubscribe (Expires 0) or expiry; a
// NOTIFY that fails drops the subscription. SetPresence(id, idle |
// ringing | busy) sets an id's state (idle until set; Kazoo's
// manual_presence): the dialog event carries an RFC 4235 dialog-info
// document (full, its version counting the NOTIFYs of the subscription)
// with one dialog, confirmed, early or terminated; the presence event a
// PIDF document, open, with the state as a note and RPID on-the-phone
// when busy. Package presence reads them back as busy, ringing, idle
// (dialog) and busy, idle, idle (PIDF has no ringing; the note says it).
// An unsubscribe is logged ("unsubscribe <watcher> from <id> event
// dialog", Kamailio's wording).
//
// Calls set the state of their users as Kamailio's pua_dialoginfo does
// (callstate.go): a proxied INVITE makes the caller and the callee
// ringing (dialog-info early, direction initiator and recipient), its
// 2xx both busy (confirmed), and its end idle: the BYE of that dialog,
// the CANCEL or the final failure, or a WebSocket of one of them that
// closed and did not come back with a request in the dialog within 30 s.
// A call to an extension does the same for the caller and the number
// (busy once answered, while the caller talks to *43 or a callflow), a
// Dial for the callee (its From is only a caller ID). Each user counts
// its calls: busy while any is answered, else ringing while any rings,
// idle after the last. SetPresence and calls write the same state: the
// last write wins (a manual busy shows until a call of that id changes,
// and a call's state until SetPresence is called again). Only changes
// of what shows are NOTIFYed; per request this costs a map look-up for
// BYEs, and for in-dialog requests only while a connection is missing.
//
// # Limits
//
// One domain; no TLS (WSS belongs behind a reverse proxy); no DNS:
// only IP addresses are dialled, so nothing leaves the machine unless a
// client registered from elsewhere. Panics in handlers answer 500 and
// the server goes on.
package proxy
