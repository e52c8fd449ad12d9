//go:build js && wasm

package main

import (
	"sync"

	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/media"
)

// warmup decides when the WebRTC registration's media.Warmer prepares
// the next call and when it lets go: it warms once registered and after
// each call, while the page is visible; it releases (microphone closed,
// spare peer connection dropped) on logout, on pagehide, and when the
// page goes to the background. A call that comes while nothing is warm
// starts as without warm-up.
type warmup struct {
	mu         sync.Mutex
	w          *media.Warmer // nil when not registered over WebRTC
	registered bool
	hidden     bool
	watch      *jsbridge.PageWatch
}

// start follows the page's visibility.
func (x *warmup) start() {
	x.hidden = jsbridge.PageHidden()
	watch, err := jsbridge.WatchVisibility(func(hidden bool) {
		go x.visibility(hidden) // not inside the JS event
	})
	if err == nil {
		x.watch = watch
	}
}

// use makes w the warmer of the new registration (nil: none), releasing
// the previous one.
func (x *warmup) use(w *media.Warmer) {
	x.mu.Lock()
	old := x.w
	x.w, x.registered = w, false
	x.mu.Unlock()
	if old != nil && old != w {
		old.Release()
	}
}

// warmer returns the warmer to act on, if warming is allowed now.
func (x *warmup) warmer() *media.Warmer {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.registered || x.hidden {
		return nil
	}
	return x.w
}

// connected: the registration is in force.
func (x *warmup) connected() {
	x.mu.Lock()
	x.registered = true
	x.mu.Unlock()
	if w := x.warmer(); w != nil {
		w.Warm()
	}
}

// callEnded prepares the next call.
func (x *warmup) callEnded() {
	if w := x.warmer(); w != nil {
		w.Warm()
	}
}

func (x *warmup) visibility(hidden bool) {
	x.mu.Lock()
	x.hidden = hidden
	w := x.w
	x.mu.Unlock()
	switch {
	case w == nil:
	case hidden:
		w.Release()
	default:
		x.callEnded()
	}
}

// stop stops following the page's visibility (a destroyed phone).
func (x *warmup) stop() {
	x.mu.Lock()
	watch := x.watch
	x.watch = nil
	x.mu.Unlock()
	if watch != nil {
		watch.Release()
	}
}

// release lets go of everything: logout, pagehide.
func (x *warmup) release() {
	x.mu.Lock()
	x.registered = false
	w := x.w
	x.mu.Unlock()
	if w != nil {
		w.Release()
	}
}

// microphoneChanged drops what was prepared with the previous microphone
// and prepares again with the one chosen now.
func (x *warmup) microphoneChanged() {
	x.mu.Lock()
	w := x.w
	x.mu.Unlock()
	if w == nil {
		return
	}
	w.Release()
	x.callEnded()
}
