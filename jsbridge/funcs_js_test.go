//go:build js && wasm

package jsbridge

import (
	"context"
	"testing"

	"github.com/hack-pad/safejs"
)

// LiveFuncs counts listeners while they are added and comes back once
// they are released; awaited promises leave nothing behind.
func TestLiveFuncsBalance(t *testing.T) {
	// Await yields to the event loop, where functions other tests left
	// may be released: the count must not grow, it may shrink.
	before := LiveFuncs()
	for range 3 {
		if _, err := Await(context.Background(), eval(t, "Promise.resolve(1)")); err != nil {
			t.Fatal(err)
		}
	}
	if after := LiveFuncs(); after > before {
		t.Fatalf("3 settled Awaits left %d more live functions", after-before)
	}
	// Adding and releasing listeners never yields: the count is exact.
	before = LiveFuncs()
	var l listeners
	target := eval(t, "new EventTarget()")
	for range 2 {
		if err := l.add(target, "x", func(safejs.Value) {}); err != nil {
			t.Fatal(err)
		}
	}
	if got := LiveFuncs() - before; got != 2 {
		t.Fatalf("live functions with 2 listeners: %d more, want 2", got)
	}
	l.release()
	if got := LiveFuncs() - before; got != 0 {
		t.Fatalf("after release: %d more than before, want 0", got)
	}
}
