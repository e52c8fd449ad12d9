package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kazoo-softphone/kazoo/relaywire"
)

// browser is one simulated browser: a WebSocket client written by hand
// so that the clients cost little next to the relay (a fixed masking key,
// no allocation per frame, one write per frame).
type browser struct {
	nc net.Conn
	br *bufio.Reader

	wmu  sync.Mutex
	wbuf []byte
	rbuf []byte
}

// dialBrowser opens a WebSocket to the relay with its subprotocol.
func dialBrowser(rawURL string, timeout time.Duration) (*browser, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	nc, err := net.DialTimeout("tcp", u.Host, timeout)
	if err != nil {
		return nil, err
	}
	var key [16]byte
	_, _ = rand.Read(key[:])
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(key[:]) +
		"\r\nSec-WebSocket-Protocol: " + relaywire.Subprotocol + "\r\nOrigin: http://bench.invalid\r\n\r\n"
	_ = nc.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(nc, req); err != nil {
		nc.Close()
		return nil, err
	}
	b := &browser{nc: nc, br: bufio.NewReaderSize(nc, 4096), rbuf: make([]byte, 0, 8192)}
	resp, err := http.ReadResponse(b.br, nil)
	if err != nil {
		nc.Close()
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		nc.Close()
		return nil, fmt.Errorf("upgrade: %s", resp.Status)
	}
	_ = nc.SetDeadline(time.Time{})
	return b, nil
}

// Opcodes the bench uses (RFC 6455 §5.2).
const (
	opText   = 1
	opBinary = 2
	opClose  = 8
	opPing   = 9
	opPong   = 10
)

// mask is the client's fixed masking key (any key is valid).
var mask = [4]byte{0x12, 0x34, 0x56, 0x78}

// write sends one masked frame.
func (b *browser) write(op byte, p []byte) error {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	w := append(b.wbuf[:0], 0x80|op)
	switch n := len(p); {
	case n < 126:
		w = append(w, 0x80|byte(n))
	case n < 1<<16:
		w = append(w, 0x80|126, byte(n>>8), byte(n))
	default:
		w = append(w, 0x80|127)
		w = binary.BigEndian.AppendUint64(w, uint64(n))
	}
	w = append(w, mask[:]...)
	start := len(w)
	w = append(w, p...)
	for i := range w[start:] {
		w[start+i] ^= mask[i&3]
	}
	b.wbuf = w
	_, err := b.nc.Write(w)
	return err
}

func (b *browser) sendJSON(v any) error {
	p, _ := json.Marshal(v)
	return b.write(opText, p)
}

// read returns the next data frame (unmasked, from the server), answering
// pings on the way. The payload is valid until the next read.
func (b *browser) read() (byte, []byte, error) {
	for {
		var h [2]byte
		if _, err := io.ReadFull(b.br, h[:]); err != nil {
			return 0, nil, err
		}
		op, n := h[0]&0x0F, uint64(h[1]&0x7F)
		switch n {
		case 126:
			var e [2]byte
			if _, err := io.ReadFull(b.br, e[:]); err != nil {
				return 0, nil, err
			}
			n = uint64(binary.BigEndian.Uint16(e[:]))
		case 127:
			var e [8]byte
			if _, err := io.ReadFull(b.br, e[:]); err != nil {
				return 0, nil, err
			}
			n = binary.BigEndian.Uint64(e[:])
		}
		if n > 1<<20 {
			return 0, nil, errors.New("frame too large")
		}
		if uint64(cap(b.rbuf)) < n {
			b.rbuf = make([]byte, n)
		}
		p := b.rbuf[:n]
		if _, err := io.ReadFull(b.br, p); err != nil {
			return 0, nil, err
		}
		switch op {
		case opPing:
			if err := b.write(opPong, p); err != nil {
				return 0, nil, err
			}
		case opPong:
		case opClose:
			return op, p, io.EOF
		default:
			return op, p, nil
		}
	}
}

// waitText reads until a text frame containing s.
func (b *browser) waitText(s string) error {
	for {
		op, p, err := b.read()
		if err != nil {
			if op == opClose && len(p) > 2 {
				return fmt.Errorf("closed: %s", p[2:])
			}
			return err
		}
		if op == opText && strings.Contains(string(p), s) {
			return nil
		}
	}
}

func (b *browser) close() { _ = b.nc.Close() }
