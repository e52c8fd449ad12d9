package siptest

import (
	"testing"
	"time"
)

// Recv returns the next value from ch, or fails the test when none
// comes within timeout; what names the awaited event in the failure.
func Recv[T any](t testing.TB, ch <-chan T, what string, timeout time.Duration) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(timeout):
		t.Fatalf("no %s within %v", what, timeout)
		var zero T
		return zero
	}
}
