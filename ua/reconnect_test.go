package ua

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/clock"
	"github.com/kazoo-softphone/kazoo/internal/siptest"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

// notes collects Notified events.
type notes struct {
	mu  sync.Mutex
	all []phone.Notification
	ch  chan phone.Notification
}

func newNotes() *notes { return &notes{ch: make(chan phone.Notification, 20)} }

func (n *notes) add(x phone.Notification) {
	n.mu.Lock()
	n.all = append(n.all, x)
	n.mu.Unlock()
	n.ch <- x
}

func (n *notes) next(t *testing.T) phone.Notification {
	t.Helper()
	return recv(t, n.ch, "notification")
}

func (n *notes) count(key string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := 0
	for _, x := range n.all {
		if x.Key == key {
			c++
		}
	}
	return c
}

// downDialer dials for real unless down is set, when it fails as a
// closed port would.
type downDialer struct{ down atomic.Bool }

func (d *downDialer) dial(ctx context.Context, url string) (Transport, error) {
	if d.down.Load() {
		return nil, &sip.DialError{URL: url, Reason: "the connection was refused", Err: net.ErrClosed}
	}
	return sip.DialWS(ctx, url, nil)
}

type reconnectRig struct {
	u     *UserAgent
	clock *clock.Fake
	rec   *recorder
	notes *notes
	dial  *downDialer
	reg   *siptest.Registrar
}

func newReconnectRig(t *testing.T, tweak func(*Options)) *reconnectRig {
	t.Helper()
	g := &reconnectRig{clock: clock.NewFake(), rec: newRecorder(), notes: newNotes(), dial: &downDialer{}, reg: newRegistrar(t)}
	g.u = New(Config{Clock: g.clock, WakeCheck: -1, Dial: g.dial.dial})
	o := options(g.reg, "1001", "pw-1001")
	o.KeepaliveInterval = -1
	if tweak != nil {
		tweak(&o)
	}
	ev := g.rec.events()
	ev.Notified = g.notes.add
	if err := g.u.Register(context.Background(), o, ev); err != nil {
		t.Fatal(err)
	}
	g.reg.Next(t, wait)
	g.reg.Next(t, wait)
	t.Cleanup(func() { g.u.Logout(context.Background()) })
	return g
}

func TestReconnectAfterTheServerDropsUs(t *testing.T) {
	g := newReconnectRig(t, nil)
	g.reg.DropConnections()
	if e := g.rec.nextError(t); e.Key != phone.KeyDisconnected {
		t.Fatalf("error %v", e)
	}
	waitPending(t, g.clock, 1) // the first attempt waits the reconnect delay
	g.clock.Advance(phone.DefaultReconnectDelay - time.Millisecond)
	g.reg.NoRequest(t, 50*time.Millisecond)
	g.clock.Advance(time.Millisecond)
	n := g.notes.next(t)
	if n.Key != phone.NotifyReconnecting || n.Fields["attempt"] != 1 {
		t.Fatalf("notification %+v", n)
	}
	g.reg.Next(t, wait) // REGISTER on the new connection (the old nonce: 401)
	deadline := time.Now().Add(wait)
	for !g.u.Registered() {
		if time.Now().After(deadline) {
			t.Fatal("not registered again")
		}
		time.Sleep(time.Millisecond)
	}
	if g.rec.connectedCount() != 2 {
		t.Fatalf("onConnected %d times, want 2", g.rec.connectedCount())
	}
	if len(g.reg.Bindings("1001")) != 1 {
		t.Fatalf("bindings %v", g.reg.Bindings("1001"))
	}
}

func TestReconnectStopsAfterMaxAttempts(t *testing.T) {
	g := newReconnectRig(t, func(o *Options) { o.ReconnectMaxAttempts = 2; o.ReconnectDelay = 1500 * time.Millisecond })
	g.dial.down.Store(true)
	g.reg.DropConnections()
	g.rec.nextError(t) // disconnected
	for attempt := 1; attempt <= 2; attempt++ {
		waitPending(t, g.clock, 1)
		g.clock.Advance(1500 * time.Millisecond)
		if n := g.notes.next(t); n.Fields["attempt"] != attempt {
			t.Fatalf("notification %+v", n)
		}
	}
	if e := g.rec.nextError(t); e.Key != phone.KeyServerNotReachable {
		t.Fatalf("final error %v", e)
	}
	waitPending(t, g.clock, 0)
	g.clock.Advance(time.Minute)
	g.rec.noError(t, 50*time.Millisecond)
	if c := g.notes.count(phone.NotifyReconnecting); c != 2 {
		t.Fatalf("%d attempts, want exactly 2", c)
	}
	// reconnect() still works by hand once the server is back.
	g.dial.down.Store(false)
	g.u.Reconnect()
	g.notes.next(t)
	deadline := time.Now().Add(wait)
	for !g.u.Registered() {
		if time.Now().After(deadline) {
			t.Fatal("manual reconnect did not register")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestReconnectDelayHasAFloorAndStopAutoReconnectStops(t *testing.T) {
	g := newReconnectRig(t, func(o *Options) { o.ReconnectDelay = 10 * time.Millisecond })
	g.dial.down.Store(true)
	g.reg.DropConnections()
	g.rec.nextError(t)
	waitPending(t, g.clock, 1)
	g.clock.Advance(999 * time.Millisecond)
	select {
	case n := <-g.notes.ch:
		t.Fatalf("attempt before the 1 s floor: %+v", n)
	case <-time.After(50 * time.Millisecond):
	}
	g.clock.Advance(time.Millisecond)
	g.notes.next(t)
	waitPending(t, g.clock, 1)
	g.u.StopAutoReconnect()
	waitPending(t, g.clock, 0)
}

func TestKeepaliveDetectsADeadServer(t *testing.T) {
	g := newReconnectRig(t, func(o *Options) {
		o.KeepaliveInterval = 25 * time.Second
		o.ReconnectOff = true
	})
	until := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(wait)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("no %s", what)
			}
			time.Sleep(time.Millisecond) // polling a condition, not timing
		}
	}
	// A server that answers: nothing happens.
	g.clock.Advance(25 * time.Second)
	until("ping", func() bool { return g.reg.Pings() == 1 })
	until("pong", func() bool { return g.u.registration().cur().tr.Pongs() == 1 })
	g.clock.Advance(DefaultKeepaliveTimeout)
	g.rec.noError(t, 50*time.Millisecond)
	// A server that stops answering: the link is dropped after the timeout.
	g.reg.SetNoPong(true)
	g.clock.Advance(25 * time.Second)
	until("second ping", func() bool { return g.reg.Pings() == 2 })
	g.clock.Advance(DefaultKeepaliveTimeout)
	if e := g.rec.nextError(t); e.Key != phone.KeyDisconnected {
		t.Fatalf("error %v", e)
	}
}

func TestWakeFromSleepRefreshesAtOnce(t *testing.T) {
	reg := newRegistrar(t)
	reg.SetGrant(3600) // the refresh is due after 30 min, not during the test
	clock := clock.NewFake()
	u := New(Config{Clock: clock})
	o := options(reg, "1001", "pw-1001")
	o.KeepaliveInterval = -1
	if err := u.Register(context.Background(), o, Events{}); err != nil {
		t.Fatal(err)
	}
	defer u.Logout(context.Background())
	reg.Next(t, wait)
	reg.Next(t, wait)
	clock.Advance(wakeCheckInterval)
	reg.NoRequest(t, 50*time.Millisecond)
	clock.Advance(5 * time.Minute) // the machine slept: no timer ran
	if req := reg.Next(t, wait); req.Method != "REGISTER" {
		t.Fatalf("sent %s after waking", req.Method)
	}
}
