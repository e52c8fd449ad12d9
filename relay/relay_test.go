//go:build !js

package relay

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/kazoo-softphone/kazoo/internal/logbuf"
	"github.com/kazoo-softphone/kazoo/relaywire"
)

const (
	gateway = "rtmp://127.0.0.1:1935/sip/"
	origin  = "https://app.example.com"
	wait    = 5 * time.Second
)

// rig is a relay on httptest with fake gateways.
type rig struct {
	t    *testing.T
	srv  *Server
	url  string
	logs *logbuf.Buffer

	newU chan *fakeUpstream
}

func newRig(t *testing.T, tweak func(*Config)) *rig {
	g := &rig{t: t, logs: &logbuf.Buffer{}, newU: make(chan *fakeUpstream, 8)}
	cfg := Config{
		Gateways: []string{gateway},
		Origins:  []string{origin},
		Logger:   slog.New(slog.NewJSONHandler(g.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Dial: func(ctx context.Context, url string, args ...any) (Upstream, error) {
			if strings.Contains(url, "refused@") {
				return nil, errors.New("NetConnection.Connect.Rejected: 403 Forbidden")
			}
			u := newFakeUpstream(args)
			g.newU <- u
			return u, nil
		},
		PendingByeTimeout: 100 * time.Millisecond,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	g.srv = New(cfg)
	hs := httptest.NewServer(g.srv)
	t.Cleanup(hs.Close)
	g.url = "ws" + strings.TrimPrefix(hs.URL, "http") + "/v1"
	return g
}

// client is a browser-side socket.
type client struct {
	t  *testing.T
	ws *websocket.Conn
}

func (g *rig) dial(orig string) *client {
	g.t.Helper()
	ws, _, err := websocket.Dial(context.Background(), g.url, &websocket.DialOptions{
		Subprotocols: []string{Subprotocol},
		HTTPHeader:   http.Header{"Origin": []string{orig}},
	})
	if err != nil {
		g.t.Fatal(err)
	}
	return &client{t: g.t, ws: ws}
}

func (c *client) send(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	if err := c.ws.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

// next reads the next JSON frame (binary frames are returned raw).
// nextBinary returns the next binary frame (an audio frame), skipping
// JSON ones.
func (c *client) nextBinary() []byte {
	c.t.Helper()
	for {
		_, b, err := c.next()
		if err != nil {
			c.t.Fatal(err)
		}
		if b != nil {
			return b
		}
	}
}

func (c *client) next() (map[string]any, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	typ, data, err := c.ws.Read(ctx)
	if err != nil {
		return nil, nil, err
	}
	if typ == websocket.MessageBinary {
		return nil, data, nil
	}
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return m, nil, nil
}

func (c *client) expect(t string) map[string]any {
	c.t.Helper()
	for {
		m, _, err := c.next()
		if err != nil {
			c.t.Fatalf("waiting for %q: %v", t, err)
		}
		if m != nil && m["t"] == t {
			return m
		}
	}
}

// closed waits for the relay to close the socket and returns its reason.
func (c *client) closed() string {
	c.t.Helper()
	for {
		_, _, err := c.next()
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Reason
			}
			return err.Error()
		}
	}
}

func hello(aor string) map[string]any {
	return map[string]any{"t": "hello", "v": 1, "rtmpUrl": gateway + aor, "args": []any{"1001", "s3cret-pw", "Alice", "narrowband"}}
}

func (g *rig) connected(aor string) (*client, *fakeUpstream) {
	g.t.Helper()
	c := g.dial(origin)
	c.send(hello(aor))
	c.expect("connected")
	select {
	case u := <-g.newU:
		return c, u
	case <-time.After(wait):
		g.t.Fatal("no upstream")
		return nil, nil
	}
}

func frame(format byte, seq uint16, ts uint32, fill byte) []byte {
	f := header(format, seq, ts)
	return append(f, bytes.Repeat([]byte{fill}, 160)...)
}

func TestRelayCallFlow(t *testing.T) {
	g := newRig(t, nil)
	c, up := g.connected("1001@lab.test")
	if len(up.args) != 4 || up.args[1] != "s3cret-pw" {
		t.Fatalf("connect args %v", up.args)
	}
	c.send(map[string]any{"t": "call", "id": 1, "method": "invite", "args": []any{"sip:1002@lab.test", "pcmu", "pcma", "dtmf"}})
	if r := c.expect("result"); r["id"] != 1.0 || r["ok"] != true {
		t.Fatalf("result %v", r)
	}
	up.commands <- Command{Name: "ringing", Args: []any{"180 Ringing"}}
	if cb := c.expect("cb"); cb["method"] != "ringing" {
		t.Fatalf("cb %v", cb)
	}
	up.commands <- Command{Name: "accepted", Args: []any{"pcmu", nil}}
	c.expect("cb")
	if m := c.expect("media"); m["codec"] != "pcmu" {
		t.Fatalf("media %v", m)
	}
	_, pub, play, _ := up.snapshot()
	if strings.Join(pub, ",") != "1:local" || strings.Join(play, ",") != "2:remote" {
		t.Fatalf("published %v played %v", pub, play)
	}
	// Uplink: 20 ms frames become RTMP audio with the PCMU tag byte.
	for i := 0; i < 3; i++ {
		if err := c.ws.Write(context.Background(), websocket.MessageBinary, frame(8, uint16(i), uint32(i*20), byte(i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		a := <-up.wrote
		if a.StreamID != 1 || a.Timestamp != uint32(i*20) || a.Data[0] != 0x82 || len(a.Data) != 161 || a.Data[1] != byte(i) {
			t.Fatalf("uplink %d: stream %d ts %d tag %#x len %d", i, a.StreamID, a.Timestamp, a.Data[0], len(a.Data))
		}
	}
	// Downlink: the gateway's "remote" stream comes back with the header.
	up.audio <- Audio{StreamID: 2, Timestamp: 40, Data: append([]byte{0x72}, bytes.Repeat([]byte{7}, 160)...)}
	got := c.nextBinary()
	if len(got) != 168 || got[0] != 1 || got[1] != 7 || binary.BigEndian.Uint32(got[4:]) != 40 || got[8] != 7 {
		t.Fatalf("downlink frame % x", got[:8])
	}
	// transfer against a gateway without it: siprtmp answers _result with
	// nothing, and the relay passes that on (rtmpua makes sense of it).
	c.send(map[string]any{"t": "call", "id": 2, "method": "transfer", "args": []any{"sip:1003@lab.test"}})
	if r := c.expect("result"); r["ok"] != true || len(r["args"].([]any)) != 0 {
		t.Fatalf("transfer result %v", r)
	}
	// The far end hangs up: streams are torn down and made again.
	up.commands <- Command{Name: "byed"}
	if cb := c.expect("cb"); cb["method"] != "byed" {
		t.Fatalf("cb %v", cb)
	}
	deadline := time.Now().Add(wait)
	for {
		if _, _, _, created := up.snapshot(); created == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("streams not recreated after byed")
		}
		time.Sleep(5 * time.Millisecond) // polling a condition
	}
	if strings.Contains(g.logs.String(), "s3cret-pw") {
		t.Fatal("the password reached the logs")
	}
}

func TestRelayReportsAPendingBye(t *testing.T) {
	g := newRig(t, nil)
	c, _ := g.connected("1001@lab.test")
	c.send(map[string]any{"t": "call", "id": 1, "method": "invite", "args": []any{"sip:1002@lab.test"}})
	c.expect("result")
	c.send(map[string]any{"t": "call", "id": 2, "method": "bye"})
	c.expect("result")
	if cb := c.expect("cb"); cb["method"] != "cancelled" || cb["relay"] != true {
		t.Fatalf("cb %v", cb)
	}
}

// A gateway that reports the end of a pending invite after bye
// (kazoo-rtmpgw: rejected('487 …')) gets no synthetic cancelled on top.
func TestRelayPendingByeReportedByTheGateway(t *testing.T) {
	g := newRig(t, nil)
	c, up := g.connected("1001@lab.test")
	c.send(map[string]any{"t": "call", "id": 1, "method": "invite", "args": []any{"sip:1002@lab.test"}})
	c.expect("result")
	c.send(map[string]any{"t": "call", "id": 2, "method": "bye"})
	c.expect("result")
	up.commands <- Command{Name: "rejected", Args: []any{"487 Request Terminated"}}
	if cb := c.expect("cb"); cb["method"] != "rejected" {
		t.Fatalf("cb %v", cb)
	}
	// Well past PendingByeTimeout (100 ms here), nothing but the pong.
	<-time.After(5 * g.srv.cfg.PendingByeTimeout)
	c.send(map[string]any{"t": "ping"})
	for {
		m, _, err := c.next()
		if err != nil {
			t.Fatal(err)
		}
		if m == nil {
			continue
		}
		if m["t"] == "pong" {
			break
		}
		t.Fatalf("got %v before the pong", m)
	}
}

func TestRelayRefusals(t *testing.T) {
	secret := []byte("relay-secret")
	g := newRig(t, func(c *Config) { c.Secret = secret; c.Rate = 50; c.Burst = 60; c.MaxBinary = 200 })
	// A good session runs alongside every refusal and must survive them.
	good := g.dial(origin)
	h := hello("1001@lab.test")
	h["token"] = mint(t, secret, "1001@lab.test", time.Now().Add(time.Minute))
	good.send(h)
	good.expect("connected")
	<-g.newU

	withToken := func(aor string, m map[string]any) map[string]any {
		m["token"] = mint(t, secret, aor, time.Now().Add(time.Minute))
		return m
	}
	for _, tc := range []struct {
		name, origin, reason string
		do                   func(c *client)
	}{
		{"gateway not allowed", origin, "gateway not allowed", func(c *client) {
			m := withToken("1001@lab.test", hello("1001@lab.test"))
			m["rtmpUrl"] = "rtmp://10.9.9.9:1935/sip/1001@lab.test"
			c.send(m)
		}},
		{"wrong origin", "https://evil.example", "origin not allowed", func(c *client) {}},
		{"missing token", origin, "missing or invalid token", func(c *client) { c.send(hello("1001@lab.test")) }},
		{"token for another user", origin, "missing or invalid token", func(c *client) {
			m := hello("1001@lab.test")
			m["token"] = mint(t, secret, "1002@lab.test", time.Now().Add(time.Minute))
			c.send(m)
		}},
		{"expired token", origin, "missing or invalid token", func(c *client) {
			m := hello("1001@lab.test")
			m["token"] = mint(t, secret, "1001@lab.test", time.Now().Add(-time.Minute))
			c.send(m)
		}},
		{"oversized frame", origin, "frame too large", func(c *client) {
			c.send(withToken("1001@lab.test", hello("1001@lab.test")))
			c.expect("connected")
			_ = c.ws.Write(context.Background(), websocket.MessageBinary, make([]byte, 4096))
		}},
		{"flood", origin, "rate limit exceeded", func(c *client) {
			c.send(withToken("1001@lab.test", hello("1001@lab.test")))
			c.expect("connected")
			for i := 0; i < 500; i++ {
				if c.ws.Write(context.Background(), websocket.MessageBinary, frame(8, uint16(i), 0, 0)) != nil {
					return
				}
			}
		}},
		{"gateway refuses", origin, "gateway refused the connection", func(c *client) {
			c.send(withToken("refused@lab.test", hello("refused@lab.test")))
			if r := c.expect("rejected"); !strings.Contains(r["reason"].(string), "403") {
				t.Errorf("rejected %v", r)
			}
		}},
		{"not a hello", origin, "the first frame must be a v1 hello", func(c *client) { c.send(map[string]any{"t": "call"}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := g.dial(tc.origin)
			tc.do(c)
			if reason := c.closed(); reason != tc.reason {
				t.Fatalf("closed with %q, want %q", reason, tc.reason)
			}
			// Drain upstreams the refused sessions may have made.
			for len(g.newU) > 0 {
				<-g.newU
			}
		})
	}
	good.send(map[string]any{"t": "ping"})
	good.expect("pong")
}

func TestRelayHelloTimeoutAndShutdown(t *testing.T) {
	g := newRig(t, func(c *Config) { c.HelloTimeout = 100 * time.Millisecond })
	c := g.dial(origin)
	if reason := c.closed(); reason != "no hello in time" {
		t.Fatalf("closed with %q", reason)
	}
	live, up := g.connected("1001@lab.test")
	// The browser keeps reading, as a real one does, and so answers the
	// close frame at once.
	reason := make(chan string, 1)
	go func() { reason <- live.closed() }()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	g.srv.Shutdown(ctx)
	if r := <-reason; r != "relay shutting down" {
		t.Fatalf("closed with %q", r)
	}
	select {
	case <-up.Done():
	case <-time.After(wait):
		t.Fatal("the gateway connection outlived the shutdown")
	}
	if n := g.srv.Sessions(); n != 0 {
		t.Fatalf("%d sessions after shutdown", n)
	}
}

// header builds the 8-byte header of a binary audio frame.
func header(format byte, seq uint16, ts uint32) []byte {
	h := make([]byte, 8, 8+160)
	relaywire.PutHeader(h, format, seq, ts)
	return h
}
