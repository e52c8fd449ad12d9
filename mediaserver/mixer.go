//go:build !js

package mediaserver

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Mixer is a server-side conference of IVR legs: every 20 ms each
// member is sent the sum of what the other members said (not its own
// audio), clipped to 16 bits. A bridge of two calls is a mixer of two.
// While an IVR is in a mixer the mixer sends its frames: a Play of that
// member goes on and is mixed into what that member alone hears (a
// prompt to one participant), and its DTMF and Record work as before.
// Each member's audio passes through a jitter buffer of 40 to 160 ms.
// It is safe for concurrent use.
type Mixer struct {
	s   *Server
	log *slog.Logger

	mu      sync.Mutex
	closed  bool
	members atomic.Pointer[[]*IVR]

	stop, done chan struct{}
	once       sync.Once
}

// mixerCloser lets the server close its mixers.
type mixerCloser struct{ m *Mixer }

func (c mixerCloser) Close() error {
	c.m.Close()
	return nil
}

// NewMixer starts an empty mixer. After the server's Close it returns
// a closed mixer (Add fails with ErrClosed).
func (s *Server) NewMixer() *Mixer {
	m := &Mixer{s: s, log: s.log.With("mixer", random32()), stop: make(chan struct{}), done: make(chan struct{})}
	m.members.Store(&[]*IVR{})
	if err := s.track(mixerCloser{m}); err != nil {
		m.closed = true
		close(m.done)
		m.once.Do(func() { close(m.stop) })
		return m
	}
	go m.run()
	return m
}

// Add makes v a member. An IVR is in one mixer at a time (ErrState);
// a closed IVR or mixer gives ErrClosed.
func (m *Mixer) Add(v *IVR) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	if v.dead.Load() {
		m.mu.Unlock()
		return ErrClosed
	}
	if !v.mixer.CompareAndSwap(nil, m) {
		m.mu.Unlock()
		if v.mixer.Load() == m {
			return nil
		}
		return fmt.Errorf("%w: the IVR is in another mixer", ErrState)
	}
	v.in.reset()
	l := append(slices.Clone(*m.members.Load()), v)
	m.members.Store(&l)
	n := len(l)
	m.mu.Unlock()
	if v.dead.Load() { // closed meanwhile: its Close may have missed us
		m.Remove(v)
		return ErrClosed
	}
	m.log.Debug("mixer: member added", "members", n)
	return nil
}

// Remove takes v out of the mixer; it then sends its own frames again
// (its Play, or silence). Removing a non-member does nothing.
func (m *Mixer) Remove(v *IVR) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := *m.members.Load()
	i := slices.Index(l, v)
	if i < 0 {
		return
	}
	l = slices.Delete(slices.Clone(l), i, i+1)
	m.members.Store(&l)
	v.mixer.CompareAndSwap(m, nil)
	m.log.Debug("mixer: member removed", "members", len(l))
}

// Close removes every member and stops the mixer.
func (m *Mixer) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	for _, v := range *m.members.Load() {
		v.mixer.CompareAndSwap(m, nil)
	}
	m.members.Store(&[]*IVR{})
	m.mu.Unlock()
	m.once.Do(func() { close(m.stop) })
	<-m.done
	m.s.untrack(mixerCloser{m})
	m.log.Debug("mixer closed")
}

// run mixes a frame every 20 ms.
func (m *Mixer) run() {
	defer close(m.done)
	var in [][frameTicks]int16
	paced(m.stop, func() { in = m.mix(in) }, func(int64) {})
}

// mix sends one frame to each member; in is reused between calls.
func (m *Mixer) mix(in [][frameTicks]int16) [][frameTicks]int16 {
	members := *m.members.Load()
	if len(members) == 0 {
		return in
	}
	in = slices.Grow(in[:0], len(members))[:len(members)]
	var sum [frameTicks]int32
	for i, v := range members {
		if !v.in.pop(&in[i]) {
			in[i] = [frameTicks]int16{}
			continue
		}
		for j, s := range in[i] {
			sum[j] += int32(s)
		}
	}
	now := time.Now()
	var out [frameTicks]int32
	for i, v := range members {
		if v.mixer.Load() != m {
			continue // removed meanwhile
		}
		for j := range out {
			out[j] = sum[j] - int32(in[i][j])
		}
		v.sendFrame(&out, now)
	}
	return in
}
