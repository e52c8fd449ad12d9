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
//     Then: a local extension (echo, tone, voicemail) answers it, or it
//     is forked to every binding of the AOR (or the one instance a GRUU
//     names); no binding gives 480 for an account and 404 otherwise.
//   - A CANCEL matching nothing gets 481; Max-Forwards 0 gets 483; an
//     ACK for a 2xx is forwarded statelessly.
//
// # Forking
//
// Every branch gets our Via and, for INVITE, SUBSCRIBE and REFER, two
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
// ExtensionPrefixes) are answered by the server as UAS: 200 with the
// extension's SDP, a Contact sip:ext-N@<us>, re-INVITEs answered by its
// Session, BYE ends it. Notify sends unsolicited NOTIFYs (message-summary)
// to a user's devices.
//
// # Limits
//
// One domain; no TLS (WSS belongs behind a reverse proxy); no DNS:
// only IP addresses are dialled, so nothing leaves the machine unless a
// client registered from elsewhere. Panics in handlers answer 500 and
// the server goes on.
package proxy
