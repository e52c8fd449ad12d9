//go:build !js

package relay

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// dialFrom opens a browser socket from a given loopback address
// (127.0.0.0/8 is all local on Linux), with extra request headers.
func (g *rig) dialFrom(local string, hdr http.Header) *client {
	g.t.Helper()
	if hdr == nil {
		hdr = http.Header{}
	}
	hdr.Set("Origin", origin)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	ws, _, err := websocket.Dial(context.Background(), g.url, &websocket.DialOptions{
		Subprotocols: []string{Subprotocol}, HTTPHeader: hdr, HTTPClient: hc,
	})
	if err != nil {
		g.t.Fatal(err)
	}
	return &client{t: g.t, ws: ws}
}

// helloOK sends a hello and waits for "connected".
func (c *client) helloOK(aor string) {
	c.t.Helper()
	c.send(hello(aor))
	c.expect("connected")
}

// refusedWith sends a hello (unless aor is empty) and expects the
// socket closed with reason.
func (c *client) refusedWith(aor, reason string) {
	c.t.Helper()
	if aor != "" {
		c.send(hello(aor))
	}
	if r := c.closed(); r != reason {
		c.t.Fatalf("closed with %q, want %q", r, reason)
	}
}

// leave closes a socket and waits until the relay counts n sessions.
func (g *rig) leave(c *client, n int) {
	g.t.Helper()
	_ = c.ws.Close(websocket.StatusNormalClosure, "")
	g.waitSessions(n)
}

// waitSessions waits until the relay counts n sessions (a socket's
// upgrade completes before the relay counts it).
func (g *rig) waitSessions(n int) {
	g.t.Helper()
	deadline := time.Now().Add(4 * wait) // a bound, not a pace: generous for a loaded machine
	for g.srv.Sessions() != n {
		if time.Now().After(deadline) {
			g.t.Fatalf("%d sessions, want %d", g.srv.Sessions(), n)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition
	}
}

func TestRelayCapsSessions(t *testing.T) {
	g := newRig(t, func(c *Config) { c.MaxSessions = 2; c.MaxPerAddr = -1 })
	a, _ := g.connected("1001@lab.test")
	quiet := g.dial(origin)   // no hello yet: it counts too
	defer quiet.ws.CloseNow() // held open: a collected client closes its socket
	g.waitSessions(2)
	g.dial(origin).refusedWith("", reasonTooMany)
	g.leave(a, 1)
	g.dialFrom("127.0.0.2", nil).helloOK("1002@lab.test") // a slot is free again
}

func TestRelayCapsSessionsPerAddress(t *testing.T) {
	g := newRig(t, func(c *Config) { c.MaxPerAddr = 2 })
	a, _ := g.connected("1001@lab.test")
	quiet := g.dial(origin)   // no hello yet: it counts too
	defer quiet.ws.CloseNow() // held open: a collected client closes its socket
	g.waitSessions(2)
	g.dial(origin).refusedWith("", reasonTooManyAddr)
	// Another address is not affected.
	other := g.dialFrom("127.0.0.2", nil)
	defer other.ws.CloseNow()
	other.helloOK("1002@lab.test")
	g.leave(a, 2)
	g.dial(origin).helloOK("1003@lab.test")
}

func TestRelayCapsSessionsPerAOR(t *testing.T) {
	g := newRig(t, func(c *Config) { c.MaxPerAOR = 2 })
	a, _ := g.connected("1001@lab.test")
	b, _ := g.connected("1001@lab.test")
	defer b.ws.CloseNow()
	g.dial(origin).refusedWith("1001@LAB.test", reasonTooManyAOR)
	other := g.dial(origin)
	defer other.ws.CloseNow()
	other.helloOK("1002@lab.test") // another account is not affected
	g.leave(a, 2)
	g.dial(origin).helloOK("1001@lab.test")
}

// Behind a trusted proxy the cap counts the client X-Forwarded-For
// names; a client cannot choose its bucket by sending the header itself.
func TestRelayCapsCountTheClientBehindATrustedProxy(t *testing.T) {
	g := newRig(t, func(c *Config) {
		c.MaxPerAddr = 1
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	xff := func(v string) http.Header { return http.Header{"X-Forwarded-For": []string{v}} }
	var held []*client // a collected client closes its socket
	defer func() {
		for _, c := range held {
			_ = c.ws.CloseNow()
		}
	}()
	ok := func(local, xffv, aor string) {
		c := g.dialFrom(local, xff(xffv))
		c.helloOK(aor)
		held = append(held, c)
	}
	ok("127.0.0.1", "198.51.100.7", "1001@lab.test")
	ok("127.0.0.1", "198.51.100.8", "1002@lab.test")
	g.dialFrom("127.0.0.1", xff("203.0.113.9, 198.51.100.7")).refusedWith("", reasonTooManyAddr)
	// Not a trusted proxy: its header is ignored, it counts as itself.
	ok("127.0.0.2", "198.51.100.9", "1003@lab.test")
	g.dialFrom("127.0.0.2", xff("198.51.100.10")).refusedWith("", reasonTooManyAddr)
}

func TestClientAddr(t *testing.T) {
	s := New(Config{TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128"),
	}})
	for _, tc := range []struct {
		peer string
		xff  []string
		key  string
	}{
		{"192.0.2.1:5000", nil, "192.0.2.1"},
		{"192.0.2.1:5000", []string{"198.51.100.1"}, "192.0.2.1"}, // not a proxy: ignored
		{"10.0.0.1:5000", nil, "10.0.0.1"},
		{"10.0.0.1:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"10.0.0.1:5000", []string{"203.0.113.5, 198.51.100.1, 10.0.0.2"}, "198.51.100.1"},
		{"10.0.0.1:5000", []string{"203.0.113.5", "198.51.100.1"}, "198.51.100.1"},
		{"10.0.0.1:5000", []string{"198.51.100.1, junk"}, "10.0.0.1"},
		{"10.0.0.1:5000", []string{"10.0.0.3"}, "10.0.0.3"}, // only proxies
		{"[::ffff:192.0.2.1]:5000", nil, "192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:5000", nil, "2001:db8:1:2::/64"},
		{"[::1]:5000", []string{"2001:db8:9:9::1"}, "2001:db8:9:9::/64"},
		{"not an address", nil, "unknown"},
	} {
		r := httptest.NewRequest("GET", "/v1", nil)
		r.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := addrKey(s.clientAddr(r)); got != tc.key {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", tc.peer, tc.xff, got, tc.key)
		}
	}
}
