//go:build js && wasm

package jsbridge

import (
	"context"
	"testing"

	"github.com/hack-pad/safejs"
)

// LiveFuncs comes back to where it was once awaited promises settled and
// listeners were released.
func TestLiveFuncsBalance(t *testing.T) {
	before := LiveFuncs()
	for range 3 {
		if _, err := Await(context.Background(), eval(t, "Promise.resolve(1)")); err != nil {
			t.Fatal(err)
		}
	}
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
