//go:build !js

package relay

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"
)

// dialRecorder is a Dial for tests that records every gateway
// connection it opens; with a gate, each dial blocks until the gate is
// closed, whatever its context says (a gateway slow to answer).
type dialRecorder struct {
	gate    chan struct{} // nil: no wait
	entered chan struct{} // a dial started

	mu     sync.Mutex
	opened []*fakeUpstream
}

func newDialRecorder(gated bool) *dialRecorder {
	d := &dialRecorder{entered: make(chan struct{}, 64)}
	if gated {
		d.gate = make(chan struct{})
	}
	return d
}

func (d *dialRecorder) dial(ctx context.Context, url string, args ...any) (Upstream, error) {
	d.entered <- struct{}{}
	if d.gate != nil {
		<-d.gate
	}
	u := newFakeUpstream(args)
	d.mu.Lock()
	d.opened = append(d.opened, u)
	d.mu.Unlock()
	return u, nil
}

// allClosed fails the test unless every gateway connection opened is
// closed (within the wait).
func (d *dialRecorder) allClosed(t *testing.T) {
	t.Helper()
	d.mu.Lock()
	opened := append([]*fakeUpstream(nil), d.opened...)
	d.mu.Unlock()
	for i, u := range opened {
		select {
		case <-u.Done():
		case <-time.After(wait):
			t.Fatalf("gateway connection %d of %d was never closed", i+1, len(opened))
		}
	}
}

// waitNoSessions waits until the relay runs no session.
func waitNoSessions(t *testing.T, srv *Server) {
	t.Helper()
	deadline := time.Now().Add(2 * wait)
	for srv.Sessions() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions still running", srv.Sessions())
		}
		time.Sleep(5 * time.Millisecond) // polling a condition
	}
}

// A hello that arrives as the hello timer fires: the relay's close frame
// is on its way, yet its Read still returns the hello (a browser that
// sent it before the close frame reached it). That session must not
// open a gateway connection that nobody closes.
func TestRelayHelloAtTheTimeoutEdge(t *testing.T) {
	d := newDialRecorder(false)
	g := newRig(t, func(c *Config) { c.HelloTimeout = 50 * time.Millisecond; c.Dial = d.dial })
	for i := 0; i < 3; i++ {
		c := rawDial(t, g.url, origin)
		if r := c.closeReason(); r != "no hello in time" {
			t.Fatalf("closed with %q", r)
		}
		// The browser's hello crosses the close frame; it never answers
		// the close.
		b, _ := json.Marshal(hello("1001@lab.test"))
		if err := c.writeFrame(opText, b); err != nil {
			t.Fatal(err)
		}
	}
	waitNoSessions(t, g.srv)
	d.allClosed(t)
}

// Shutdown while a session dials a gateway that answers late: the
// gateway connection that arrives after the session stopped is closed.
func TestRelayShutdownDuringADial(t *testing.T) {
	d := newDialRecorder(true)
	g := newRig(t, func(c *Config) { c.Dial = d.dial })
	c := g.dial(origin)
	c.send(hello("1001@lab.test"))
	select {
	case <-d.entered:
	case <-time.After(wait):
		t.Fatal("no dial")
	}
	shut := make(chan struct{})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*wait)
		defer cancel()
		g.srv.Shutdown(ctx)
		close(shut)
	}()
	if r := c.closed(); r != "relay shutting down" {
		t.Fatalf("closed with %q", r)
	}
	close(d.gate) // the gateway answers now
	select {
	case <-shut:
	case <-time.After(2 * wait):
		t.Fatal("Shutdown did not return")
	}
	if n := g.srv.Sessions(); n != 0 {
		t.Fatalf("%d sessions after shutdown", n)
	}
	d.mu.Lock()
	n := len(d.opened)
	d.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d gateway connections opened, want 1", n)
	}
	d.allClosed(t)
}
