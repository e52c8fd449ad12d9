//go:build js && wasm

package jsbridge

import (
	"fmt"
	"runtime/debug"

	"github.com/hack-pad/safejs"
)

// Schedule calls fn(args...) from a microtask: after kazoo's Go code has
// returned to the event loop, so the page's callback never runs on
// kazoo's stack and an exception it throws is reported as the page's own
// uncaught error. A fn that is not a function is ignored.
func Schedule(fn safejs.Value, args ...any) error {
	if fn.Type() != safejs.TypeFunction {
		return nil
	}
	bindArgs := append([]any{safejs.Null()}, args...)
	bound, err := fn.Call("bind", bindArgs...)
	if err != nil {
		return err
	}
	_, err = safejs.Global().Call("queueMicrotask", bound)
	return err
}

// Method is a Go body exported to JS. It runs on its own goroutine with
// the JS arguments; its result resolves the caller's promise, its error
// rejects it (converted by the exporter's toJS).
type Method func(args []safejs.Value) (any, error)

// Exporter puts Methods on a JS object.
type Exporter struct {
	// ToJS turns a Method's error into the JS rejection value.
	ToJS func(error) any
	// OnPanic is told about a recovered panic (with its stack) before the
	// caller's promise is rejected; it may be nil.
	OnPanic func(err error)
}

// Export sets obj[name] to a JS function (resolve, reject, ...args). The
// kazoo loader calls it with the executor functions of a promise it made,
// so no Go function is created per call. The function only copies its
// arguments and starts a goroutine: it never blocks, which would kill the
// Go runtime (js.FuncOf callbacks run on the event loop). The function
// lives as long as the page.
func (x Exporter) Export(obj safejs.Value, name string, m Method) error {
	_, err := x.ExportReleasable(obj, name, m)
	return err
}

// ExportReleasable is Export for a function that does not live as long as
// the page: release deletes obj[name] and frees the Go function (call it
// once; calling the function afterwards from a reference kept elsewhere
// throws in JS).
func (x Exporter) ExportReleasable(obj safejs.Value, name string, m Method) (release func(), err error) {
	fn, err := funcOf(func(_ safejs.Value, args []safejs.Value) any {
		resolve, reject := arg(args, 0), arg(args, 1)
		var rest []safejs.Value
		if len(args) > 2 {
			rest = append(rest, args[2:]...)
		}
		go x.run(name, m, rest, resolve, reject)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := obj.Set(name, fn.Value()); err != nil {
		releaseFunc(fn)
		return nil, err
	}
	return func() {
		_ = obj.Delete(name)
		releaseFunc(fn)
	}, nil
}

func (x Exporter) run(name string, m Method, args []safejs.Value, resolve, reject safejs.Value) {
	defer func() {
		if p := recover(); p != nil {
			err := fmt.Errorf("kazoo.%s: internal error: %v", name, p)
			if x.OnPanic != nil {
				x.OnPanic(fmt.Errorf("%w\n%s", err, debug.Stack()))
			}
			_, _ = reject.Invoke(x.ToJS(err))
		}
	}()
	v, err := m(args)
	if err != nil {
		_, _ = reject.Invoke(x.ToJS(err))
		return
	}
	_, _ = resolve.Invoke(v)
}
