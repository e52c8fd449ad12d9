// Package rtmp is the RTMP wire layer kazoo uses to speak the siprtmp
// protocol: the client side for the relay (browser WebSocket ↔ RTMP) and
// the server side for kazoo's own SIP–RTMP gateway.
//
// It implements the parts of the RTMP specification (Adobe, 2012) that
// siprtmp uses, with no dependency: the simple handshake (§5.2), chunking
// with all four header formats, extended timestamps and chunk stream ids,
// chunk sizes in both directions and Abort (§5.3, §5.4), acknowledgements,
// user control pings (§7.1.7), AMF0 commands (§7.1.1, §7.2) and audio
// messages (§7.1.4). Video, data messages (onMetaData) and AMF3 values
// are ignored; an AMF3 command message whose values are AMF0 is accepted.
//
// The message stream id in a type 0 chunk header is little-endian, the
// only little-endian field of RTMP; nginx-rtmp and siprtmp rely on it.
//
// # Client
//
// [Dial] connects with extra connect arguments (siprtmp: authname,
// password, display name, rate) and waits for the server's answer;
// [Client.Call] sends an RPC and waits for its _result or _error;
// [Client.Commands] delivers the server's callbacks. A call is sent as
// siprtmp and Flash did: name, transaction id, null, arguments.
//
//	c, err := rtmp.Dial(ctx, "rtmp://gw/sip/alice@lab.test", "alice", "secret", "Alice", "narrowband")
//	_, err = c.Call(ctx, "invite", "sip:bob@lab.test", "pcmu", "pcma", "dtmf")
//	id, err := c.CreateStream(ctx)
//	err = c.Publish(ctx, id, "local")
//	err = c.WriteAudio(id, 0, append([]byte{0x82}, frame...)) // 20 ms of PCMU
//
// # Server
//
// A [Server] calls its [Handler] once per connection, after connect
// arrived. The handler accepts or rejects it (siprtmp answers only after
// its SIP REGISTER), answers RPCs from [ServerConn.Commands] with
// [ServerConn.Reply] or [ServerConn.ReplyError], and sends callbacks with
// [ServerConn.Send]. Stream commands are answered by the package, with
// hooks ([ServerConn.OnPublish], [ServerConn.OnPlay]) that may refuse a
// stream name.
//
// # Limits
//
// Input from the network is bounded: messages up to [MaxMessageSize],
// at most 64 chunk streams and 4 MiB of unfinished messages per
// connection (buffers grow with the bytes that arrive, not with the
// length a header announces), AMF0 nested at most 32 deep and at most
// 2048 values per message (so a 1 MiB message decodes to at most about
// 200 KiB plus its strings, however it is made), handshake and connect
// within a timeout. A [Server] also closes a connection idle for its
// IdleTimeout (pinging quiet clients first) and can cap its connections
// (MaxConns). Malformed input ends the connection with an error wrapping
// [ErrMalformed]. Commands and Status must be drained by the owner;
// audio that is not read in time is dropped and counted.
//
// # Cost per audio message
//
// Writing one reuses the connection's buffer and moves the write
// deadline on at most once a second; [Client.OnAudio] takes received
// audio on the read loop itself, in a buffer reused message after
// message: no allocation and no goroutine hop per message either way
// (BenchmarkWriteAudio, BenchmarkReadAudio). The Audio channel costs one
// allocation and one hop per message.
//
// The package uses net and is meant for native builds (the relay and the
// gateway); it never imports syscall/js.
package rtmp
