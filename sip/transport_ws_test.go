package sip

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	sipgo "github.com/emiago/sipgo/sip"
)

// wsServer starts an httptest WebSocket server that offers subprotocols
// and hands each accepted connection to serve.
func wsServer(t *testing.T, subprotocols []string, serve func(*websocket.Conn)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: subprotocols})
		if err != nil {
			return
		}
		serve(c)
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/"
}

const optionsMsg = "OPTIONS sip:abc@xyz.invalid;transport=ws SIP/2.0\r\n" +
	"Via: SIP/2.0/WS 127.0.0.1:5066;branch=z9hG4bKserver1\r\n" +
	"From: <sip:lab.test>;tag=s1\r\nTo: <sip:abc@xyz.invalid>\r\nCall-ID: c1\r\n" +
	"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"

func TestWSRoundTrip(t *testing.T) {
	got := make(chan string, 1)
	url := wsServer(t, []string{"sip"}, func(c *websocket.Conn) {
		if c.Subprotocol() != "sip" {
			t.Errorf("server negotiated %q", c.Subprotocol())
		}
		ctx := context.Background()
		_ = c.Write(ctx, websocket.MessageText, []byte("\r\n\r\n")) // keepalive: ignored
		_ = c.Write(ctx, websocket.MessageText, []byte("garbage that is not SIP"))
		_ = c.Write(ctx, websocket.MessageText, []byte(optionsMsg))
		_, data, err := c.Read(ctx)
		if err == nil {
			got <- string(data)
		}
		c.Close(websocket.StatusNormalClosure, "")
	})
	conn, err := DialWS(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if conn.Transport() != "WS" || !strings.HasSuffix(conn.Host(), ".invalid") {
		t.Fatalf("transport %q host %q", conn.Transport(), conn.Host())
	}
	msgs := make(chan sipgo.Message, 4)
	conn.Serve(func(m sipgo.Message) { msgs <- m })
	var req *sipgo.Request
	select {
	case m := <-msgs:
		req = m.(*sipgo.Request)
	case <-time.After(5 * time.Second):
		t.Fatal("no message delivered")
	}
	if req.Method != sipgo.OPTIONS || req.Transport() != "WS" {
		t.Fatalf("got %s over %s", req.Method, req.Transport())
	}
	if err := conn.WriteMsg(sipgo.NewResponseFromRequest(req, 200, "OK", nil)); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if !strings.HasPrefix(s, "SIP/2.0 200 OK\r\n") {
			t.Fatalf("server read %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("server got nothing")
	}
	select {
	case <-conn.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed after the server closed")
	}
	if err := conn.Err(); err == nil || errors.Is(err, ErrClosed) {
		t.Fatalf("Err = %v, want the server's close", err)
	}
	if len(msgs) != 0 {
		t.Fatalf("%d extra messages delivered (keepalive or garbage)", len(msgs))
	}
	if err := conn.WriteMsg(req); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

func TestWSCloseIsOurs(t *testing.T) {
	url := wsServer(t, []string{"sip"}, func(c *websocket.Conn) { _, _, _ = c.Read(context.Background()) })
	conn, err := DialWS(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	conn.Serve(func(sipgo.Message) {})
	_ = conn.Close()
	<-conn.Done()
	if !errors.Is(conn.Err(), ErrClosed) {
		t.Fatalf("Err = %v, want ErrClosed", conn.Err())
	}
}

func TestWSDialErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := l.Addr().String()
	l.Close()
	plainHTTP := httptest.NewServer(http.NotFoundHandler())
	defer plainHTTP.Close()

	for _, tc := range []struct {
		name, url, reason string
	}{
		{"closed port", "ws://" + closedPort + "/", "refused"},
		{"not a WebSocket server", "ws" + strings.TrimPrefix(plainHTTP.URL, "http"), "refused the WebSocket upgrade"},
		{"no sip subprotocol", wsServer(t, nil, func(c *websocket.Conn) { c.CloseNow() }), "subprotocol"},
		{"other subprotocol", wsServer(t, []string{"chat"}, func(c *websocket.Conn) { c.CloseNow() }), "subprotocol"},
		{"bad scheme", "http://127.0.0.1/", "not a ws:// or wss:// URL"},
		{"unresolvable host", "ws://kazoo-test.invalid/", "does not resolve"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := DialWS(ctx, tc.url, nil)
			var de *DialError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want *DialError", err)
			}
			if !strings.Contains(de.Reason, tc.reason) {
				t.Fatalf("reason %q, want it to mention %q", de.Reason, tc.reason)
			}
		})
	}
}
