//go:build js && wasm

package main

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/audiodev"
	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/phone"
)

// page is what the phones of one page share: the loader's hooks, the log
// level, init()'s setup, kazoo.audio's choice of devices and the ringer,
// and connectivity. Each phone (a facade) has its own engines, account,
// calls and callbacks. Phone 0 is the global kazoo; kazoo.createPhone()
// adds the others, and their destroy() removes them.
type page struct {
	logs   *slog.LevelVar
	logger *slog.Logger
	hooks  safejs.Value // the loader's helpers (newCall, workletUrl)

	unmonitored atomic.Bool // monitorConnectivity(false)

	devices *audiodev.Selection // kazoo.audio's choice of devices
	devMu   sync.Mutex          // guards the device watch and the ringer
	devStop func()              // stops watching devicechange; nil when not watching
	ringer  *jsbridge.Ringer    // the incoming ring, made on first use

	mu     sync.Mutex
	setup  initSetup       // of the latest init() call
	phones map[int]*facade // the live phones by id; 0 is the default
	nextID int             // the id of the next createPhone()
	dflt   *facade         // phone 0, the global kazoo
}

func newPage() *page {
	pg := &page{logs: new(slog.LevelVar), devices: audiodev.New(), phones: map[int]*facade{}}
	pg.logs.Set(slog.LevelWarn)
	pg.logger = slog.New(&jsbridge.ConsoleHandler{Level: pg.logs})
	pg.dflt = pg.newPhone()
	return pg
}

// newPhone makes a phone with the next id and adds it to the page.
func (pg *page) newPhone() *facade {
	pg.mu.Lock()
	id := pg.nextID
	pg.nextID++
	pg.mu.Unlock()
	f := newFacade(pg, id)
	pg.mu.Lock()
	pg.phones[id] = f
	pg.mu.Unlock()
	return f
}

// all returns the live phones, by id.
func (pg *page) all() []*facade {
	pg.mu.Lock()
	out := make([]*facade, 0, len(pg.phones))
	for _, f := range pg.phones {
		out = append(out, f)
	}
	pg.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// remove takes a destroyed phone off the page; it reports whether it was
// still there.
func (pg *page) remove(f *facade) bool {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.phones[f.id] != f {
		return false
	}
	delete(pg.phones, f.id)
	return true
}

// exports builds the object wasm/kazoo-core.js forwards the global
// kazoo's methods to: phone 0's methods and the page-wide ones.
func (pg *page) exports() (safejs.Value, error) {
	obj, err := newJSObject()
	if err != nil {
		return obj, err
	}
	x := pg.dflt.exporter()
	for name, m := range map[string]jsbridge.Method{
		"init":                pg.init,
		"unload":              pg.unload,
		"restore":             pg.restore,
		"network":             pg.network,
		"monitorConnectivity": pg.monitorConnectivity,
		"audioDevices":        pg.audioDevices,
		"audioSet":            pg.audioSet,
		"audioGet":            pg.audioGet,
		"diagnostics":         pg.diagnostics,
		"createPhone":         pg.createPhone,
	} {
		if err := x.Export(obj, name, m); err != nil {
			return obj, err
		}
	}
	for name, m := range pg.dflt.methods() {
		if err := x.Export(obj, name, m); err != nil {
			return obj, err
		}
	}
	return obj, nil
}

// createPhone is kazoo.createPhone's Go side: a new phone, and the JS
// object of its methods ({id, register, …, destroy}), whose functions
// are released by destroy().
func (pg *page) createPhone([]safejs.Value) (any, error) {
	f := pg.newPhone()
	obj, err := f.exportPhone()
	if err != nil {
		f.destroy()
		return nil, &phone.Error{Key: phone.KeyInternal, Message: "cannot make the phone's JS object", Err: err}
	}
	return obj, nil
}

// newJSObject is `new Object()`.
func newJSObject() (safejs.Value, error) {
	obj, err := safejs.Global().Get("Object")
	if err != nil {
		return obj, err
	}
	return obj.New()
}

// unload is called by the loader on pagehide: every phone's un-REGISTER
// is written before the handler returns to the browser.
func (pg *page) unload([]safejs.Value) (any, error) {
	for _, f := range pg.all() {
		f.unload()
	}
	return nil, nil
}

// restore is called by the loader when the page comes back from the
// back/forward cache: pagehide unregistered the phones, so they register
// again now.
func (pg *page) restore([]safejs.Value) (any, error) {
	for _, f := range pg.all() {
		f.engine().Reconnect()
	}
	return nil, nil
}

// ring starts (on) or stops the incoming ring. Stopping keeps it ringing
// while a call other than except rings in at a phone that asked for the
// ring (see facade.ringing).
func (pg *page) ring(on bool, except string) {
	want := on
	if !on {
		for _, f := range pg.all() {
			if f.ringing(except) {
				want = true
				break
			}
		}
	}
	pg.devMu.Lock()
	defer pg.devMu.Unlock()
	if pg.ringer == nil {
		if !want {
			return
		}
		r, err := jsbridge.NewRinger(jsbridge.RingerOptions{})
		if err != nil {
			return
		}
		if id := pg.devices.Get(audiodev.Ringtone); id != "" {
			ctx, cancel := context.WithTimeout(context.Background(), deviceTimeout)
			_ = r.SetSinkID(ctx, id)
			cancel()
		}
		pg.ringer = r
	}
	if want {
		_ = pg.ringer.Start()
	} else {
		pg.ringer.Stop()
	}
}
