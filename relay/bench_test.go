//go:build !js

package relay

import (
	"log/slog"
	"testing"
)

// discardUpstream is an upstream whose audio writes cost nothing.
type discardUpstream struct{ *fakeUpstream }

func (discardUpstream) WriteAudio(stream, ts uint32, data []byte) error { return nil }

// benchSession is a session in a call, with no sockets.
func benchSession() *session {
	s := newSession(New(Config{Gateways: []string{"rtmp://127.0.0.1:1935/sip/"}}), nil, slog.New(slog.DiscardHandler))
	s.up = discardUpstream{newFakeUpstream(nil)}
	s.media, s.pub, s.play = true, 1, 2
	return s
}

// BenchmarkUplink is one browser frame turned into an RTMP audio
// message (allocs/op is per frame).
func BenchmarkUplink(b *testing.B) {
	s := benchSession()
	f := frame(8, 1, 20, 0xFF)
	b.ReportAllocs()
	for b.Loop() {
		s.uplink(f)
	}
}

// BenchmarkDownlink is one gateway audio message turned into a browser
// frame and queued for the writer, which gives its buffer back.
func BenchmarkDownlink(b *testing.B) {
	s := benchSession()
	a := Audio{StreamID: 2, Timestamp: 20, Data: append([]byte{0x82}, make([]byte, 160)...)}
	b.ReportAllocs()
	for b.Loop() {
		s.forward(a)
		framePool.Put(<-s.audio)
	}
}
