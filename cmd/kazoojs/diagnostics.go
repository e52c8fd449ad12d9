//go:build js && wasm

package main

import (
	"runtime"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/jsbridge"
)

// diagnostics answers kazoo.diagnostics({gc, stacks}): counters that
// show whether a long-lived page leaks, for soak runs and bug reports.
// With gc, a Go garbage collection first, so that heapAlloc is what is
// live; with stacks, the dump of every goroutine (runtime.Stack) too.
func (pg *page) diagnostics(args []safejs.Value) (any, error) {
	p, err := jsbridge.NewParams(arg(args, 0), "diagnostics options")
	if err != nil {
		return nil, err
	}
	stacks, err := p.Bool("stacks")
	if err != nil {
		return nil, err
	}
	gc, err := p.Bool("gc")
	if err != nil {
		return nil, err
	}
	if gc {
		runtime.GC()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	calls := 0
	for _, f := range pg.all() {
		f.mu.Lock()
		calls += len(f.calls)
		f.mu.Unlock()
	}
	d := map[string]any{
		"goroutines": runtime.NumGoroutine(),
		"jsFuncs":    int(jsbridge.LiveFuncs()),
		"calls":      calls,
		"heapAlloc":  int(m.HeapAlloc),
		"heapSys":    int(m.HeapSys),
		"goSys":      int(m.Sys),
	}
	if stacks {
		buf := make([]byte, 1<<16)
		for {
			n := runtime.Stack(buf, true)
			if n < len(buf) {
				d["stacks"] = string(buf[:n])
				break
			}
			buf = make([]byte, 2*len(buf))
		}
	}
	return d, nil
}
