//go:build js && wasm

package main

import (
	"github.com/google/uuid"
	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/ua"
)

// pageCallbacks are the register() callbacks of the page.
type pageCallbacks struct {
	onConnected, onError, onIncoming, onAccepted, onHangup,
	onCancel, onTransfer, onNotified safejs.Value
}

// call schedules a callback with arguments; a missing one is skipped.
func (c pageCallbacks) call(fn safejs.Value, args ...any) {
	_ = jsbridge.Schedule(fn, args...)
}

// error reports e to onError, or to the console when the page has no
// onError (so that no failure is silent).
func (c pageCallbacks) error(e *ua.Error) {
	if c.onError.Type() == safejs.TypeFunction {
		c.call(c.onError, errorObject(e))
		return
	}
	if console, err := safejs.Global().Get("console"); err == nil {
		_, _ = console.Call("warn", "kazoo: "+e.Error()+" (give register() an onError callback to handle this)")
	}
}

// readRegister turns register()'s parameter object into ua.Options and
// callbacks. onError is read first, so that a bad parameter is reported
// to it. Parameters of later features (rtmpUrl, reconnect*) are type
// checked and accepted.
func readRegister(v safejs.Value) (ua.Options, pageCallbacks, error) {
	var cbs pageCallbacks
	var o ua.Options
	p, err := jsbridge.NewParams(v, "register parameters")
	if err != nil {
		return o, cbs, err
	}
	if cbs.onError, err = p.Func("onError"); err != nil {
		return o, cbs, err
	}
	for _, f := range []struct {
		name string
		dst  *safejs.Value
	}{
		{"onConnected", &cbs.onConnected}, {"onIncoming", &cbs.onIncoming},
		{"onAccepted", &cbs.onAccepted}, {"onHangup", &cbs.onHangup},
		{"onCancel", &cbs.onCancel}, {"onTransfer", &cbs.onTransfer},
		{"onNotified", &cbs.onNotified},
	} {
		if *f.dst, err = p.Func(f.name); err != nil {
			return o, cbs, err
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"wsUrl", &o.WSURL}, {"publicIdentity", &o.PublicIdentity},
		{"privateIdentity", &o.PrivateIdentity}, {"password", &o.Password},
		{"realm", &o.Realm}, {"displayName", &o.DisplayName},
		{"instanceId", &o.InstanceID}, {"rtmpUrl", new(string)},
	} {
		if *f.dst, err = p.String(f.name); err != nil {
			return o, cbs, err
		}
	}
	if o.RegisterExpires, err = p.Int("registerExpires", 0); err != nil {
		return o, cbs, err
	}
	for _, name := range []string{"reconnectMaxAttempts", "reconnectDelay"} {
		if _, err = p.Int(name, 0); err != nil {
			return o, cbs, err
		}
	}
	if _, err = p.Bool("forceRTMP"); err != nil {
		return o, cbs, err
	}
	return o, cbs, nil
}

// instanceKey is where the RFC 5626 instance id is kept, so that a reload
// registers as the same device instead of adding a binding.
const instanceKey = "kazoo.instanceId"

// storedInstanceID returns this browser's instance id, creating it on
// first use. Without localStorage (blocked, or an opaque origin) it is
// random per page load.
func storedInstanceID() string {
	storage, err := safejs.Global().Get("localStorage")
	if err == nil && storage.Type() == safejs.TypeObject {
		if v, err := storage.Call("getItem", instanceKey); err == nil && v.Type() == safejs.TypeString {
			if s, _ := v.String(); uuid.Validate(s) == nil {
				return s
			}
		}
	}
	id := uuid.NewString()
	if err == nil && storage.Type() == safejs.TypeObject {
		_, _ = storage.Call("setItem", instanceKey, id)
	}
	return id
}
