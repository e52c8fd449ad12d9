// Package rtmpgw is kazoo's own SIP–RTMP gateway, compatible with the
// siprtmp protocol that kazoo.js's Flash fallback spoke and that
// kazoo-relay (package relay) speaks on behalf of browsers without
// WebRTC. Each RTMP connection is one SIP identity; the SIP side is
// native, on github.com/emiago/sipgo, over one shared UDP socket; audio
// is G.711 passed through untouched between RTMP and RTP.
//
// # Connection
//
// connect to rtmp://gw/sip/<user@domain> with the arguments authname,
// password, display name and rate (ignored: G.711 only). With a password
// the gateway REGISTERs the AOR at the proxy (digest MD5, SHA-256 or
// SHA-512-256, on 401 or 407) with its own Contact
// sip:gw-<random>@<sip ip>:<port>, and answers connect only once the
// REGISTER succeeded; it refreshes at half the granted lifetime. On
// failure it sends unauthorized("<code> <reason>") for 401, 403 and 407
// (kazoo.js's extension), then rejects connect with description
// "<code> <reason>". Without a password there is no REGISTER: outbound
// calls only. A new connection for the same AOR closes the older one
// once its own REGISTER went through (then awaits the older one's
// un-REGISTER and renews its binding); a connection without a password
// only replaces another without one. When a connection ends, its call is
// hung up (BYE, CANCEL or 480) and its binding removed (Expires: 0).
//
// # RPCs
//
// Answered with _result, or _error with a description:
//
//	invite(dest, ...codecs)  INVITE through the proxy; dest is a SIP URI, "Name" <sip:…>, or a user
//	                         taken in the AOR's domain. codecs: "pcmu" (PT 0), "pcma" (PT 8),
//	                         "dtmf" (telephone-event/8000, PT 101), in order of preference; an empty
//	                         list means all three. _error when a call exists already.
//	accept(...codecs)        200 with an SDP answer: the first of codecs the offer has
//	reject(reason)           a reason starting with a code ("486 Busy Here") is sent as that status,
//	                         anything else as 603 (default "603 Decline")
//	bye()                    BYE; CANCEL for a pending invite (then rejected('487 Request Terminated'));
//	                         603 for a ringing incoming call; nothing without a call
//	sendDTMF(digit, mode)    one of 0-9 * # A-D. mode "rfc2833" or absent: RFC 4733 events, 5
//	                         packets 20 ms apart and 3 end packets, one timestamp; "info", or
//	                         absent when the peer has no telephone-event: SIP INFO
//	                         application/dtmf-relay (Signal=, Duration=160), answered when the
//	                         INFO is (extension)
//	hold(bool)               re-INVITE with a=sendonly (true) or a=sendrecv (false); answered when
//	                         the re-INVITE is
//	transfer(dest)           REFER in the call (extension); answered when the REFER is, _result
//	                         with the REFER's status ('202 Accepted')
//
// Unknown RPCs are answered with _result and nothing after the command
// object, as siprtmp does (it logs "invalid command"). A client tells a
// gateway that transfers from one that does not by transfer's _result:
// only kazoo-rtmpgw's carries a value.
//
// # Callbacks
//
// Commands with transaction id 0, a null command object, then:
//
//	ringing(reason)            each 18x, e.g. '180 Ringing'
//	accepted(codec, null)      the call is up, either direction; codec 'pcmu' or 'pcma'
//	rejected(reason)           an outgoing call failed: '486 Busy Here', '487 Request Terminated'…
//	invited(from, to)          an incoming call; "Bob" <sip:1002@lab.test> style addresses
//	cancelled(from, to)        the caller gave up (CANCEL) or nobody answered within 120 s
//	byed()                     remote hang-up, a failed accept, or the end of a transferred call
//	holded(bool)               the peer put us on hold (sendonly, inactive, c=0.0.0.0) or resumed
//	dtmf(tone)                 extension: a tone the peer sent, '0'-'9' '*' '#' 'A'-'D', once per
//	                           RFC 4733 event (at its end) or per INFO (dtmf-relay or dtmf)
//	notified(event, body)      a NOTIFY other than our REFER's: message-summary, Kazoo's
//	                           Overwrote:/Replaced-By: notices, check-sync… (answered 200)
//	unauthorized(reason)       REGISTER refused: '401 Unauthorized', '403 Forbidden'…
//	transferred(status)        extension: the REFER's final NOTIFY sipfrag was 2xx, e.g. '200 OK';
//	                           the gateway then sends BYE and byed() follows
//	transferFailed(status)     extension: the REFER was refused, or its final sipfrag was ≥ 300,
//	                           e.g. '486 Busy Here'; the call goes on
//
// A second INVITE during a call is answered 486. Incoming INVITEs
// without SDP (late offer) or without PCMU/PCMA are answered 488.
//
// # Media
//
// Audio of the stream published as "local" (tag 0x82 PCMU or 0x72 PCMA
// then 160 bytes, 20 ms) becomes one RTP packet each: payload type from
// the tag, sequence +1, timestamp +160 whatever the RTMP timestamp, a
// random SSRC, sent to the peer's SDP address (nothing while the peer
// holds with sendonly/inactive). RTP from the peer with PT 0 or 8 goes
// to the playing stream with tag 0x82/0x72; its RTMP timestamp is the
// connection time of the SSRC's first packet plus the RTP time since,
// so 20 ms per 160 samples. Nothing is sent before play. Incoming
// telephone-event becomes dtmf(tone); other payload types are dropped.
// RTP is accepted from one source only: the address in the peer's SDP,
// or, for a peer behind a NAT, the source of its first packets
// (symmetric RTP: a run of 3 with one SSRC and consecutive sequence
// numbers, while nothing is latched; the SDP address replaces a learnt
// one), which then also receives our audio. Packets from any other
// source, audio or events, are dropped; a re-INVITE to a new address
// starts over.
// An INFO in the call with a DTMF body is answered 200, an empty one
// (keepalive) too, other bodies 415.
//
// # Robustness
//
// Malformed RTMP ends that connection (package rtmp), and so does
// silence beyond Config.IdleTimeout (quiet clients are pinged first);
// connections beyond Config.MaxConns are closed at once. Bad RPC
// arguments get _error; malformed SIP gets 400 (or is dropped by sipgo's parser).
// Panics in handlers are recovered and end the call. Passwords are never
// logged. Shutdown hangs up every call and un-REGISTERs every
// connection.
package rtmpgw
