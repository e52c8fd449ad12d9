//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"sync"

	"github.com/hack-pad/safejs"
)

// RejectedError is a JS promise rejection seen from Go.
type RejectedError struct {
	Reason  safejs.Value
	Message string
}

func (e *RejectedError) Error() string { return "promise rejected: " + e.Message }

// Await waits for promise to settle and returns its value, or a
// *RejectedError, or ctx's error. It must run on a goroutine of its own,
// never inside a js.FuncOf callback. A value that is not a thenable is
// returned as is.
func Await(ctx context.Context, promise safejs.Value) (safejs.Value, error) {
	if t := promise.Type(); t != safejs.TypeObject && t != safejs.TypeFunction {
		return promise, nil
	}
	then, err := promise.Get("then")
	if err != nil || then.Type() != safejs.TypeFunction {
		return promise, err
	}
	type result struct {
		v   safejs.Value
		err error
	}
	// Buffered: a settlement after ctx ended must not block the callback.
	done := make(chan result, 1)
	var onFulfilled, onRejected safejs.Func
	var once sync.Once
	// The callbacks release themselves when the promise settles, even if
	// nobody waits any more, so none is ever called after release.
	release := func() {
		once.Do(func() {
			releaseFunc(onFulfilled)
			releaseFunc(onRejected)
		})
	}
	onFulfilled, err = funcOf(func(_ safejs.Value, args []safejs.Value) any {
		done <- result{v: arg(args, 0)}
		release()
		return nil
	})
	if err != nil {
		return safejs.Undefined(), err
	}
	onRejected, err = funcOf(func(_ safejs.Value, args []safejs.Value) any {
		reason := arg(args, 0)
		done <- result{err: &RejectedError{Reason: reason, Message: Describe(reason)}}
		release()
		return nil
	})
	if err != nil {
		releaseFunc(onFulfilled)
		return safejs.Undefined(), err
	}
	if _, err := promise.Call("then", onFulfilled.Value(), onRejected.Value()); err != nil {
		release()
		return safejs.Undefined(), err
	}
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return safejs.Undefined(), ctx.Err()
	}
}

// Describe renders a JS value (usually an Error) for a message.
func Describe(v safejs.Value) string {
	if v.Type() == safejs.TypeObject {
		if m, err := v.Get("message"); err == nil && m.Type() == safejs.TypeString {
			s, _ := m.String()
			if n, err := v.Get("name"); err == nil && n.Type() == safejs.TypeString {
				name, _ := n.String()
				return name + ": " + s
			}
			return s
		}
	}
	if s, err := v.String(); err == nil {
		return s
	}
	return "unknown JavaScript value"
}

func arg(args []safejs.Value, i int) safejs.Value {
	if i < len(args) {
		return args[i]
	}
	return safejs.Undefined()
}

// ErrNotFunction reports a value that should have been a function.
var ErrNotFunction = errors.New("jsbridge: not a function")

// Ask calls fn(args...) from a microtask, as Schedule does, and waits as
// Await does for what it returns (a promise is awaited). An exception it
// throws is a *RejectedError. A fn that is not a function gives
// undefined. Like Await, it must run on a goroutine of its own.
func Ask(ctx context.Context, fn safejs.Value, args ...any) (safejs.Value, error) {
	if fn.Type() != safejs.TypeFunction {
		return safejs.Undefined(), nil
	}
	bound, err := fn.Call("bind", append([]any{safejs.Null()}, args...)...)
	if err != nil {
		return safejs.Undefined(), err
	}
	promise, err := safejs.Global().Get("Promise")
	if err != nil {
		return safejs.Undefined(), err
	}
	resolved, err := promise.Call("resolve")
	if err != nil {
		return safejs.Undefined(), err
	}
	// then() calls bound from a microtask, off kazoo's stack, and turns
	// its result or exception into a promise.
	p, err := resolved.Call("then", bound)
	if err != nil {
		return safejs.Undefined(), err
	}
	return Await(ctx, p)
}
