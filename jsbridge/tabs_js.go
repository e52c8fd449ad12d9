//go:build js && wasm

package jsbridge

import (
	"errors"
	"sync"

	"github.com/hack-pad/safejs"
)

// HasTabSharing reports whether the page has what the tabs of one
// browser need to share a registration: BroadcastChannel and Web Locks
// (navigator.locks, secure contexts only).
func HasTabSharing() bool {
	bc, err := safejs.Global().Get("BroadcastChannel")
	if err != nil || bc.Type() != safejs.TypeFunction {
		return false
	}
	locks, err := global("navigator", "locks")
	return err == nil && locks.Type() == safejs.TypeObject
}

// TabChannel is a BroadcastChannel carrying text between the pages of
// one origin: a message posted reaches every other page that opened a
// channel of the same name (never the sender), in the order posted.
type TabChannel struct {
	ch safejs.Value
	l  listeners
}

// OpenTabChannel opens the channel name; onMessage gets each message's
// text (messages that are not strings are dropped). onMessage runs
// inside the JS event and must not block.
func OpenTabChannel(name string, onMessage func(text string)) (*TabChannel, error) {
	ctor, err := safejs.Global().Get("BroadcastChannel")
	if err != nil || ctor.Type() != safejs.TypeFunction {
		return nil, errors.New("jsbridge: this browser has no BroadcastChannel")
	}
	ch, err := ctor.New(name)
	if err != nil {
		return nil, err
	}
	c := &TabChannel{ch: ch}
	err = c.l.add(ch, "message", func(ev safejs.Value) {
		data, err := ev.Get("data")
		if err != nil || data.Type() != safejs.TypeString {
			return
		}
		s, err := data.String()
		if err == nil {
			onMessage(s)
		}
	})
	if err != nil {
		_, _ = ch.Call("close")
		return nil, err
	}
	return c, nil
}

// Post sends text to the other pages on the channel.
func (c *TabChannel) Post(text string) error {
	_, err := c.ch.Call("postMessage", text)
	return err
}

// Close closes the channel and releases its listener. It is safe to call
// more than once.
func (c *TabChannel) Close() {
	c.l.release()
	_, _ = c.ch.Call("close")
}

// TabLock is a request for an exclusive Web Lock: the browser grants the
// lock of a name to one page of the origin at a time, and takes it back
// when that page goes away (closed, reloaded, crashed).
type TabLock struct {
	mu          sync.Mutex
	granted     safejs.Func  // the request's callback
	hasGranted  bool         // granted is not released yet
	executor    safejs.Func  // the held promise's executor
	hasExecutor bool         // executor is not released yet
	resolve     safejs.Value // settles the held promise: releases the lock
	abort       safejs.Value // the AbortController of a pending request
	done        bool
}

// RequestTabLock asks for the lock name; onGranted runs on its own
// goroutine once this page holds it, which it does until Release or the
// page goes away. A request not yet granted waits in the browser's queue.
func RequestTabLock(name string, onGranted func()) (*TabLock, error) {
	locks, err := global("navigator", "locks")
	if err != nil {
		return nil, errors.New("jsbridge: this browser has no Web Locks (navigator.locks)")
	}
	l := &TabLock{}
	if ctor, err := safejs.Global().Get("AbortController"); err == nil && ctor.Type() == safejs.TypeFunction {
		if ac, err := ctor.New(); err == nil {
			l.abort = ac
		}
	}
	// The callback returns a promise that stays pending until Release
	// settles it: the browser holds the lock as long as it is pending.
	l.granted, err = funcOf(func(_ safejs.Value, _ []safejs.Value) any {
		promise, err := l.heldPromise()
		if err != nil {
			return nil // the lock is released at once
		}
		go onGranted()
		return promise
	})
	if err != nil {
		return nil, err
	}
	l.hasGranted = true
	opts, err := newPlainObject()
	if err != nil {
		l.freeGranted()
		return nil, err
	}
	if l.abort.Type() == safejs.TypeObject {
		if signal, err := l.abort.Get("signal"); err == nil {
			_ = opts.Set("signal", signal)
		}
	}
	req, err := locks.Call("request", name, opts, l.granted.Value())
	if err != nil {
		l.freeGranted()
		return nil, err
	}
	// An aborted request rejects; a no-op handler keeps that out of the
	// console (Function.prototype is a function that does nothing).
	if noop, err := global("Function", "prototype"); err == nil {
		_, _ = req.Call("catch", noop)
	}
	return l, nil
}

func newPlainObject() (safejs.Value, error) {
	ctor, err := safejs.Global().Get("Object")
	if err != nil {
		return ctor, err
	}
	return ctor.New()
}

// heldPromise makes the promise the lock callback returns, keeping its
// resolve function for Release.
func (l *TabLock) heldPromise() (safejs.Value, error) {
	ctor, err := safejs.Global().Get("Promise")
	if err != nil {
		return safejs.Undefined(), err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return safejs.Undefined(), errors.New("released")
	}
	l.executor, err = funcOf(func(_ safejs.Value, args []safejs.Value) any {
		l.resolve = arg(args, 0) // called synchronously by new Promise, l.mu held
		return nil
	})
	if err != nil {
		return safejs.Undefined(), err
	}
	l.hasExecutor = true
	return ctor.New(l.executor.Value())
}

// Release gives the lock back, or withdraws the request if it was not
// granted yet. It is safe to call more than once.
func (l *TabLock) Release() {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		return
	}
	l.done = true
	resolve, abort := l.resolve, l.abort
	l.mu.Unlock()
	switch {
	case resolve.Type() == safejs.TypeFunction:
		_, _ = resolve.Invoke()
	case abort.Type() == safejs.TypeObject:
		_, _ = abort.Call("abort")
	default:
		// Neither held nor abortable: the browser may still call the
		// callback, which must stay alive (it releases the lock at once,
		// done being set).
		return
	}
	l.mu.Lock()
	if l.hasExecutor {
		l.hasExecutor = false
		releaseFunc(l.executor)
	}
	l.mu.Unlock()
	l.freeGranted()
}

func (l *TabLock) freeGranted() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hasGranted {
		l.hasGranted = false
		releaseFunc(l.granted)
	}
}
