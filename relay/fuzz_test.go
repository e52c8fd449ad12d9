//go:build !js

package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// frameSep separates the frames of one fuzz input; a frame starting
// with 'B' is sent as a binary frame (the rest of it), any other as text.
const frameSep = "\x1e"

// FuzzClientFrames plays a browser sending what the fuzzer makes — JSON
// frames (hello, call, ping, anything) and binary audio frames — to a
// relay on httptest whose gateway is a fake. Nothing may panic; after
// the frames the relay either still answers a ping or has closed the
// socket with one of its close reasons (never by dropping it); and the
// session ends when the browser leaves.
func FuzzClientFrames(f *testing.F) {
	call := func(id int, method string, args ...any) string {
		b, _ := json.Marshal(map[string]any{"t": "call", "id": id, "method": method, "args": args})
		return string(b)
	}
	audio := func(format byte, n int) string {
		fr := header(format, 7, 160)
		return "B" + string(append(fr, bytes.Repeat([]byte{0x55}, n)...))
	}
	for _, s := range []struct {
		hello, accepted bool
		frames          []string
	}{
		{true, false, []string{call(1, "invite", "sip:1002@lab.test", "pcmu", "pcma", "dtmf")}},
		{true, true, []string{audio(8, 160), audio(7, 160), audio(8, 0), audio(9, 160), "B\x01", "B"}},
		{true, true, []string{call(1, "sendDTMF", "5"), call(2, "hold", true), call(3, "bye"), call(4, "bye")}},
		{true, false, []string{call(1, "accept", "pcmu"), call(2, "reject", "486"), call(3, "transfer", "sip:1003@lab.test")}},
		{true, false, []string{call(1, "invite", map[string]any{"x": 1}), call(2, "connect"), call(3, "invite", 1, 2, 3, 4, 5, 6, 7, 8, 9)}},
		{true, false, []string{`{"t":"ping"}`, `{"t":"pong"}`, `{"t":"hello","v":1}`}},
		{true, false, []string{`{"t":"call","id":1e400}`, `{"t":"call","id":-1,"method":"bye","args":null}`}},
		{true, false, []string{`{"t":"call","id":9223372036854775807,"method":"invite","args":[null,true,1.5]}`}},
		{true, false, []string{`not json`}},
		{true, false, []string{`{"t":"call","method":"__proto__"}`, `[]`, `null`, `""`}},
		{false, false, []string{helloFrame(gateway, "1001@lab.test")}},
		{false, false, []string{helloFrame("rtmp://127.0.0.1:19351/sip/", "1001@lab.test")}},
		{false, false, []string{helloFrame(gateway, "%00a@lab.test")}},
		{false, false, []string{`{"t":"hello","v":2}`}},
		{false, false, []string{`{"t":"hello","v":1,"rtmpUrl":"` + gateway + `1001@lab.test","args":[{"a":1}]}`}},
		{false, false, []string{audio(8, 160)}},
		{false, false, []string{``}},
	} {
		f.Add(s.hello, s.accepted, []byte(strings.Join(s.frames, frameSep)))
	}

	var panicked atomic.Value
	srv := New(Config{
		Gateways: []string{gateway},
		Origins:  []string{origin},
		Dial: func(ctx context.Context, url string, args ...any) (Upstream, error) {
			u := newFakeUpstream(args)
			go func() { // a gateway that takes all audio
				for {
					select {
					case <-u.wrote:
					case <-u.done:
						return
					}
				}
			}()
			lastUp.Store(u)
			return u, nil
		},
		PendingByeTimeout: 50 * time.Millisecond,
		Rate:              1e6,
		Burst:             1e6,
	})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				panicked.Store(fmt.Sprint(p))
				panic(p)
			}
		}()
		srv.ServeHTTP(w, r)
	}))
	f.Cleanup(hs.Close)
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/v1"

	f.Fuzz(func(t *testing.T, sayHello, accepted bool, input []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{
			Subprotocols: []string{Subprotocol},
			HTTPHeader:   http.Header{"Origin": []string{origin}},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		ws.SetReadLimit(1 << 20)
		c := &client{t: t, ws: ws}
		if sayHello {
			lastUp.Store((*fakeUpstream)(nil))
			if err := ws.Write(ctx, websocket.MessageText, []byte(helloFrame(gateway, "1001@lab.test"))); err != nil {
				t.Fatal(err)
			}
			c.expect("connected")
			if accepted { // the gateway answered a call: media flows
				up := lastUp.Load().(*fakeUpstream)
				up.commands <- Command{Name: "accepted", Args: []any{"pcmu", nil}}
				c.expect("media")
			}
		}
		for _, fr := range bytes.Split(input, []byte(frameSep)) {
			typ := websocket.MessageText
			if len(fr) > 0 && fr[0] == 'B' {
				typ, fr = websocket.MessageBinary, fr[1:]
			}
			if ws.Write(ctx, typ, fr) != nil {
				break // the relay closed the socket
			}
		}
		_ = ws.Write(ctx, websocket.MessageText, []byte(`{"t":"ping"}`))
		for {
			m, _, err := c.next()
			if err != nil {
				var ce websocket.CloseError
				if !errors.As(err, &ce) {
					t.Fatalf("the relay dropped the socket without a close frame: %v", err)
				}
				switch ce.Code {
				case websocket.StatusNormalClosure, websocket.StatusProtocolError, websocket.StatusPolicyViolation, websocket.StatusMessageTooBig:
				default:
					t.Fatalf("closed with %v %q", ce.Code, ce.Reason)
				}
				break
			}
			if m != nil && m["t"] == "pong" {
				break
			}
		}
		ws.Close(websocket.StatusNormalClosure, "")
		for srv.Sessions() > 0 {
			if ctx.Err() != nil {
				t.Fatalf("%d sessions still open after the browser left", srv.Sessions())
			}
			time.Sleep(time.Millisecond) // polling the session count
		}
		if p := panicked.Load(); p != nil {
			t.Fatalf("the relay panicked: %v", p)
		}
	})
}

// lastUp is the fake gateway connection of the latest hello.
var lastUp atomic.Value

func helloFrame(prefix, aor string) string {
	b, _ := json.Marshal(map[string]any{"t": "hello", "v": 1, "rtmpUrl": prefix + aor, "args": []any{"1001", "pw", "Alice", "narrowband"}})
	return string(b)
}
