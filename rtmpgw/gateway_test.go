//go:build !js

package rtmpgw

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/rtmp"
)

// harness is a gateway in front of a fake SIP peer, for rtmp.Clients
// playing the relay.
type harness struct {
	t    *testing.T
	fake *fakeSIP
	gw   *Gateway
	url  string // rtmp://127.0.0.1:port/sip/

	mu  sync.Mutex
	cbs []string // "aor name" of every callback sent
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, fake: newFakeSIP(t, map[string]string{"1005": "pw-1005", "1006": "pw-1006"})}
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("RTMPGW_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	gw, err := New(Config{Proxy: h.fake.addr, Logger: log, onCallback: func(aor, name string, args []any) {
		h.mu.Lock()
		h.cbs = append(h.cbs, aor+" "+name)
		h.mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = gw.Serve(l) }()
	h.gw, h.url = gw, "rtmp://"+l.Addr().String()+"/sip/"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gw.Shutdown(ctx)
	})
	return h
}

func (h *harness) dial(user, password string) (*rtmp.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return rtmp.Dial(ctx, h.url+user+"@lab.test", user, password, "Alice", "narrowband")
}

// connect dials as user with the right password.
func (h *harness) connect(user string) *rtmp.Client {
	h.t.Helper()
	c, err := h.dial(user, "pw-"+user)
	if err != nil {
		h.t.Fatalf("connect %s: %v", user, err)
	}
	h.t.Cleanup(func() { _ = c.Close() })
	go func() { // Status must be drained
		for range c.Status() {
		}
	}()
	return c
}

func (h *harness) sawCallback(s string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, cb := range h.cbs {
		if cb == s {
			return true
		}
	}
	return false
}

// rpc calls method and fails the test on _error.
func rpc(t *testing.T, c *rtmp.Client, method string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Call(ctx, method, args...); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
}

// rpcErr calls method and returns its error.
func rpcErr(c *rtmp.Client, method string, args ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.Call(ctx, method, args...)
	return err
}

// expect returns the next callback name, skipping (and logging) others.
// eventually polls cond until it holds, failing the test after 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition
	}
}

func expect(t *testing.T, c *rtmp.Client, name string) rtmp.Command {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case cmd, ok := <-c.Commands():
			if !ok {
				t.Fatalf("connection closed while waiting for %s: %v", name, c.Err())
			}
			if cmd.Name == name {
				return cmd
			}
			t.Logf("skipping callback %s%v while waiting for %s", cmd.Name, cmd.Args, name)
		case <-timeout:
			t.Fatalf("no %s callback", name)
		}
	}
}

// argsEqual compares callback arguments.
func argsEqual(t *testing.T, cmd rtmp.Command, want ...any) {
	t.Helper()
	if len(cmd.Args) != len(want) {
		t.Fatalf("%s%v, want args %v", cmd.Name, cmd.Args, want)
	}
	for i := range want {
		if cmd.Args[i] != want[i] {
			t.Fatalf("%s%v, want args %v", cmd.Name, cmd.Args, want)
		}
	}
}

func TestRegisterBeforeConnect(t *testing.T) {
	h := newHarness(t)
	c := h.connect("1005")
	contact, ok := h.fake.binding("1005")
	if !ok {
		t.Fatal("connect answered before the REGISTER succeeded")
	}
	if !strings.HasPrefix(contact.User, "gw-") || contact.Host != "127.0.0.1" || contact.Port == 0 {
		t.Fatalf("contact %s", contact.String())
	}
	h.fake.wait(sip.REGISTER, func(r *sip.Request) bool { return headerValue(r, "Authorization") == "" })
	auth := h.fake.wait(sip.REGISTER, func(r *sip.Request) bool { return headerValue(r, "Authorization") != "" })
	if v := headerValue(auth, "Authorization"); !strings.Contains(v, `username="1005"`) || strings.Contains(v, "pw-1005") {
		t.Fatalf("Authorization: %s", v)
	}
	if got := headerValue(auth, "Expires"); got != "300" {
		t.Fatalf("Expires %s", got)
	}
	_ = c.Close()
	h.fake.wait(sip.REGISTER, func(r *sip.Request) bool {
		return headerValue(r, "Expires") == "0" && headerValue(r, "Authorization") != ""
	})
	eventually(t, "the binding to go after the connection closed", func() bool {
		_, ok := h.fake.binding("1005")
		return !ok
	})
}

func TestRegisterSHA256(t *testing.T) {
	h := newHarness(t)
	h.fake.set(func(f *fakeSIP) { f.alg = "SHA-256" })
	h.connect("1005")
	auth := h.fake.wait(sip.REGISTER, func(r *sip.Request) bool { return headerValue(r, "Authorization") != "" })
	if v := headerValue(auth, "Authorization"); !strings.Contains(v, "SHA-256") {
		t.Fatalf("Authorization: %s", v)
	}
}

func TestWrongPassword(t *testing.T) {
	h := newHarness(t)
	_, err := h.dial("1005", "wrong")
	var ce *rtmp.ConnectError
	if !errors.As(err, &ce) || ce.Code != "NetConnection.Connect.Rejected" || ce.Description != "401 Unauthorized" {
		t.Fatalf("dial: %v", err)
	}
	if !h.sawCallback("1005@lab.test unauthorized") {
		t.Fatal("no unauthorized callback")
	}
	if _, ok := h.fake.binding("1005"); ok {
		t.Fatal("registered with a wrong password")
	}
}

func TestBadConnect(t *testing.T) {
	h := newHarness(t)
	for _, u := range []string{"nobody", "@lab.test", "1005@"} {
		if _, err := h.dial(u, "x"); err == nil {
			t.Errorf("connect as %q accepted", u)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := rtmp.Dial(ctx, strings.Replace(h.url, "/sip/", "/live/", 1)+"x", "a", "b"); err == nil {
		t.Error("app live accepted")
	}
	if _, err := rtmp.Dial(ctx, h.url+"1005@lab.test", 42.0, "pw"); err == nil {
		t.Error("numeric authname accepted")
	}
	h.connect("1005") // the gateway still serves
}

func TestNoPasswordNoRegister(t *testing.T) {
	h := newHarness(t)
	h.fake.set(func(f *fakeSIP) { f.inviteAuth = false })
	c, err := h.dial("1006", "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := h.fake.binding("1006"); ok {
		t.Fatal("registered without a password")
	}
	rpc(t, c, "invite", "1009", "pcma", "pcmu")
	argsEqual(t, expect(t, c, "accepted"), "pcmu", nil) // the answer has PCMU only
	inv := h.fake.wait(sip.INVITE, nil)
	if inv.Recipient.String() != "sip:1009@lab.test" || !hasLine(inv.Body(), "m=audio "+itoa(sdpAddr(t, inv.Body()).Port)+" RTP/AVP 8 0") {
		t.Fatalf("INVITE %s\n%s", inv.Recipient.String(), inv.Body())
	}
}

func TestReplacesOlderConnection(t *testing.T) {
	h := newHarness(t)
	c1 := h.connect("1005")
	first, _ := h.fake.binding("1005")
	c2 := h.connect("1005")
	select {
	case <-c1.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the older connection stays open")
	}
	second, ok := h.fake.binding("1005")
	if !ok || second.User == first.User {
		t.Fatalf("binding %v after the second connect (first %s)", second.String(), first.String())
	}
	// Answered with a bare _result, as siprtmp does.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if res, err := c2.Call(ctx, "unknownMethod", "x"); err != nil || len(res) != 0 {
		t.Fatalf("unknownMethod answered %v, %v", res, err)
	}

	// Neither a wrong password nor no password displaces it.
	if _, err := h.dial("1005", "wrong"); err == nil {
		t.Fatal("wrong password accepted")
	}
	c3, err := h.dial("1005", "")
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	time.Sleep(100 * time.Millisecond) // a bounded wait for a close that must not come
	if c2.Err() != nil {
		t.Fatalf("registered connection closed by a later one: %v", c2.Err())
	}
	if b, ok := h.fake.binding("1005"); !ok || b.User != second.User {
		t.Fatalf("binding %s, want %s", b.String(), second.String())
	}
}

func TestShutdownUnregisters(t *testing.T) {
	h := newHarness(t)
	c := h.connect("1005")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.gw.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	if _, ok := h.fake.binding("1005"); ok {
		t.Fatal("still registered after Shutdown")
	}
}

func TestNotified(t *testing.T) {
	h := newHarness(t)
	c := h.connect("1005")
	body := "Messages-Waiting: yes\r\nVoice-Message: 2/5\r\n"
	if code := h.fake.notify("1005", "message-summary", "application/simple-message-summary", body); code != 200 {
		t.Fatalf("NOTIFY answered %d", code)
	}
	argsEqual(t, expect(t, c, "notified"), "message-summary", body)
	h.fake.notify("1005", "message-summary", "text/plain", "Replaced-By:<sip:1005@10.0.0.9>")
	argsEqual(t, expect(t, c, "notified"), "message-summary", "Replaced-By:<sip:1005@10.0.0.9>")
}

func TestBadRPCs(t *testing.T) {
	h := newHarness(t)
	c := h.connect("1005")
	for _, tc := range []struct {
		method string
		args   []any
	}{
		{"invite", nil},
		{"invite", []any{42.0}},
		{"invite", []any{"sip:1009@lab.test", "speex"}},
		{"invite", []any{"tel:+15551234"}},
		{"accept", nil},
		{"reject", []any{"486 Busy Here"}},
		{"sendDTMF", []any{"5"}},
		{"hold", []any{true}},
		{"hold", []any{"yes"}},
		{"transfer", []any{"sip:1003@lab.test"}},
	} {
		var ce *rtmp.CallError
		if err := rpcErr(c, tc.method, tc.args...); !errors.As(err, &ce) {
			t.Errorf("%s%v: %v, want _error", tc.method, tc.args, err)
		}
	}
	rpc(t, c, "bye") // nothing to hang up: a no-op
}

func TestRegisterRefresh(t *testing.T) {
	h := newHarness(t)
	h.fake.set(func(f *fakeSIP) { f.grant = 2 }) // refreshed every second
	h.connect("1005")
	authorized := func(r *sip.Request) bool {
		return headerValue(r, "Authorization") != "" && headerValue(r, "Expires") == "300"
	}
	first := h.fake.wait(sip.REGISTER, authorized)
	for range 2 {
		r := h.fake.wait(sip.REGISTER, authorized)
		if r.CallID().Value() != first.CallID().Value() || r.CSeq().SeqNo <= first.CSeq().SeqNo {
			t.Fatalf("refresh Call-ID %s CSeq %d after %s %d", r.CallID().Value(), r.CSeq().SeqNo, first.CallID().Value(), first.CSeq().SeqNo)
		}
	}
}
