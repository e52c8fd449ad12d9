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
func (f *facade) audioDevices(args []safejs.Value) (any, error) {
	kind := audiodev.Kind("")
	if k := arg(args, 0); !k.IsUndefined() && !k.IsNull() {
		s, err := stringArg(args, 0, "kind")
		if err != nil || (s != string(audiodev.Input) && s != string(audiodev.Output)) {
			return nil, phone.InvalidParameter("kind", "give 'audioinput', 'audiooutput' or nothing")
		}
		kind = audiodev.Kind(s)
	}
	f.watchDevices()
	if err := f.refreshDevices(); err != nil {
		return nil, err
	}
	var out []any
	for _, d := range f.devices.Devices(kind) {
		out = append(out, deviceObject(d))
	}
	if out == nil {
		out = []any{}
	}
	return safejs.ValueOf(out)
}

// audioSet(role, id) is kazoo.audio.<role>.set / reset: the device is
// checked against the browser's list, then calls in progress move to it.
func (f *facade) audioSet(args []safejs.Value) (any, error) {
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
	f.watchDevices()
	if id != "" && id != audiodev.DefaultID {
		if err := f.refreshDevices(); err != nil {
			return nil, err
		}
	}
	if role != audiodev.Microphone && id != "" && !jsbridge.CanChooseOutput() {
		return nil, &phone.Error{Key: phone.KeyNotSupported, Message: "this browser cannot choose an output device (no setSinkId)"}
	}
	if err := f.devices.Set(role, id); err != nil {
		if errors.Is(err, audiodev.ErrUnknownDevice) {
			return nil, &phone.Error{Key: phone.KeyDeviceNotFound, Message: "no " + string(role.Kind()) + " device " + id, Err: err}
		}
		return nil, phone.InvalidParameter("role", "%v", err)
	}
	// nilIfOK: a nil *phone.Error must not become a non-nil error.
	return nil, nilIfOK(f.applyDevice(role))
}

// audioGet(role) is kazoo.audio.<role>.get: the chosen device ("" the
// default).
func (f *facade) audioGet(args []safejs.Value) (any, error) {
	role, err := roleArg(args)
	if err != nil {
		return nil, err
	}
	return f.devices.Get(role), nil
}

func roleArg(args []safejs.Value) (audiodev.Role, error) {
	s, err := stringArg(args, 0, "role")
	if err != nil || !audiodev.Role(s).Valid() {
		return "", phone.InvalidParameter("role", "give 'microphone', 'speaker' or 'ringtone'")
	}
	return audiodev.Role(s), nil
}

// applyDevice moves what uses role to the device chosen for it now: the
// calls in progress (microphone, speaker), the warm-up's microphone, the
// ring. The first failure is returned; the other calls still move.
func (f *facade) applyDevice(role audiodev.Role) *phone.Error {
	id := f.devices.Get(role)
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
	case audiodev.Ringtone:
		f.devMu.Lock()
		r := f.ringer
		f.devMu.Unlock()
		if r != nil {
			if err := r.SetSinkID(ctx, id); err != nil {
				keep(&phone.Error{Key: phone.KeyMedia, Message: "cannot ring on that device: " + err.Error(), Err: err})
			}
		}
	}
	return first
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
func (f *facade) watchDevices() {
	f.devMu.Lock()
	defer f.devMu.Unlock()
	if f.devStop != nil {
		return
	}
	stop, err := jsbridge.ListenDeviceChange(func() { go f.devicesChanged() })
	if err == nil {
		f.devStop = stop
	}
}

// refreshDevices reads the device list; a change found on the way is
// handled as a devicechange.
func (f *facade) refreshDevices() error {
	ctx, cancel := context.WithTimeout(context.Background(), deviceTimeout)
	defer cancel()
	list, err := jsbridge.EnumerateDevices(ctx)
	if err != nil {
		return &phone.Error{Key: phone.KeyNotSupported, Message: "cannot list the audio devices: " + err.Error(), Err: err}
	}
	f.reconcile(list)
	return nil
}

// devicesChanged follows a devicechange event.
func (f *facade) devicesChanged() {
	defer func() {
		if r := recover(); r != nil {
			f.consoleError("kazoo: handling a device change failed")
		}
	}()
	_ = f.refreshDevices()
}

// reconcile takes a new device list: roles whose device went away fall
// back to the default (calls move), and the page hears of any change.
func (f *facade) reconcile(list []jsbridge.Device) {
	devs := make([]audiodev.Device, 0, len(list))
	for _, d := range list {
		devs = append(devs, audiodev.Device{ID: d.ID, GroupID: d.GroupID, Kind: audiodev.Kind(d.Kind), Label: d.Label})
	}
	ch := f.devices.Update(devs)
	if ch.Empty() {
		return
	}
	for _, fb := range ch.Fallbacks {
		if e := f.applyDevice(fb.Role); e != nil {
			f.callbacks().error(e)
		}
	}
	cbs := f.callbacks()
	if cbs.onAudioDeviceChange.Type() != safejs.TypeFunction {
		return
	}
	list2 := func(ds []audiodev.Device) []any {
		out := []any{}
		for _, d := range ds {
			out = append(out, deviceObject(d))
		}
		return out
	}
	fallbacks := []any{}
	for _, fb := range ch.Fallbacks {
		fallbacks = append(fallbacks, map[string]any{"role": string(fb.Role), "lost": fb.Lost})
	}
	cbs.call(cbs.onAudioDeviceChange, jsObject(map[string]any{
		"added": list2(ch.Added), "removed": list2(ch.Removed), "fallbacks": fallbacks,
		"devices": list2(f.devices.Devices("")),
	}))
}

func deviceObject(d audiodev.Device) map[string]any {
	return map[string]any{"deviceId": d.ID, "groupId": d.GroupID, "kind": string(d.Kind), "label": d.Label}
}

// ring starts (on) or stops the incoming ring: it rings while a call
// other than except (being answered or ended) rings in, when the
// registration asked for it (ringIncoming).
func (f *facade) ring(on bool, except string) {
	f.mu.Lock()
	want := on && f.ringIncoming
	if !on {
		for id, t := range f.calls {
			if id != except && !t.ignored && !t.call.Outgoing() && t.call.State() == phone.CallRinging {
				want = f.ringIncoming
			}
		}
	}
	f.mu.Unlock()
	f.devMu.Lock()
	defer f.devMu.Unlock()
	if f.ringer == nil {
		if !want {
			return
		}
		r, err := jsbridge.NewRinger(jsbridge.RingerOptions{})
		if err != nil {
			return
		}
		if id := f.devices.Get(audiodev.Ringtone); id != "" {
			ctx, cancel := context.WithTimeout(context.Background(), deviceTimeout)
			_ = r.SetSinkID(ctx, id)
			cancel()
		}
		f.ringer = r
	}
	if want {
		_ = f.ringer.Start()
	} else {
		f.ringer.Stop()
	}
}
