// Package relaywire is the wire format between a browser without WebRTC
// (package rtmpua, in kazoo.wasm) and kazoo-relay (package relay): one
// WebSocket with the subprotocol "kazoo-rtmp.v1", JSON signalling in text
// frames and 20 ms G.711 audio in binary frames. Both ends import it; it
// imports nothing of kazoo's, no syscall/js and no encoding/json (the
// wasm parses JSON with the browser's JSON.parse), so it stays small.
//
// # Text frames
//
// JSON objects with a type "t". Browser → relay:
//
//	{"t":"hello","v":1,"rtmpUrl":"rtmp://gw/sip/alice@example.com",
//	 "args":["alice","secret","Alice","narrowband"],"token":"…"}   Hello
//	{"t":"call","id":7,"method":"invite","args":["sip:bob@example.com","pcmu","pcma","dtmf"]}   Call
//	{"t":"ping"}   Bare
//
// Relay → browser:
//
//	{"t":"connected"}                               Bare
//	{"t":"rejected","reason":"…"}                   Rejected
//	{"t":"result","id":7,"ok":true,"args":[…]}      ResultOK
//	{"t":"result","id":7,"ok":false,"error":"…"}    ResultError
//	{"t":"cb","method":"invited","args":[…]}        Callback ("relay":true when the relay made it up)
//	{"t":"media","codec":"pcmu"}                    Media
//	{"t":"stream","code":"NetStream.Publish.BadName"}   Stream
//	{"t":"pong"}                                    Bare
//
// Request is any browser frame as the relay decodes it, Reply any relay
// frame as the browser reads it. Package relay documents what each frame
// means.
//
// # Binary frames
//
// Both ways, an 8-byte header then the payload, big-endian:
//
//	[u8 kind=1][u8 FLV sound format: 8 PCMU, 7 PCMA][u16 seq][u32 timestamp ms]
//	followed by 160 bytes (20 ms of 8 kHz G.711).
//
// The sound format is the FLV one (the upper four bits of an FLV audio
// tag). On RTMP the relay sends the audio with the tag byte siprtmp
// uses, the format then 16-bit mono: 0x82 PCMU, 0x72 PCMA (FLVTag).
package relaywire
