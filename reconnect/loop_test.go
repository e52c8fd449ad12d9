package reconnect

import (
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kazoo-softphone/kazoo/clock"
)

const wait = 5 * time.Second

var errDown = errors.New("down")

// armClock is a fake clock that reports the delay of every timer armed.
type armClock struct {
	*clock.Fake
	armed chan time.Duration
}

func (c armClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	t := c.Fake.AfterFunc(d, f)
	c.armed <- d
	return t
}

// rig is a loop on a fake clock whose attempts fail unless told
// otherwise, reporting each attempt's number.
type rig struct {
	clock    armClock
	attempts chan int
	gaveUp   chan error
	mu       sync.Mutex
	succeed  int // the attempt that succeeds; 0: none
	l        *Loop
}

func newRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	g := &rig{clock: armClock{clock.NewFake(), make(chan time.Duration, 16)}, attempts: make(chan int, 16), gaveUp: make(chan error, 1)}
	cfg.Clock = g.clock
	cfg.Attempt = func(n int) error {
		g.attempts <- n
		g.mu.Lock()
		defer g.mu.Unlock()
		if n == g.succeed {
			return nil
		}
		return errDown
	}
	cfg.GaveUp = func(n int, err error) { g.gaveUp <- err }
	g.l = New(cfg)
	t.Cleanup(g.l.Stop)
	return g
}

// armed waits for the next timer armed and returns its delay.
func (g *rig) armed(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-g.clock.armed:
		return d
	case <-time.After(wait):
		t.Fatal("no attempt was scheduled")
		return 0
	}
}

// attempt waits for the next attempt and returns its number.
func (g *rig) attempt(t *testing.T) int {
	t.Helper()
	select {
	case n := <-g.attempts:
		return n
	case <-time.After(wait):
		t.Fatal("no attempt was made")
		return 0
	}
}

// delays starts the loop and returns the delays of its first n timers,
// each attempt failing.
func (g *rig) delays(t *testing.T, n int) []time.Duration {
	t.Helper()
	if !g.l.Start() {
		t.Fatal("Start did not start the loop")
	}
	var got []time.Duration
	for i := 1; i <= n; i++ {
		d := g.armed(t)
		got = append(got, d)
		g.clock.Advance(d)
		if a := g.attempt(t); a != i {
			t.Fatalf("attempt %d, want %d", a, i)
		}
	}
	return got
}

func same(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDelayIsConstantByDefault(t *testing.T) {
	g := newRig(t, Config{Delay: 5 * time.Second})
	want := []time.Duration{5 * time.Second, 5 * time.Second, 5 * time.Second, 5 * time.Second}
	if got := g.delays(t, 4); !same(got, want) {
		t.Fatalf("delays %v, want %v", got, want)
	}
}

func TestDelaysGrowAndCap(t *testing.T) {
	g := newRig(t, Config{Delay: time.Second, MaxDelay: 5 * time.Second})
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	if got := g.delays(t, 5); !same(got, want) {
		t.Fatalf("delays %v, want %v", got, want)
	}
	// A new run starts from Delay again.
	g.armed(t)
	g.l.Stop()
	g.l.Start()
	if d := g.armed(t); d != time.Second {
		t.Fatalf("a new run waits %v first", d)
	}
}

func TestNoAttemptBeforeTheDelay(t *testing.T) {
	g := newRig(t, Config{Delay: 5 * time.Second})
	g.l.Start()
	g.armed(t)
	g.clock.Advance(5*time.Second - time.Millisecond)
	if g.clock.Pending() != 1 {
		t.Fatal("the attempt fired before its delay")
	}
	g.clock.Advance(time.Millisecond)
	if n := g.attempt(t); n != 1 {
		t.Fatalf("attempt %d", n)
	}
}

func TestSuccessEndsTheRun(t *testing.T) {
	g := newRig(t, Config{Delay: time.Second})
	g.succeed = 2
	g.delays(t, 2)
	waitInactive(t, g.l)
	if g.clock.Pending() != 0 {
		t.Fatal("an attempt is still scheduled after connecting")
	}
	// A later loss starts a new run, counting from 1.
	if !g.l.Start() {
		t.Fatal("Start after success did not start")
	}
	g.clock.Advance(g.armed(t))
	if n := g.attempt(t); n != 1 {
		t.Fatalf("the new run's first attempt is %d", n)
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	g := newRig(t, Config{Delay: time.Second, Max: 3})
	g.delays(t, 3)
	select {
	case err := <-g.gaveUp:
		if !errors.Is(err, errDown) {
			t.Fatalf("gave up with %v", err)
		}
	case <-time.After(wait):
		t.Fatal("GaveUp was not called after the third failure")
	}
	if g.l.Active() || g.clock.Pending() != 0 {
		t.Fatal("the loop goes on after giving up")
	}
}

func TestStartWhileRunningDoesNothing(t *testing.T) {
	g := newRig(t, Config{Delay: time.Second})
	if !g.l.Start() || g.l.Start() {
		t.Fatal("Start: true once, then false while running")
	}
	g.armed(t)
	if g.clock.Pending() != 1 {
		t.Fatalf("%d attempts scheduled", g.clock.Pending())
	}
}

func TestStopStops(t *testing.T) {
	g := newRig(t, Config{Delay: time.Second, Max: 2})
	g.l.Start()
	g.armed(t)
	g.l.Stop()
	if g.l.Active() || g.clock.Pending() != 0 {
		t.Fatal("the scheduled attempt survived Stop")
	}
	g.clock.Advance(time.Hour)
	select {
	case n := <-g.attempts:
		t.Fatalf("attempt %d after Stop", n)
	default:
	}

	// Stop during an attempt: its failure is neither retried nor
	// reported (Max is 2, and this is attempt 2).
	started, block := make(chan struct{}), make(chan struct{})
	h := newRig(t, Config{Delay: time.Second, Max: 2})
	attempt := h.l.cfg.Attempt
	h.l.cfg.Attempt = func(n int) error {
		if n == 2 {
			close(started)
			<-block
		}
		return attempt(n)
	}
	h.delays(t, 1)
	h.clock.Advance(h.armed(t))
	select {
	case <-started:
	case <-time.After(wait):
		t.Fatal("attempt 2 did not start")
	}
	h.l.Stop()
	close(block)
	if n := h.attempt(t); n != 2 {
		t.Fatalf("attempt %d", n)
	}
	waitInactive(t, h.l)
	select {
	case d := <-h.clock.armed:
		t.Fatalf("an attempt was scheduled (%v) after Stop", d)
	case err := <-h.gaveUp:
		t.Fatalf("GaveUp(%v) after Stop", err)
	default:
	}
}

func TestNowAttemptsAtOnce(t *testing.T) {
	g := newRig(t, Config{Delay: 5 * time.Second})
	// Not running: Now makes an attempt without waiting, then goes on.
	g.l.Now()
	if n := g.attempt(t); n != 1 {
		t.Fatalf("attempt %d", n)
	}
	if d := g.armed(t); d != 5*time.Second || !g.l.Active() {
		t.Fatalf("after a failed Now: next in %v, active %v", d, g.l.Active())
	}
	// Running: Now replaces the scheduled attempt and keeps counting.
	g.l.Now()
	if n := g.attempt(t); n != 2 {
		t.Fatalf("attempt %d", n)
	}
	g.armed(t)
	if p := g.clock.Pending(); p != 1 {
		t.Fatalf("%d attempts scheduled, want 1", p)
	}
}

func TestUnwantedAttemptEndsTheRun(t *testing.T) {
	var mu sync.Mutex
	wanted := true
	g := newRig(t, Config{Delay: time.Second, Wanted: func() bool { mu.Lock(); defer mu.Unlock(); return wanted }})
	g.delays(t, 1)
	mu.Lock()
	wanted = false
	mu.Unlock()
	g.clock.Advance(g.armed(t))
	waitInactive(t, g.l)
	select {
	case n := <-g.attempts:
		t.Fatalf("attempt %d while not wanted", n)
	default:
	}
}

// On the system clock (synctest's bubble time): once stopped, the loop
// leaves no goroutine or timer behind — synctest.Test fails if a
// goroutine of the bubble is left blocked, and never returns while a
// timer keeps rearming.
func TestNoGoroutineLeftAfterStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		attempts := 0
		l := New(Config{Delay: time.Second, Attempt: func(int) error {
			mu.Lock()
			defer mu.Unlock()
			attempts++
			return errDown
		}})
		l.Start()
		time.Sleep(2500 * time.Millisecond)
		l.Now()
		synctest.Wait()
		l.Stop()
		mu.Lock()
		n := attempts
		mu.Unlock()
		if n != 3 {
			t.Fatalf("%d attempts in 2.5 s and a Now, want 3", n)
		}
		time.Sleep(time.Hour)
		mu.Lock()
		defer mu.Unlock()
		if attempts != n {
			t.Fatalf("%d attempts after Stop", attempts-n)
		}
	})
}

// waitInactive waits until the loop's run is over (the attempt's
// goroutine finishes after reporting the attempt).
func waitInactive(t *testing.T, l *Loop) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for l.Active() {
		if time.Now().After(deadline) {
			t.Fatal("the loop is still running")
		}
		time.Sleep(time.Millisecond) // polling the loop's state, not timing
	}
}
