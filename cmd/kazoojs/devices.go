//go:build js && wasm

package main

import (
	"context"
	"errors"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/audiodev"
	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/phone"
)

// deviceTimeout bounds enumerating devices and moving calls to one.
const deviceTimeout = 10 * time.Second

// audioDevices(kind?) is kazoo.audio.availableDevices: the audio devices
// of one kind or both, as {deviceId, groupId, kind, label}.
func (pg *page) audioDevices(args []safejs.Value) (any, error) {
	kind := audiodev.Kind("")
	if k := arg(args, 0); !k.IsUndefined() && !k.IsNull() {
		s, err := stringArg(args, 0, "kind")
		if err != nil || (s != string(audiodev.Input) && s != string(audiodev.Output)) {
			return nil, phone.InvalidParameter("kind", "give 'audioinput', 'audiooutput' or nothing")
		}
		kind = audiodev.Kind(s)
	}
	pg.watchDevices()
	if err := pg.refreshDevices(); err != nil {
		return nil, err
	}
	var out []any
	for _, d := range pg.devices.Devices(kind) {
		out = append(out, deviceObject(d))
	}
	if out == nil {
		out = []any{}
	}
	return safejs.ValueOf(out)
}

// audioSet(role, id) is kazoo.audio.<role>.set / reset: the device is
// checked against the browser's list, then calls in progress move to it.
func (pg *page) audioSet(args []safejs.Value) (any, error) {
	role, err := roleArg(args)
	if err != nil {
		return nil, err
	}
	id := ""
	if v := arg(args, 1); !v.IsUndefined() && !v.IsNull() {
		if id, err = stringArg(args, 1, "deviceId"); err != nil {
			return nil, err
		}
	}
	pg.watchDevices()
	if id != "" && id != audiodev.DefaultID {
		if err := pg.refreshDevices(); err != nil {
			return nil, err
		}
	}
	if role != audiodev.Microphone && id != "" && !jsbridge.CanChooseOutput() {
		return nil, &phone.Error{Key: phone.KeyNotSupported, Message: "this browser cannot choose an output device (no setSinkId)"}
	}
	if err := pg.devices.Set(role, id); err != nil {
		if errors.Is(err, audiodev.ErrUnknownDevice) {
			return nil, &phone.Error{Key: phone.KeyDeviceNotFound, Message: "no " + string(role.Kind()) + " device " + id, Err: err}
		}
		return nil, phone.InvalidParameter("role", "%v", err)
	}
	// nilIfOK: a nil *phone.Error must not become a non-nil error.
	return nil, nilIfOK(pg.applyDevice(role))
}

// audioGet(role) is kazoo.audio.<role>.get: the chosen device ("" the
// default).
func (pg *page) audioGet(args []safejs.Value) (any, error) {
	role, err := roleArg(args)
	if err != nil {
		return nil, err
	}
	return pg.devices.Get(role), nil
}

func roleArg(args []safejs.Value) (audiodev.Role, error) {
	s, err := stringArg(args, 0, "role")
	if err != nil || !audiodev.Role(s).Valid() {
		return "", phone.InvalidParameter("role", "give 'microphone', 'speaker' or 'ringtone'")
	}
	return audiodev.Role(s), nil
}

// applyDevice moves what uses role to the device chosen for it now: every
// phone's calls in progress and warm-up (see facade.applyDevice), the
// ring. The first failure is returned; the rest still move.
func (pg *page) applyDevice(role audiodev.Role) *phone.Error {
	var first *phone.Error
	for _, f := range pg.all() {
		if e := f.applyDevice(role); e != nil && first == nil {
			first = e
		}
	}
	if role == audiodev.Ringtone {
		if e := pg.applyRingtone(); e != nil && first == nil {
			first = e
		}
	}
	return first
}

// applyDevice moves this phone's calls in progress (microphone, speaker)
// and its warm-up's microphone to the device chosen for role now. The
// first failure is returned; the other calls still move.
func (f *facade) applyDevice(role audiodev.Role) *phone.Error {
	id := f.pg.devices.Get(role)
	ctx, cancel := context.WithTimeout(context.Background(), deviceTimeout)
	defer cancel()
	var first *phone.Error
	keep := func(e *phone.Error) {
		if e != nil && first == nil {
			first = e
		}
	}
	switch role {
	case audiodev.Microphone:
		f.warm.microphoneChanged()
		for _, c := range f.liveCalls() {
			keep(c.SetMicrophone(ctx, id))
		}
	case audiodev.Speaker:
		for _, c := range f.liveCalls() {
			keep(c.SetSpeaker(ctx, id))
		}
	}
	return first
}

// applyRingtone moves the ring to the ringtone device chosen now.
func (pg *page) applyRingtone() *phone.Error {
	pg.devMu.Lock()
	r := pg.ringer
	pg.devMu.Unlock()
	if r == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), deviceTimeout)
	defer cancel()
	if err := r.SetSinkID(ctx, pg.devices.Get(audiodev.Ringtone)); err != nil {
		return &phone.Error{Key: phone.KeyMedia, Message: "cannot ring on that device: " + err.Error(), Err: err}
	}
	return nil
}

// liveCalls are the calls not over yet.
func (f *facade) liveCalls() []phone.Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []phone.Call
	for _, t := range f.calls {
		if t.call.State() != phone.CallEnded {
			out = append(out, t.call)
		}
	}
	return out
}

// watchDevices listens to devicechange once, for the page's life.
func (pg *page) watchDevices() {
	pg.devMu.Lock()
	defer pg.devMu.Unlock()
	if pg.devStop != nil {
		return
	}
	stop, err := jsbridge.ListenDeviceChange(func() { go pg.devicesChanged() })
	if err == nil {
		pg.devStop = stop
	}
}

// refreshDevices reads the device list; a change found on the way is
// handled as a devicechange.
func (pg *page) refreshDevices() error {
	ctx, cancel := context.WithTimeout(context.Background(), deviceTimeout)
	defer cancel()
	list, err := jsbridge.EnumerateDevices(ctx)
	if err != nil {
		return &phone.Error{Key: phone.KeyNotSupported, Message: "cannot list the audio devices: " + err.Error(), Err: err}
	}
	pg.reconcile(list)
	return nil
}

// devicesChanged follows a devicechange event.
func (pg *page) devicesChanged() {
	defer func() {
		if r := recover(); r != nil {
			consoleError("kazoo: handling a device change failed")
		}
	}()
	_ = pg.refreshDevices()
}

// reconcile takes a new device list: roles whose device went away fall
// back to the default (calls move, a failure goes to that phone's
// onError, the ring's to the global kazoo's), and every phone hears of
// any change in its onAudioDeviceChange.
func (pg *page) reconcile(list []jsbridge.Device) {
	devs := make([]audiodev.Device, 0, len(list))
	for _, d := range list {
		devs = append(devs, audiodev.Device{ID: d.ID, GroupID: d.GroupID, Kind: audiodev.Kind(d.Kind), Label: d.Label})
	}
	ch := pg.devices.Update(devs)
	if ch.Empty() {
		return
	}
	phones := pg.all()
	for _, fb := range ch.Fallbacks {
		for _, f := range phones {
			if e := f.applyDevice(fb.Role); e != nil {
				f.callbacks().error(e)
			}
		}
		if fb.Role == audiodev.Ringtone {
			if e := pg.applyRingtone(); e != nil {
				pg.dflt.callbacks().error(e)
			}
		}
	}
	list2 := func(ds []audiodev.Device) []any {
		out := []any{}
		for _, d := range ds {
			out = append(out, deviceObject(d))
		}
		return out
	}
	for _, f := range phones {
		cbs := f.callbacks()
		if cbs.onAudioDeviceChange.Type() != safejs.TypeFunction {
			continue
		}
		fallbacks := []any{}
		for _, fb := range ch.Fallbacks {
			fallbacks = append(fallbacks, map[string]any{"role": string(fb.Role), "lost": fb.Lost})
		}
		cbs.call(cbs.onAudioDeviceChange, jsObject(map[string]any{
			"added": list2(ch.Added), "removed": list2(ch.Removed), "fallbacks": fallbacks,
			"devices": list2(pg.devices.Devices("")),
		}))
	}
}

func deviceObject(d audiodev.Device) map[string]any {
	return map[string]any{"deviceId": d.ID, "groupId": d.GroupID, "kind": string(d.Kind), "label": d.Label}
}

// ring starts (on) or stops the incoming ring of the page: it rings
// while a call other than except (being answered or ended) rings in at a
// phone whose registration asked for it (ringIncoming).
func (f *facade) ring(on bool, except string) {
	f.mu.Lock()
	on = on && f.ringIncoming
	f.mu.Unlock()
	f.pg.ring(on, except)
}

// ringing reports whether a call other than except rings in here and
// the registration asked for the ring.
func (f *facade) ringing(except string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.ringIncoming {
		return false
	}
	for id, t := range f.calls {
		if id != except && !t.ignored && !t.call.Outgoing() && t.call.State() == phone.CallRinging {
			return true
		}
	}
	return false
}
