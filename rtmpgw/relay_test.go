//go:build !js

package rtmpgw

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/relay"
)

// browser is a WebSocket client of kazoo-relay, as the wasm library is.
type browser struct {
	t       *testing.T
	ws      *websocket.Conn
	pending []map[string]any // JSON frames read but not yet expected
}

func (b *browser) send(v any) {
	b.t.Helper()
	data, _ := json.Marshal(v)
	if err := b.ws.Write(context.Background(), websocket.MessageText, data); err != nil {
		b.t.Fatal(err)
	}
}

// next returns the next JSON frame, or the next binary frame raw.
func (b *browser) next() (map[string]any, []byte) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	typ, data, err := b.ws.Read(ctx)
	if err != nil {
		b.t.Fatalf("relay socket: %v", err)
	}
	if typ == websocket.MessageBinary {
		return nil, data
	}
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return m, nil
}

// expect returns the first JSON frame of type typ (and callback method
// for "cb"); the relay answers RPCs and forwards callbacks from
// different goroutines, so a callback may overtake a result.
func (b *browser) expect(typ, method string) map[string]any {
	b.t.Helper()
	match := func(m map[string]any) bool {
		return m["t"] == typ && (method == "" || m["method"] == method)
	}
	for i, m := range b.pending {
		if match(m) {
			b.pending = append(b.pending[:i], b.pending[i+1:]...)
			return m
		}
	}
	for {
		m, _ := b.next()
		if m == nil {
			continue
		}
		if match(m) {
			return m
		}
		b.pending = append(b.pending, m)
	}
}

func (b *browser) call(id int, method string, args ...any) {
	b.t.Helper()
	b.send(map[string]any{"t": "call", "id": id, "method": method, "args": args})
	if r := b.expect("result", ""); r["ok"] != true || r["id"] != float64(id) {
		b.t.Fatalf("%s: %v", method, r)
	}
}

// The fallback end to end: browser WebSocket → kazoo-relay → RTMP →
// this gateway → SIP/RTP → the fake phone, and back.
func TestThroughRelay(t *testing.T) {
	h := newHarness(t)
	rs := relay.New(relay.Config{Gateways: []string{h.url}, Origins: []string{"*"}, Dial: relay.DialRTMP})
	hs := httptest.NewServer(rs)
	t.Cleanup(hs.Close)
	ws, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(hs.URL, "http"), &websocket.DialOptions{
		Subprotocols: []string{relay.Subprotocol},
		HTTPHeader:   http.Header{"Origin": []string{"http://app.test"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	b := &browser{t: t, ws: ws}
	b.send(map[string]any{"t": "hello", "v": 1, "rtmpUrl": h.url + "1005@lab.test", "args": []any{"1005", "pw-1005", "Alice", "narrowband"}})
	b.expect("connected", "")
	if _, ok := h.fake.binding("1005"); !ok {
		t.Fatal("not registered")
	}

	b.call(1, "invite", "sip:1009@lab.test", "pcmu", "pcma", "dtmf")
	b.expect("cb", "ringing")
	b.expect("cb", "accepted")
	if m := b.expect("media", ""); m["codec"] != "pcmu" {
		t.Fatalf("media %v", m)
	}
	inv := h.fake.wait(sip.INVITE, func(r *sip.Request) bool { return headerValue(r, "Proxy-Authorization") != "" })
	gwRTP := sdpAddr(t, inv.Body())

	// Uplink: [kind 1][format 8][seq][ts] + 160 bytes → one RTP packet.
	for i := range 3 {
		f := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint16([]byte{1, 8}, uint16(i)), uint32(i*20))
		if err := ws.Write(context.Background(), websocket.MessageBinary, append(f, bytes.Repeat([]byte{byte(0x30 + i)}, 160)...)); err != nil {
			t.Fatal(err)
		}
		p, ok := h.fake.readRTP(2 * time.Second)
		if !ok || p.pt != ptPCMU || !bytes.Equal(p.payload, bytes.Repeat([]byte{byte(0x30 + i)}, 160)) {
			t.Fatalf("uplink frame %d: %v %+v", i, ok, p)
		}
	}
	// Downlink: RTP → a binary frame with format 8 and the payload.
	h.fake.sendRTP(gwRTP, ptPCMU, 9, 160, 42, bytes.Repeat([]byte{0x66}, 160))
	for {
		m, data := b.next()
		if data == nil {
			b.pending = append(b.pending, m)
			continue
		}
		if data[0] != 1 || data[1] != 8 || !bytes.Equal(data[8:], bytes.Repeat([]byte{0x66}, 160)) {
			t.Fatalf("downlink frame %x…", data[:12])
		}
		break
	}
	b.call(2, "sendDTMF", "7")
	for {
		p, ok := h.fake.readRTP(2 * time.Second)
		if !ok {
			t.Fatal("no DTMF")
		}
		if p.pt == ptDTMF && p.payload[0] == 7 {
			break
		}
	}
	b.call(3, "bye")
	h.fake.wait(sip.BYE, nil)

	// An incoming call through the relay, answered by the browser.
	dcs := h.fake.call("1005")
	answered := make(chan error, 1)
	go func() { answered <- dcs.WaitAnswer(context.Background(), sipAnswerOptions()) }()
	if cb := b.expect("cb", "invited"); cb["args"].([]any)[0] != `"Bob" <sip:1002@lab.test>` {
		t.Fatalf("invited %v", cb)
	}
	b.call(4, "accept", "pcmu", "dtmf")
	b.expect("cb", "accepted")
	b.expect("media", "")
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	_ = dcs.Ack(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := dcs.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	b.expect("cb", "byed")
}

func sipAnswerOptions() sipgo.AnswerOptions { return sipgo.AnswerOptions{} }
