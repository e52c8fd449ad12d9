//go:build js && wasm

package media

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/ua"
)

// spareMaxAge is how long a prepared session is trusted: its candidates
// name the addresses of the moment it was made, and networks change.
const spareMaxAge = 10 * time.Minute

// warmTimeout bounds preparing a spare session (getUserMedia included).
const warmTimeout = 20 * time.Second

// Warmer keeps the next call's media ready while the phone is
// registered, as Config.Warmup says: a spare session whose peer
// connection has gathered its ICE candidates ahead (and, with
// WarmupFull, the microphone open), so that an outgoing call's offer and
// an incoming call's answer take a few milliseconds instead of waiting
// for getUserMedia and ICE gathering.
//
// The spare holds no offer: a prepared local offer would have to be
// rolled back for an incoming call, which drops its transport and its
// candidates; a peer connection with a candidate pool serves both
// directions.
//
// Warm prepares a spare (in the background) and Release drops it and
// closes the microphone; the owner calls Warm once registered and after
// each call, and Release on logout and when the page is hidden.
type Warmer struct {
	cfg Config

	mu      sync.Mutex
	gen     int      // counts Releases: a warm-up from before one is dropped
	spare   *Session // ready for the next call, or nil
	born    time.Time
	warming chan struct{}        // closed when the warm-up in progress ends; nil when none
	active  bool                 // Warm was called since the last Release
	mic     *jsbridge.Microphone // WarmupFull while active: kept open, calls get clones

	micMu sync.Mutex // serialises opening the shared microphone
}

// NewWarmer returns a warmer preparing what cfg.Warmup says.
func NewWarmer(cfg Config) *Warmer {
	if cfg.Warmup == "" {
		cfg.Warmup = WarmupNone
	}
	return &Warmer{cfg: cfg}
}

// Factory returns the ua.MediaFactory of the calls: it hands out the
// spare session when there is one, and makes a session as NewFactory
// does otherwise.
func (w *Warmer) Factory() ua.MediaFactory {
	return func(ctx context.Context, ev ua.MediaEvents) (ua.Media, error) {
		// A call right after register (or after the last call) finds the
		// warm-up under way: it already does what the call would, and
		// started earlier, so wait for it rather than start again.
		w.mu.Lock()
		warming := w.warming
		w.mu.Unlock()
		if warming != nil {
			select {
			case <-warming:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if s := w.take(); s != nil {
			if err := s.playRemote(); err != nil {
				s.Close()
				return nil, fmt.Errorf("media: %w", err)
			}
			if s.microphone() == nil {
				mic, err := w.microphone(ctx)
				if err != nil {
					s.Close()
					return nil, err
				}
				s.setMicrophone(mic)
			}
			s.bind(ev)
			return s, nil
		}
		mic, err := w.microphone(ctx)
		if err != nil {
			return nil, err
		}
		s, err := newSession(w.cfg, mic, false)
		if err != nil {
			return nil, err
		}
		s.bind(ev)
		return s, nil
	}
}

// take returns the spare if it is fresh, and forgets it.
func (w *Warmer) take() *Session {
	w.mu.Lock()
	s, born := w.spare, w.born
	w.spare = nil
	w.mu.Unlock()
	if s != nil && time.Since(born) > spareMaxAge {
		s.Close()
		return nil
	}
	return s
}

// microphone is a call's microphone: a clone of the shared one with
// WarmupFull while warm (opened first if needed), a stream of its own
// otherwise, which the call stops when it ends.
func (w *Warmer) microphone(ctx context.Context) (*jsbridge.Microphone, error) {
	w.mu.Lock()
	shared := w.cfg.Warmup == WarmupFull && w.active
	w.mu.Unlock()
	if !shared {
		return openChosen(ctx, w.cfg)
	}
	w.micMu.Lock()
	defer w.micMu.Unlock()
	w.mu.Lock()
	mic, gen := w.mic, w.gen
	w.mu.Unlock()
	if mic == nil || !mic.Live() {
		if mic != nil {
			mic.Stop()
		}
		var err error
		if mic, err = openChosen(ctx, w.cfg); err != nil {
			return nil, err
		}
		w.mu.Lock()
		kept := gen == w.gen
		if kept {
			w.mic = mic
		}
		w.mu.Unlock()
		if !kept {
			// Released meanwhile: this call owns the stream alone.
			return mic, nil
		}
	}
	c, err := mic.Clone()
	if err != nil {
		return openChosen(ctx, w.cfg)
	}
	return c, nil
}

// Warm prepares a spare session in the background, unless there is one
// or one is being made. With WarmupNone it does nothing.
func (w *Warmer) Warm() {
	if w.cfg.Warmup == WarmupNone {
		return
	}
	w.mu.Lock()
	w.active = true
	if w.warming != nil || (w.spare != nil && time.Since(w.born) < spareMaxAge) {
		w.mu.Unlock()
		return
	}
	done := make(chan struct{})
	w.warming = done
	gen := w.gen
	w.mu.Unlock()
	go func() {
		defer close(done)
		s := w.prepare()
		w.mu.Lock()
		w.warming = nil
		var drop *Session
		if s != nil && gen == w.gen {
			drop, w.spare, w.born = w.spare, s, time.Now()
		} else {
			drop = s
		}
		w.mu.Unlock()
		if drop != nil {
			drop.Close()
		}
	}()
}

// prepare makes a spare session; nil when the browser refused (the call
// will then ask again, and report the error).
func (w *Warmer) prepare() *Session {
	ctx, cancel := context.WithTimeout(context.Background(), warmTimeout)
	defer cancel()
	var mic *jsbridge.Microphone
	if w.cfg.Warmup == WarmupFull {
		var err error
		if mic, err = w.microphone(ctx); err != nil {
			return nil
		}
	}
	s, err := newSession(w.cfg, mic, true)
	if err != nil {
		return nil
	}
	return s
}

// Release closes the spare session and the shared microphone (the
// recording indicator goes off). Calls in progress keep their own
// streams. Warm starts again.
func (w *Warmer) Release() {
	w.mu.Lock()
	w.gen++
	w.active = false
	s, mic := w.spare, w.mic
	w.spare, w.mic = nil, nil
	w.mu.Unlock()
	if s != nil {
		s.Close()
	}
	if mic != nil {
		mic.Stop()
	}
}
