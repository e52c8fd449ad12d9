package rtmp

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// rawDial opens a TCP connection to an rtmp:// base URL.
func rawDial(t *testing.T, base string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", base[len("rtmp://"):])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// expectClosed checks that the server closes nc within the test timeout.
func expectClosed(t *testing.T, nc net.Conn, what string) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(testTimeout))
	if _, err := io.Copy(io.Discard, nc); err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		t.Errorf("%s: server did not close the connection: %v", what, err)
	}
}

func isReset(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && !oe.Timeout()
}

func TestGarbageClientIsDropped(t *testing.T) {
	ended := make(chan error, 10)
	_, base := startServer(t, acceptAll(func(c *ServerConn) {
		go func() {
			<-c.Done()
			ended <- c.Err()
		}()
		for cmd := range c.Commands() {
			c.Reply(cmd.TxID, cmd.Args...)
		}
	}))
	good := dial(t, base+"/sip/alice@lab.test")

	// A wrong version byte, then random bytes.
	nc := rawDial(t, base)
	nc.Write(append([]byte{0x47, 'E', 'T', ' ', '/'}, make([]byte, 3000)...))
	expectClosed(t, nc, "bad version")

	// A valid handshake, then a type 1 chunk that has nothing to extend.
	nc = rawDial(t, base)
	if err := clientHandshake(nc, nc); err != nil {
		t.Fatal(err)
	}
	nc.Write([]byte{0x43, 0, 0, 0, 0, 0, 9, 20, 'j', 'u', 'n', 'k'})
	expectClosed(t, nc, "bad chunk before connect")

	// A connected client that sends a malformed AMF0 command.
	bad := dial(t, base+"/sip/mallory@lab.test")
	body := []byte{0x02, 0, 4, 'e', 'c', 'h', 'o', 0x00, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x03, 0, 1, 'k'}
	bad.conn.write(csidCommand, message{typ: msgCommandAMF0, body: body})
	if err := recv(t, ended, "server side end"); !errors.Is(err, ErrMalformed) {
		t.Errorf("server ended the bad connection with %v, want ErrMalformed", err)
	}
	waitDone(t, bad.Done(), "bad client closed")

	// Oversized message: a header announcing 16 MiB.
	bad2 := dial(t, base+"/sip/mallory@lab.test")
	bad2.conn.nc.Write([]byte{0x06, 0, 0, 0, 0xff, 0xff, 0xff, 8, 1, 0, 0, 0})
	if err := recv(t, ended, "server side end"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("server ended the oversized connection with %v, want ErrTooLarge", err)
	}

	// The server still serves the others.
	ctx := testContext(t)
	if res, err := good.Call(ctx, "echo", "still here"); err != nil || res[0] != "still here" {
		t.Fatalf("existing client after garbage: %v, %v", res, err)
	}
	late := dial(t, base+"/sip/bob@lab.test")
	if _, err := late.Call(ctx, "echo"); err != nil {
		t.Fatalf("new client after garbage: %v", err)
	}
}

func TestHandshakeTimeout(t *testing.T) {
	_, base := startServer(t, acceptAll(nil))
	nc := rawDial(t, base)
	start := time.Now()
	expectClosed(t, nc, "silent client")
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("silent client dropped after %v", d)
	}
}

func TestDialTimeoutAndErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() { // accepts but never answers the handshake
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			defer nc.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := Dial(ctx, "rtmp://"+l.Addr().String()+"/live"); err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("Dial to a mute server: %v after %v", err, time.Since(start))
	}
	for _, url := range []string{"http://127.0.0.1/live", "rtmp://127.0.0.1", "rtmp:///live", "::"} {
		if _, err := Dial(context.Background(), url); err == nil {
			t.Errorf("Dial(%q) succeeded", url)
		}
	}
}

// fakeServer accepts one client with handshake and connect done by hand,
// and returns the server side for the test to drive.
func fakeServer(t *testing.T) (string, <-chan *conn) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ch := make(chan *conn, 1)
	go func() {
		nc, err := l.Accept()
		if err != nil {
			return
		}
		c := newConn(nc)
		t.Cleanup(func() { c.close(0) })
		if err := serverHandshake(c.br, nc); err != nil {
			t.Error(err)
			return
		}
		m, err := c.readMessage()
		if err != nil {
			t.Error(err)
			return
		}
		cmd, _ := decodeCommand(m)
		info := infoObject("status", "NetConnection.Connect.Success", "")
		c.writeCommand(Command{Name: "_result", TxID: cmd.TxID, Args: []any{info}})
		ch <- c
	}()
	return "rtmp://" + l.Addr().String() + "/live", ch
}

func TestClientControlMessages(t *testing.T) {
	url, srv := fakeServer(t)
	c := dial(t, url)
	s := recv(t, srv, "fake server")

	m, err := s.cr.readMessage()
	if err != nil || m.typ != msgSetChunkSize || binary.BigEndian.Uint32(m.body) != ourChunkSize {
		t.Fatalf("first message after connect: %+v, %v; want SetChunkSize 4096", m, err)
	}
	s.cr.setChunkSize(ourChunkSize)
	s.writeControl(msgSetPeerBandwidth, append(uint32Body(1000), 2))
	m, err = s.cr.readMessage()
	if err != nil || m.typ != msgWindowAckSize || binary.BigEndian.Uint32(m.body) != 1000 {
		t.Fatalf("answer to SetPeerBandwidth: %+v, %v", m, err)
	}
	s.writeControl(msgUserControl, userControlBody(eventPingRequest, 0xCAFE))
	m, err = s.cr.readMessage()
	if err != nil || m.typ != msgUserControl || !bytes.Equal(m.body, userControlBody(eventPingResponse, 0xCAFE)) {
		t.Fatalf("answer to PingRequest: %+v, %v", m, err)
	}

	// With a 1000-byte window, 3000 bytes of audio make the client
	// acknowledge; the sequence number counts every byte received.
	s.writeControl(msgWindowAckSize, uint32Body(1000))
	s.writeControl(msgSetChunkSize, uint32Body(64))
	s.cw.chunkSize = 64
	for i := range 20 {
		s.writeAudio(1, uint32(20*i), pcmuFrame(i))
	}
	m, err = s.cr.readMessage()
	if err != nil || m.typ != msgAck || binary.BigEndian.Uint32(m.body) < 1000 {
		t.Fatalf("acknowledgement: %+v, %v", m, err)
	}
	checkAudio(t, c.Audio(), 20, 1, 0)

	// An abort drops the unfinished message; the next one arrives.
	head := []byte{0x07, 0, 0, 0, 0, 0, 100, msgAudio, 1, 0, 0, 0}
	s.nc.Write(append(head, make([]byte, 64)...)) // first of two chunks
	s.writeControl(msgAbort, uint32Body(7))
	s.nc.Write([]byte{0x07, 0, 0, 9, 0, 0, 3, msgAudio, 1, 0, 0, 0, 0x82, 1, 2})
	if a := recv(t, c.Audio(), "audio after abort"); a.Timestamp != 9 || !bytes.Equal(a.Data, []byte{0x82, 1, 2}) {
		t.Errorf("audio after abort: %+v", a)
	}
}

func TestShutdownClosesConnections(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Handler: acceptAll(nil)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	c, err := Dial(testContext(t), "rtmp://"+l.Addr().String()+"/live")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(testContext(t)); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, served, "Serve"); err != ErrServerClosed {
		t.Errorf("Serve = %v", err)
	}
	waitDone(t, c.Done(), "client closed by shutdown")
	if c.Err() == nil || errors.Is(c.Err(), ErrClosed) {
		t.Errorf("client Err = %v, want the peer's close", c.Err())
	}
	if err := c.WriteAudio(1, 0, pcmuFrame(0)); err == nil {
		t.Error("WriteAudio on a closed connection succeeded")
	}
}
