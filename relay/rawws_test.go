//go:build !js

package relay

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rawConn is a browser socket written by hand, for what a WebSocket
// library will not do: send a frame after the relay's close frame and
// never answer it, send the upgrade slowly, send malformed frames.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

// upgradeRequest is the HTTP request that opens a relay WebSocket.
func upgradeRequest(wsURL, origin string) (host string, req []byte) {
	u, err := url.Parse(wsURL)
	if err != nil {
		panic(err)
	}
	return u.Host, []byte("GET " + u.Path + " HTTP/1.1\r\n" +
		"Host: " + u.Host + "\r\n" +
		"Upgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Protocol: " + Subprotocol + "\r\n" +
		"Origin: " + origin + "\r\n\r\n")
}

// rawDial opens a WebSocket by hand and checks the 101 answer.
func rawDial(t *testing.T, wsURL, origin string) *rawConn {
	t.Helper()
	host, req := upgradeRequest(wsURL, origin)
	c, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := &rawConn{t: t, c: c, br: bufio.NewReader(c)}
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	status, err := r.br.ReadString('\n')
	if err != nil || !strings.Contains(status, " 101 ") {
		t.Fatalf("upgrade: %q %v", status, err)
	}
	for {
		line, err := r.br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
	}
	_ = c.SetReadDeadline(time.Time{})
	return r
}

// writeFrame sends one masked frame with FIN set (first byte b0 given
// whole, so a test can set reserved bits or a bad opcode).
func (r *rawConn) writeFrame(b0 byte, payload []byte) error {
	h := []byte{b0, 0x80}
	switch n := len(payload); {
	case n < 126:
		h[1] |= byte(n)
	case n < 1<<16:
		h[1] |= 126
		h = binary.BigEndian.AppendUint16(h, uint16(n))
	default:
		h[1] |= 127
		h = binary.BigEndian.AppendUint64(h, uint64(n))
	}
	var key [4]byte
	_, _ = rand.Read(key[:])
	h = append(h, key[:]...)
	masked := make([]byte, len(payload))
	for i, b := range payload {
		masked[i] = b ^ key[i%4]
	}
	_, err := r.c.Write(append(h, masked...))
	return err
}

const (
	opText  = 0x81 // FIN + text
	opClose = 0x88 // FIN + close
)

// readFrame reads one frame from the relay (never masked).
func (r *rawConn) readFrame() (opcode byte, payload []byte, err error) {
	_ = r.c.SetReadDeadline(time.Now().Add(wait))
	defer r.c.SetReadDeadline(time.Time{})
	var h [2]byte
	if _, err := io.ReadFull(r.br, h[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r.br, b[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r.br, b[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if n > 1<<20 {
		return 0, nil, fmt.Errorf("frame of %d bytes", n)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r.br, payload); err != nil {
		return 0, nil, err
	}
	return h[0] & 0x0f, payload, nil
}

// closeReason reads frames until the relay's close frame and returns its
// reason.
func (r *rawConn) closeReason() string {
	r.t.Helper()
	for {
		op, p, err := r.readFrame()
		if err != nil {
			r.t.Fatalf("waiting for the close frame: %v", err)
		}
		if op == opClose&0x0f {
			if len(p) < 2 {
				return ""
			}
			return string(p[2:])
		}
	}
}
