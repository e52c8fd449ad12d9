//go:build !js

package relay

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/kazoo-softphone/kazoo/rtmp"
)

// echoGateway is a FAKE siprtmp gateway on the real rtmp server: connect
// is accepted when the password is "pw", invite is answered with
// accepted('pcmu'), and audio published on "local" comes back on
// "remote".
func echoGateway(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &rtmp.Server{Handler: rtmp.HandlerFunc(func(c *rtmp.ServerConn) {
		if _, _, args := c.ConnectRequest(); len(args) < 2 || args[1] != "pw" {
			_ = c.RejectConnect("401 Unauthorized")
			return
		}
		_ = c.AcceptConnect()
		var mu sync.Mutex
		var player uint32
		c.OnPlay(func(stream uint32, name string) error {
			mu.Lock()
			defer mu.Unlock()
			player = stream
			return nil
		})
		go func() {
			for a := range c.Audio() {
				mu.Lock()
				p := player
				mu.Unlock()
				if p != 0 {
					_ = c.WriteAudio(p, a.Timestamp, a.Data)
				}
			}
		}()
		for cmd := range c.Commands() {
			_ = c.Reply(cmd.TxID)
			if cmd.Name == "invite" {
				_ = c.Send("ringing", "180 Ringing")
				_ = c.Send("accepted", "pcmu", nil)
			}
		}
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return "rtmp://" + l.Addr().String() + "/sip/"
}

// The relay on the real RTMP client against a gateway on the real RTMP
// server: connect arguments, RPCs, callbacks, publish/play and 20 ms
// frames round trip.
func TestRelayOverRealRTMP(t *testing.T) {
	gw := echoGateway(t)
	g := newRig(t, func(c *Config) { c.Gateways = []string{gw}; c.Dial = DialRTMP })

	bad := g.dial(origin)
	bad.send(map[string]any{"t": "hello", "v": 1, "rtmpUrl": gw + "1001@lab.test", "args": []any{"1001", "wrong"}})
	if r := bad.expect("rejected"); !strings.Contains(r["reason"].(string), "401") {
		t.Fatalf("rejected %v", r)
	}

	c := g.dial(origin)
	c.send(map[string]any{"t": "hello", "v": 1, "rtmpUrl": gw + "1001@lab.test", "args": []any{"1001", "pw", "Alice", "narrowband"}})
	c.expect("connected")
	c.send(map[string]any{"t": "call", "id": 1, "method": "invite", "args": []any{"sip:1002@lab.test", "pcmu", "pcma", "dtmf"}})
	// The RPC's result and the callbacks travel separately: any order.
	seen := map[string]bool{}
	for !(seen["result"] && seen["ringing"] && seen["accepted"] && seen["media"]) {
		m, _, err := c.next()
		if err != nil {
			t.Fatalf("after %v: %v", seen, err)
		}
		if m["t"] == "cb" {
			seen[m["method"].(string)] = true
		} else {
			seen[m["t"].(string)] = true
		}
	}
	// One frame at a time, as audio comes (a burst would be shed).
	for i := 0; i < 10; i++ {
		if err := c.ws.Write(context.Background(), 2, frame(8, uint16(i), uint32(20*i), byte(i+1))); err != nil {
			t.Fatal(err)
		}
		got := c.nextBinary()
		if got[1] != 8 || binary.BigEndian.Uint32(got[4:]) != uint32(20*i) || !bytes.Equal(got[8:], bytes.Repeat([]byte{byte(i + 1)}, 160)) {
			t.Fatalf("frame %d back: format %d ts %d", i, got[1], binary.BigEndian.Uint32(got[4:]))
		}
	}
}
