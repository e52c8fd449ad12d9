package reconnect

import (
	"sync"
	"time"

	"github.com/kazoo-softphone/kazoo/clock"
)

// Config is what a Loop does.
type Config struct {
	// Clock gives the timers; the system clock when nil.
	Clock clock.Clock
	// Delay is the time before the first attempt and between attempts.
	Delay time.Duration
	// MaxDelay, when above Delay, makes each delay twice the previous one
	// up to MaxDelay; otherwise every delay is Delay.
	MaxDelay time.Duration
	// Max bounds the attempts of one run of the loop; 0 or less: no limit.
	Max int
	// Wanted, when set, is asked before each attempt: false ends the loop
	// without an attempt (the engine is closing, or connected another
	// way).
	Wanted func() bool
	// Attempt makes attempt n (1, 2, … in one run of the loop): nil means
	// connected, and the loop ends.
	Attempt func(n int) error
	// GaveUp, when set, is told the last error after Max attempts failed.
	GaveUp func(n int, err error)
}

// Loop is one connection's reconnect loop. Its methods may be called
// while the caller holds its own lock: the loop never calls back with its
// own lock held, and calls Wanted, Attempt and GaveUp on a timer's or its
// own goroutine.
type Loop struct {
	cfg Config

	mu      sync.Mutex
	active  bool          // a run is in progress
	attempt int           // attempts made by this run
	next    time.Duration // the delay before the next scheduled attempt
	timer   clock.Timer   // the scheduled attempt, if any
}

// New makes a stopped loop.
func New(cfg Config) *Loop {
	cfg.Clock = clock.OrReal(cfg.Clock)
	return &Loop{cfg: cfg}
}

// Start starts a run (attempt 1 after Delay) unless one is in progress;
// it reports whether it started one.
func (l *Loop) Start() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.active {
		return false
	}
	l.active, l.attempt, l.next = true, 0, l.cfg.Delay
	l.schedule()
	return true
}

// Stop ends the run: the scheduled attempt is cancelled, and an attempt
// in progress is the last (its failure is not retried nor reported).
func (l *Loop) Stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stop()
}

// Now makes an attempt at once, in place of the scheduled one, and goes
// on as a run from there. The attempts keep counting from the last run's
// (only Start counts from 1 again).
func (l *Loop) Now() {
	l.mu.Lock()
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	if !l.active {
		l.active, l.next = true, l.cfg.Delay
	}
	l.mu.Unlock()
	go l.run()
}

// Active reports whether a run is in progress.
func (l *Loop) Active() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.active
}

// stop ends the run; l.mu is held.
func (l *Loop) stop() {
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.active = false
}

// schedule arms the next attempt and grows the delay after it; l.mu is
// held.
func (l *Loop) schedule() {
	l.timer = l.cfg.Clock.AfterFunc(l.next, l.run)
	if l.cfg.MaxDelay > l.cfg.Delay {
		l.next = min(2*l.next, l.cfg.MaxDelay)
	}
}

// run is one attempt of the run in progress.
func (l *Loop) run() {
	if !l.Active() {
		return
	}
	if l.cfg.Wanted != nil && !l.cfg.Wanted() {
		l.Stop()
		return
	}
	l.mu.Lock()
	if !l.active {
		l.mu.Unlock()
		return
	}
	l.attempt++
	n := l.attempt
	l.timer = nil
	l.mu.Unlock()

	err := l.cfg.Attempt(n)

	l.mu.Lock()
	if !l.active {
		l.mu.Unlock()
		return
	}
	switch {
	case err == nil:
		l.stop()
	case l.cfg.Max > 0 && n >= l.cfg.Max:
		l.stop()
		l.mu.Unlock()
		if l.cfg.GaveUp != nil {
			l.cfg.GaveUp(n, err)
		}
		return
	default:
		l.schedule()
	}
	l.mu.Unlock()
}
