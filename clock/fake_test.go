package clock

import (
	"testing"
	"time"
)

func TestFakeFiresWhatFellDueOnly(t *testing.T) {
	c := NewFake()
	start := c.Now()
	fired := make(chan string, 3)
	c.AfterFunc(time.Second, func() { fired <- "1s" })
	c.AfterFunc(3*time.Second, func() { fired <- "3s" })
	stopped := c.AfterFunc(2*time.Second, func() { fired <- "2s" })
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop reports true once, for a pending timer")
	}
	if n := c.Pending(); n != 2 {
		t.Fatalf("%d pending, want 2", n)
	}
	c.Advance(2 * time.Second)
	if got := <-fired; got != "1s" {
		t.Fatalf("fired %s", got)
	}
	if n := c.Pending(); n != 1 {
		t.Fatalf("%d pending after 2 s, want 1", n)
	}
	if d := c.Now().Sub(start); d != 2*time.Second {
		t.Fatalf("now moved %v", d)
	}
	c.Advance(time.Second)
	if got := <-fired; got != "3s" {
		t.Fatalf("fired %s", got)
	}
	c.Advance(time.Hour)
	select {
	case got := <-fired:
		t.Fatalf("%s fired again or after Stop", got)
	default:
	}
	if c.Pending() != 0 {
		t.Fatal("timers still pending")
	}
}

func TestRealAfterFunc(t *testing.T) {
	done := make(chan struct{})
	OrReal(nil).AfterFunc(time.Millisecond, func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the real clock's timer never fired")
	}
	if OrReal(NewFake()) == (Real{}) {
		t.Fatal("OrReal replaced a clock")
	}
}
