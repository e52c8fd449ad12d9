//go:build !js

package relay

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// inCall makes c's session a call with media running (streams 1:local
// and 2:remote on the fake gateway).
func inCall(t *testing.T, c *client, up *fakeUpstream) {
	t.Helper()
	c.send(map[string]any{"t": "call", "id": 1, "method": "invite", "args": []any{"sip:1002@lab.test", "pcmu"}})
	c.expect("result")
	up.commands <- Command{Name: "accepted", Args: []any{"pcmu", nil}}
	c.expect("media")
}

// audioBothWays sends one 20 ms frame each way through a session in a
// call and checks that it arrives.
func audioBothWays(t *testing.T, c *client, up *fakeUpstream, seq uint16) {
	t.Helper()
	ts := uint32(seq) * 20
	if err := c.ws.Write(context.Background(), websocket.MessageBinary, frame(8, seq, ts, byte(seq))); err != nil {
		t.Fatalf("uplink: %v", err)
	}
	select {
	case a := <-up.wrote:
		if a.StreamID != 1 || a.Timestamp != ts || len(a.Data) != 161 || a.Data[1] != byte(seq) {
			t.Fatalf("uplink frame %d: stream %d ts %d len %d", seq, a.StreamID, a.Timestamp, len(a.Data))
		}
	case <-time.After(wait):
		t.Fatalf("uplink frame %d never reached the gateway", seq)
	}
	up.audio <- Audio{StreamID: 2, Timestamp: ts, Data: append([]byte{0x82}, bytes.Repeat([]byte{byte(seq)}, 160)...)}
	got := c.nextBinary()
	if len(got) != 168 || binary.BigEndian.Uint32(got[4:]) != ts || got[8] != byte(seq) {
		t.Fatalf("downlink frame %d: % x", seq, got[:8])
	}
}

// A relay holding 500 silent sockets and slowloris clients (an upgrade
// sent a byte at a time, a hello frame trickled in) still serves a good
// client, a whole call with audio both ways, and then sheds the silent
// ones at the hello timeout.
func TestRelayServesAGoodClientUnderIdleSocketsAndSlowloris(t *testing.T) {
	const idle = 500
	g := newRig(t, func(c *Config) { c.MaxPerAddr = -1; c.HelloTimeout = 3 * time.Second })
	host, req := upgradeRequest(g.url, origin)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(stop); wg.Wait() }()
	trickle := func(c net.Conn, b []byte) {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond) // the attacker's pace
		defer tick.Stop()
		for _, x := range b {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := c.Write([]byte{x}); err != nil {
					return
				}
			}
		}
	}
	// Slowloris on the upgrade: its request comes a byte at a time and
	// never ends (the blank line that ends the headers never comes).
	for i := 0; i < 5; i++ {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		wg.Add(1)
		go trickle(c, req[:len(req)-2])
	}
	// Slowloris on the hello: an upgraded socket whose first frame comes
	// in a byte at a time.
	slowHello := rawDial(t, g.url, origin)
	var hf bytes.Buffer
	b, _ := json.Marshal(hello("1009@lab.test"))
	hf.Write([]byte{opText, 0x80 | byte(len(b)), 0, 0, 0, 0}) // masked with a zero key
	hf.Write(b)
	wg.Add(1)
	go trickle(slowHello.c, hf.Bytes()[:hf.Len()-1]) // never whole
	// Silent sockets: upgraded, never a frame.
	silent := make([]*rawConn, idle)
	for i := range silent {
		silent[i] = rawDial(t, g.url, origin)
	}
	g.waitSessions(idle + 1)

	c, up := g.connected("1001@lab.test")
	inCall(t, c, up)
	for i := uint16(1); i <= 20; i++ {
		audioBothWays(t, c, up, i)
	}
	// The silent sockets are told why they go, and the relay holds no
	// session for them any more.
	// (On a loaded machine the 1 s grace of the closing handshake may
	// pass before the close frame is written: then the socket is just cut.)
	for i, s := range append(silent, slowHello) {
		if r, _ := s.closedAfter(); r != "no hello in time" && r != "" {
			t.Fatalf("silent socket %d closed with %q", i, r)
		}
	}
	g.waitSessions(1)
	audioBothWays(t, c, up, 21)
}

// rawConnected is a session on a hand-written socket, connected to the
// fake gateway.
func (g *rig) rawConnected(aor string) *rawConn {
	g.t.Helper()
	r := rawDial(g.t, g.url, origin)
	b, _ := json.Marshal(hello(aor))
	if err := r.writeFrame(opText, b); err != nil {
		g.t.Fatal(err)
	}
	for {
		op, p, err := r.readFrame()
		if err != nil {
			g.t.Fatalf("waiting for connected: %v", err)
		}
		if op == 1 && strings.Contains(string(p), `"connected"`) {
			break
		}
	}
	select {
	case <-g.newU:
	case <-time.After(wait):
		g.t.Fatal("no upstream")
	}
	return r
}

// closedAfter reads until the relay ends the socket: its close reason,
// or "" when the connection just ended.
func (r *rawConn) closedAfter() (string, bool) {
	for {
		op, p, err := r.readFrame()
		if err != nil {
			return "", true
		}
		if op == opClose&0x0f {
			if len(p) < 2 {
				return "", true
			}
			return string(p[2:]), true
		}
	}
}

// An oversized or invalid frame closes only the socket that sent it:
// a session in a call on the same relay keeps its audio both ways.
func TestRelayBadFrameClosesOnlyThatSocket(t *testing.T) {
	g := newRig(t, nil)
	good, up := g.connected("1001@lab.test")
	inCall(t, good, up)
	audioBothWays(t, good, up, 1)

	hdr := func(b0, b1 byte, ext ...byte) []byte { return append([]byte{b0, b1}, ext...) }
	for i, tc := range []struct {
		name, reason string // reason "": any close, or the connection cut
		send         func(r *rawConn) error
	}{
		{"oversized audio", "frame too large", func(r *rawConn) error { return r.writeFrame(0x82, make([]byte, 4096)) }},
		{"oversized JSON", "frame too large", func(r *rawConn) error {
			return r.writeFrame(opText, []byte(`{"t":"ping","x":"`+strings.Repeat("a", 10<<10)+`"}`))
		}},
		{"a header announcing 2^62 bytes", "", func(r *rawConn) error {
			_, err := r.c.Write(hdr(0x82, 0x80|127, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4))
			return err
		}},
		{"not JSON", "bad JSON", func(r *rawConn) error { return r.writeFrame(opText, []byte("{nope")) }},
		{"an unknown frame type", "unknown frame type", func(r *rawConn) error { return r.writeFrame(opText, []byte(`{"t":"evil"}`)) }},
		{"reserved bits set", "", func(r *rawConn) error { return r.writeFrame(0xf1, []byte(`{"t":"ping"}`)) }},
		{"a reserved opcode", "", func(r *rawConn) error { return r.writeFrame(0x83, []byte("x")) }},
		{"an unmasked frame", "", func(r *rawConn) error {
			_, err := r.c.Write(append(hdr(opText, 12), `{"t":"ping"}`...))
			return err
		}},
		{"a fragmented ping", "", func(r *rawConn) error { return r.writeFrame(0x09, []byte("x")) }},
		{"garbage bytes", "", func(r *rawConn) error {
			_, err := r.c.Write(bytes.Repeat([]byte{0xff}, 64))
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := g.rawConnected("1002@lab.test")
			if err := tc.send(bad); err != nil {
				t.Fatal(err)
			}
			reason, _ := bad.closedAfter()
			if tc.reason != "" && reason != tc.reason {
				t.Fatalf("closed with %q, want %q", reason, tc.reason)
			}
			audioBothWays(t, good, up, uint16(2+i))
		})
	}
	if n := g.srv.Sessions(); n < 1 {
		t.Fatalf("%d sessions", n)
	}
	good.send(map[string]any{"t": "ping"})
	good.expect("pong")
}
