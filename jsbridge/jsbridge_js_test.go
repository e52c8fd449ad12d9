//go:build js && wasm

package jsbridge

// These tests run under Node with the Go toolchain's wasm runner:
//
//	GOOS=js GOARCH=wasm go test -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./jsbridge

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
)

func eval(t *testing.T, src string) safejs.Value {
	t.Helper()
	fn, err := safejs.Global().Get("Function")
	if err != nil {
		t.Fatal(err)
	}
	f, err := fn.New("return (" + src + ")")
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.Invoke()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAwait(t *testing.T) {
	ctx := context.Background()
	v, err := Await(ctx, eval(t, "Promise.resolve(42)"))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := v.Int(); n != 42 {
		t.Fatalf("got %d", n)
	}
	_, err = Await(ctx, eval(t, "Promise.reject(new TypeError('boom'))"))
	var rej *RejectedError
	if !errors.As(err, &rej) || rej.Message != "TypeError: boom" {
		t.Fatalf("err = %v", err)
	}
	// Not a promise: returned as is.
	v, err = Await(ctx, eval(t, "'plain'"))
	if s, _ := v.String(); err != nil || s != "plain" {
		t.Fatalf("plain value: %q %v", s, err)
	}
	// A promise that never settles gives way to the context.
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := Await(cctx, eval(t, "new Promise(() => {})")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestParams(t *testing.T) {
	p, err := NewParams(eval(t, "({s: 'x', n: 3, b: true, f: () => 1, bad: 'no', frac: 1.5, nul: null})"), "params")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := p.String("s"); err != nil || s != "x" {
		t.Fatalf("String: %q %v", s, err)
	}
	if s, err := p.String("missing"); err != nil || s != "" {
		t.Fatalf("missing String: %q %v", s, err)
	}
	if s, err := p.String("nul"); err != nil || s != "" {
		t.Fatalf("null String: %q %v", s, err)
	}
	if n, err := p.Int("n", 0); err != nil || n != 3 {
		t.Fatalf("Int: %d %v", n, err)
	}
	if n, err := p.Int("missing", 7); err != nil || n != 7 {
		t.Fatalf("default Int: %d %v", n, err)
	}
	if b, err := p.Bool("b"); err != nil || !b {
		t.Fatalf("Bool: %v %v", b, err)
	}
	if f, err := p.Func("f"); err != nil || f.Type() != safejs.TypeFunction {
		t.Fatalf("Func: %v", err)
	}
	for _, tc := range []struct {
		name string
		read func() error
	}{
		{"n", func() error { _, err := p.String("n"); return err }},
		{"bad", func() error { _, err := p.Int("bad", 0); return err }},
		{"frac", func() error { _, err := p.Int("frac", 0); return err }},
		{"bad", func() error { _, err := p.Func("bad"); return err }},
		{"s", func() error { _, err := p.Bool("s"); return err }},
	} {
		var pe *ParamError
		if err := tc.read(); !errors.As(err, &pe) || pe.Name != tc.name {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
	if _, err := NewParams(eval(t, "'a string'"), "params"); err == nil {
		t.Fatal("a string accepted as a parameter object")
	}
}

// callExported calls obj[name](resolve, reject, ...args) the way the
// loader does and awaits the promise.
func callExported(t *testing.T, obj safejs.Value, name string, args ...any) (safejs.Value, error) {
	t.Helper()
	_ = safejs.Global().Set("__testObj", obj)
	promise := eval(t, "new Promise((resolve, reject) => __testObj."+name+"(resolve, reject, "+strings.Repeat("'a', ", len(args))+"))")
	return Await(context.Background(), promise)
}

func TestExportResolvesRejectsAndRecovers(t *testing.T) {
	obj := eval(t, "({})")
	var panics []error
	x := Exporter{
		ToJS:    func(err error) any { return err.Error() },
		OnPanic: func(err error) { panics = append(panics, err) },
	}
	_ = x.Export(obj, "ok", func(args []safejs.Value) (any, error) { return len(args), nil })
	_ = x.Export(obj, "fails", func([]safejs.Value) (any, error) { return nil, errors.New("nope") })
	_ = x.Export(obj, "panics", func([]safejs.Value) (any, error) { panic("bug") })
	// Blocking in the body is allowed: it runs on its own goroutine.
	_ = x.Export(obj, "blocks", func([]safejs.Value) (any, error) {
		return Await(context.Background(), eval(t, "new Promise((r) => setTimeout(() => r('late'), 5))"))
	})

	if v, err := callExported(t, obj, "ok", 1, 2); err != nil || mustInt(v) != 2 {
		t.Fatalf("ok: %v", err)
	}
	if _, err := callExported(t, obj, "fails"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("fails: %v", err)
	}
	if _, err := callExported(t, obj, "panics"); err == nil || !strings.Contains(err.Error(), "internal error: bug") {
		t.Fatalf("panics: %v", err)
	}
	if len(panics) != 1 {
		t.Fatalf("OnPanic called %d times", len(panics))
	}
	if v, err := callExported(t, obj, "blocks"); err != nil || mustString(v) != "late" {
		t.Fatalf("blocks: %v", err)
	}
	// Still usable after the panic.
	if _, err := callExported(t, obj, "ok"); err != nil {
		t.Fatalf("after panic: %v", err)
	}
}

// A releasable export works like Export until released; then the name
// is gone from the object and LiveFuncs is back where it was.
func TestExportReleasableReleases(t *testing.T) {
	obj := eval(t, "({})")
	x := Exporter{ToJS: func(err error) any { return err.Error() }}
	before := LiveFuncs()
	release, err := x.ExportReleasable(obj, "ok", func(args []safejs.Value) (any, error) { return len(args), nil })
	if err != nil {
		t.Fatal(err)
	}
	if LiveFuncs() != before+1 {
		t.Fatalf("LiveFuncs = %d, want %d", LiveFuncs(), before+1)
	}
	if v, err := callExported(t, obj, "ok", 1); err != nil || mustInt(v) != 1 {
		t.Fatalf("ok: %v", err)
	}
	release()
	if LiveFuncs() != before {
		t.Fatalf("after release LiveFuncs = %d, want %d", LiveFuncs(), before)
	}
	if v, _ := obj.Get("ok"); !v.IsUndefined() {
		t.Fatalf("obj.ok is still set after release: %v", v.Type())
	}
}

func TestScheduleRunsFromAMicrotask(t *testing.T) {
	_ = safejs.Global().Set("__scheduled", eval(t, "[]"))
	fn := eval(t, "(a, b) => __scheduled.push(a + b)")
	if err := Schedule(fn, 2, 3); err != nil {
		t.Fatal(err)
	}
	// Not run synchronously: the page's code never runs on kazoo's stack.
	if n, _ := eval(t, "__scheduled.length").Int(); n != 0 {
		t.Fatal("the callback ran synchronously")
	}
	_, _ = Await(context.Background(), eval(t, "Promise.resolve()"))
	if v, _ := eval(t, "__scheduled[0]").Int(); v != 5 {
		t.Fatalf("callback got %d", v)
	}
	if err := Schedule(eval(t, "undefined")); err != nil {
		t.Fatal("a missing callback must be skipped")
	}
}

func mustInt(v safejs.Value) int       { n, _ := v.Int(); return n }
func mustString(v safejs.Value) string { s, _ := v.String(); return s }
