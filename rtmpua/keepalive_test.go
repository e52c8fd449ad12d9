//go:build !js

package rtmpua

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/relay"
)

// An idle registration outlives the relay's idle timeout: the phone's
// pings count as traffic.
func TestKeepaliveHoldsAnIdleRegistration(t *testing.T) {
	g := newGateway(t)
	rs := relay.New(relay.Config{Gateways: []string{g.url + "/"}, Origins: []string{"*"}, Dial: relay.DialRTMP,
		IdleTimeout: 300 * time.Millisecond})
	hs := httptest.NewServer(rs)
	t.Cleanup(hs.Close)
	r := newRig(t)
	r.p = New(Config{KeepaliveInterval: 50 * time.Millisecond, PongTimeout: time.Second})
	r.opts.RelayURL = "ws" + strings.TrimPrefix(hs.URL, "http") + "/v1"
	r.opts.RTMPURL = g.url
	r.g = g
	if e := r.p.Register(context.Background(), r.opts, r.ev); e != nil {
		t.Fatal(e)
	}
	get(t, r.conn, "connected")
	// Four idle timeouts later the session is still there.
	deadline := time.Now().Add(1200 * time.Millisecond)
	for time.Now().Before(deadline) {
		select {
		case e := <-r.errs:
			t.Fatalf("error while idle: %v", e)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if !r.p.Registered() || rs.Sessions() != 1 {
		t.Fatalf("registered %v, relay sessions %d", r.p.Registered(), rs.Sessions())
	}
}

// A relay that accepted us and then goes silent (a half-open TCP
// connection, a stuck proxy) is detected by the missing pong.
func TestKeepaliveDetectsASilentRelay(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		// A FAKE relay: answers hello, then reads and never writes.
		ws, err := websocket.Accept(w, req, &websocket.AcceptOptions{Subprotocols: []string{Subprotocol}})
		if err != nil {
			return
		}
		defer ws.CloseNow()
		if _, _, err := ws.Read(req.Context()); err != nil {
			return
		}
		_ = ws.Write(req.Context(), websocket.MessageText, []byte(`{"t":"connected"}`))
		for {
			if _, _, err := ws.Read(req.Context()); err != nil {
				return
			}
		}
	}))
	t.Cleanup(hs.Close)
	r := newRig(t)
	r.p = New(Config{KeepaliveInterval: 50 * time.Millisecond, PongTimeout: 100 * time.Millisecond})
	r.opts.RelayURL = "ws" + strings.TrimPrefix(hs.URL, "http") + "/v1"
	r.opts.ReconnectOff = true
	if e := r.p.Register(context.Background(), r.opts, r.ev); e != nil {
		t.Fatal(e)
	}
	get(t, r.conn, "connected")
	if e := get(t, r.errs, "disconnected"); e.Key != phone.KeyDisconnected {
		t.Fatalf("error %v", e)
	}
}
