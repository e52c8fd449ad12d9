// Package relay is kazoo-relay's core: it lets a browser without WebRTC
// use a SIP-RTMP gateway (siprtmp, or kazoo-rtmpgw) the way the Flash
// movie of kazoo.js did. Each browser WebSocket gets one RTMP client
// connection to an allow-listed gateway; signalling is JSON, audio is
// binary G.711 frames of exactly 20 ms.
//
// # Protocol (WebSocket subprotocol "kazoo-rtmp.v1")
//
// The frames, the audio header and the FLV codec bytes are defined once,
// in package relaywire, which the browser's end (package rtmpua) imports
// too; this is what they mean.
//
// Text frames are JSON objects with a type "t".
//
// Browser → relay:
//
//	{"t":"hello","v":1,"rtmpUrl":"rtmp://gw/sip/alice@example.com",
//	 "args":["alice","secret","Alice","narrowband"],"token":"…"}
//	    first frame; args are siprtmp's connect arguments (authname,
//	    password, display name, rate). token is required when the relay
//	    has a secret (see NewToken).
//	{"t":"call","id":7,"method":"invite","args":["sip:bob@example.com","pcmu","pcma","dtmf"]}
//	    an RPC; methods: invite, accept, reject, bye, sendDTMF, hold, transfer.
//	{"t":"ping"}
//
// Relay → browser:
//
//	{"t":"connected"} | {"t":"rejected","reason":"…","code":"…"}
//	{"t":"result","id":7,"ok":true,"args":[…]} | {"t":"result","id":7,"ok":false,"error":"…"}
//	{"t":"cb","method":"invited","args":["\"Bob\" <sip:bob@x>","<sip:alice@x>"]}
//	    every gateway callback verbatim (ringing, accepted, rejected,
//	    invited, cancelled, byed, holded, and unknown ones such as
//	    notified or unauthorized from extended gateways).
//	    A bye on a ringing outgoing call gets no callback from siprtmp;
//	    after PendingByeTimeout the relay sends cancelled itself, with
//	    "relay":true. A local reject gets none either: the call ends with
//	    its result.
//	{"t":"media","codec":"pcmu"}  after accepted, once both RTMP streams run
//	{"t":"stream","code":"NetStream.Publish.BadName"}  a stream failed
//	{"t":"pong"}
//
// Binary frames, both ways: an 8-byte header then the payload,
//
//	[u8 kind=1][u8 FLV sound format: 8 PCMU, 7 PCMA][u16 seq][u32 timestamp ms]
//	followed by 160 bytes (20 ms of 8 kHz G.711).
//
// The relay sends them as RTMP audio messages (tag 0x82 or 0x72) on the
// published "local" stream and forwards the gateway's "remote" stream
// back. Audio arriving faster than the browser takes it is dropped, never
// queued: latency is shed, signalling is not.
//
// # Security
//
// A browser never chooses where the relay connects: rtmpUrl must have
// the host, port and path prefix of one of the configured gateways,
// compared as parsed values (a string prefix let "rtmp://h:1935" match
// "rtmp://h:19351/…"). The Origin header must be allow-listed.
//
// An optional shared secret makes hello carry a token (see NewToken):
// an HMAC bound to the account (user@domain of rtmpUrl) and the gateway
// (rtmp://host:port), expiring at most Config.TokenMaxLifetime ahead
// (1 h), and with Config.TokenSingleUse good for one session.
//
// Sessions are capped: 5000 at once, 20 per client address (the TCP
// peer, or X-Forwarded-For from a Config.TrustedProxies peer; an IPv6
// /64 is one address), 4 per account (Config.MaxSessions, MaxPerAddr,
// MaxPerAOR). Frames are size-limited, each connection is rate-limited,
// a socket without hello or without traffic is closed, and the relay
// pings every socket. A session that stops while it dials the gateway
// closes the connection that arrives. Passwords (connect argument 2) are
// never logged.
//
// Every refusal closes the socket with a WebSocket close reason that
// says why, a stable key such as "origin not allowed"; other sessions
// are unaffected. The tokens add "missing or invalid token", "token
// lifetime too long", "token already used" and "too many tokens in use";
// the caps add "too many sessions", "too many sessions from this
// address" and "too many sessions for this account" (status 1013, try
// again later).
package relay
