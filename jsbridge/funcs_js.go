//go:build js && wasm

package jsbridge

import (
	"sync/atomic"

	"github.com/hack-pad/safejs"
)

// liveFuncs counts the JS functions jsbridge made with js.FuncOf and has
// not released yet: each holds a Go closure the JS side can call, so a
// count that keeps growing is a leak.
var liveFuncs atomic.Int64

// funcOf is safejs.FuncOf, counted in liveFuncs.
func funcOf(fn func(this safejs.Value, args []safejs.Value) any) (safejs.Func, error) {
	f, err := safejs.FuncOf(fn)
	if err == nil {
		liveFuncs.Add(1)
	}
	return f, err
}

// releaseFunc releases a function made by funcOf. Call it once per function.
func releaseFunc(f safejs.Func) {
	f.Release()
	liveFuncs.Add(-1)
}

// LiveFuncs is the number of JS functions jsbridge made and has not
// released: the exported methods (they live as long as the page) plus
// the promise callbacks and event listeners in use.
func LiveFuncs() int64 { return liveFuncs.Load() }
