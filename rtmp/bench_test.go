package rtmp

import (
	"net"
	"testing"
	"time"
)

// loopConn is a net.Conn that discards what is written and reads the
// same bytes over and over: the per-message cost without a socket.
type loopConn struct {
	net.Conn // nil: the methods used are below
	data     []byte
	off      int
}

func (l *loopConn) Write(p []byte) (int, error)      { return len(p), nil }
func (l *loopConn) SetWriteDeadline(time.Time) error { return nil }
func (l *loopConn) SetDeadline(time.Time) error      { return nil }
func (l *loopConn) Close() error                     { return nil }
func (l *loopConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (l *loopConn) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off = (l.off + n) % len(l.data)
	return n, nil
}

// audio20ms is one siprtmp audio message body: the FLV tag byte and
// 20 ms of PCMU.
var audio20ms = append([]byte{0x82}, make([]byte, 160)...)

// BenchmarkWriteAudio is the relay's uplink in the rtmp package: one
// 20 ms message chunked and written (allocs/op is per frame).
func BenchmarkWriteAudio(b *testing.B) {
	c := newClient(&loopConn{})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := c.WriteAudio(1, uint32(i)*20, audio20ms); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadAudio is the relay's downlink in the rtmp package: one
// 20 ms message read, reassembled and handed to OnAudio.
func BenchmarkReadAudio(b *testing.B) {
	cw := newChunkWriter()
	var stream []byte
	for i := range 100 {
		stream = cw.appendMessage(stream, csidAudio, message{typ: msgAudio, ts: uint32(i) * 20, streamID: 1, body: audio20ms})
	}
	c := newClient(&loopConn{data: stream})
	got := 0
	c.OnAudio(func(a Audio) { got += len(a.Data) })
	b.ReportAllocs()
	for b.Loop() {
		m, err := c.conn.readMessage()
		if err == nil {
			err = c.handle(m)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	if got == 0 {
		b.Fatal("no audio")
	}
}

// BenchmarkReadAudioChannel is the same through the Audio channel (no
// OnAudio): each message's body is its own allocation there.
func BenchmarkReadAudioChannel(b *testing.B) {
	cw := newChunkWriter()
	var stream []byte
	for i := range 100 {
		stream = cw.appendMessage(stream, csidAudio, message{typ: msgAudio, ts: uint32(i) * 20, streamID: 1, body: audio20ms})
	}
	c := newClient(&loopConn{data: stream})
	b.ReportAllocs()
	for b.Loop() {
		m, err := c.conn.readMessage()
		if err == nil {
			err = c.handle(m)
		}
		if err != nil {
			b.Fatal(err)
		}
		<-c.Audio()
	}
}
