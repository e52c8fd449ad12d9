package rtmp

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"
)

// testTimeout bounds every wait in the tests.
const testTimeout = 5 * time.Second

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// startServer serves h on a loopback port and returns its rtmp:// base
// URL (no application).
func startServer(t *testing.T, h HandlerFunc) (*Server, string) {
	t.Helper()
	return serve(t, &Server{Handler: h, HandshakeTimeout: 2 * time.Second})
}

// serve serves srv on a loopback port and returns its rtmp:// base URL.
func serve(t *testing.T, srv *Server) (*Server, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; err != ErrServerClosed {
			t.Errorf("Serve returned %v", err)
		}
	})
	return srv, "rtmp://" + l.Addr().String()
}

// acceptAll accepts every connection and keeps it until it ends,
// passing it to f first when f is not nil.
func acceptAll(f func(*ServerConn)) HandlerFunc {
	return func(c *ServerConn) {
		if err := c.AcceptConnect(); err != nil {
			return
		}
		if f != nil {
			f(c)
		}
		<-c.Done()
	}
}

func dial(t *testing.T, url string, args ...any) *Client {
	t.Helper()
	c, err := Dial(testContext(t), url, args...)
	if err != nil {
		t.Fatalf("Dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// pcmuFrame is 20 ms of PCMU with its FLV tag byte: 0x82 and 160 bytes of
// a pattern that differs per frame.
func pcmuFrame(i int) []byte {
	b := make([]byte, 161)
	b[0] = 0x82
	for j := 1; j < len(b); j++ {
		b[j] = byte(i*7 + j)
	}
	return b
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatalf("%s: channel closed", what)
		}
		return v
	case <-time.After(testTimeout):
		t.Fatalf("%s: timed out", what)
	}
	panic("unreachable")
}

// checkAudio receives n frames from ch and compares them with
// pcmuFrame(i) at 20 ms steps from ts0 on stream.
func checkAudio(t *testing.T, ch <-chan Audio, n int, stream, ts0 uint32) {
	t.Helper()
	for i := range n {
		a := recv(t, ch, "audio")
		if a.StreamID != stream || a.Timestamp != ts0+uint32(20*i) || !bytes.Equal(a.Data, pcmuFrame(i)) {
			t.Fatalf("frame %d: stream %d ts %d % x…; want stream %d ts %d % x…",
				i, a.StreamID, a.Timestamp, a.Data[:min(4, len(a.Data))], stream, ts0+uint32(20*i), pcmuFrame(i)[:4])
		}
	}
}

func waitDone(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(testTimeout):
		t.Fatalf("%s: timed out", what)
	}
}
