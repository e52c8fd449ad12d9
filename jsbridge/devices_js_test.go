//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"testing"

	"github.com/hack-pad/safejs"
)

func TestEnumerateDevices(t *testing.T) {
	ctx := context.Background()
	withNavigator(t, `{mediaDevices: {enumerateDevices: async () => [
		{deviceId: 'default', groupId: 'g1', kind: 'audioinput', label: 'Default - Headset'},
		{deviceId: 'cam', groupId: 'g2', kind: 'videoinput', label: 'Webcam'},
		{deviceId: 'spk', groupId: 'g1', kind: 'audiooutput', label: 'Headset earpiece'},
		{deviceId: '', groupId: '', kind: 'audioinput', label: ''},
	]}}`)
	got, err := EnumerateDevices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []Device{
		{ID: "default", GroupID: "g1", Kind: KindAudioInput, Label: "Default - Headset"},
		{ID: "spk", GroupID: "g1", Kind: KindAudioOutput, Label: "Headset earpiece"},
		{Kind: KindAudioInput},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("device %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	withNavigator(t, `{mediaDevices: {enumerateDevices: () => Promise.reject(Object.assign(new Error('nope'), {name: 'SecurityError'}))}}`)
	var me *MediaError
	if _, err := EnumerateDevices(ctx); !errors.As(err, &me) || me.Name != "SecurityError" {
		t.Errorf("rejected: %v", err)
	}
	withNavigator(t, `{}`)
	if _, err := EnumerateDevices(ctx); !errors.As(err, &me) || me.Name != "Unavailable" {
		t.Errorf("no mediaDevices: %v", err)
	}
}

func TestListenDeviceChange(t *testing.T) {
	withNavigator(t, `{mediaDevices: new EventTarget()}`)
	before := LiveFuncs()
	calls := 0
	release, err := ListenDeviceChange(func() { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	fire := func() { audioEval(t, `navigator.mediaDevices.dispatchEvent(new Event('devicechange'))`) }
	fire()
	fire()
	release()
	release()
	fire()
	if calls != 2 {
		t.Errorf("%d calls, want 2", calls)
	}
	if n := LiveFuncs(); n != before {
		t.Errorf("%d JS functions left after release", n-before)
	}
	withNavigator(t, `{}`)
	var me *MediaError
	if _, err := ListenDeviceChange(func() {}); !errors.As(err, &me) || me.Name != "Unavailable" {
		t.Errorf("no mediaDevices: %v", err)
	}
}

func TestMicrophoneConstraints(t *testing.T) {
	audio := map[string]any{"echoCancellation": true}
	for _, c := range []struct {
		id    string
		audio map[string]any
		want  string
	}{
		{"", nil, `{"audio":true,"video":false}`},
		{"", audio, `{"audio":{"echoCancellation":true},"video":false}`},
		{"mic2", nil, `{"audio":{"deviceId":{"exact":"mic2"}},"video":false}`},
		{"mic2", audio, `{"audio":{"deviceId":{"exact":"mic2"},"echoCancellation":true},"video":false}`},
	} {
		v, err := safejs.ValueOf(MicrophoneConstraints(c.id, c.audio))
		if err != nil {
			t.Fatal(err)
		}
		_ = safejs.Global().Set("__c", v)
		// Sorted keys: Go maps have no order.
		got := jsString(t, `JSON.stringify(__c, (k, v) => v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v)`)
		if got != c.want {
			t.Errorf("(%q, %v) = %s, want %s", c.id, c.audio, got, c.want)
		}
	}
	if len(audio) != 1 {
		t.Error("the audio map was changed")
	}
}

// fakeDeviceMic installs a getUserMedia that opens the device asked for
// (its track is an EventTarget with getSettings) and records it in
// globalThis.__mics.
func fakeDeviceMic(t *testing.T) {
	withNavigator(t, `{mediaDevices: {getUserMedia: async (c) => {
		const id = (c.audio.deviceId && c.audio.deviceId.exact) || 'default-mic';
		if (id === 'gone') throw Object.assign(new Error('gone'), {name: 'OverconstrainedError'});
		const track = Object.assign(new EventTarget(), {kind: 'audio', label: id, enabled: true, stopped: false,
			stop() { this.stopped = true; }, getSettings() { return {deviceId: id}; }, clone() { return Object.assign(Object.create(this), {cloned: true}); }});
		const stream = {id, track, getAudioTracks() { return [track]; }};
		(globalThis.__mics ||= []).push(stream);
		return stream;
	}}}`)
	_ = safejs.Global().Set("__mics", eval(t, "[]"))
}

func TestOpenMicrophoneDevice(t *testing.T) {
	ctx := context.Background()
	fakeDeviceMic(t)
	mic, err := OpenMicrophoneDevice(ctx, "usb-headset", map[string]any{"echoCancellation": true})
	if err != nil {
		t.Fatal(err)
	}
	if id := mic.DeviceID(); id != "usb-headset" {
		t.Errorf("DeviceID = %q", id)
	}
	if !mic.Track().Equal(get(t, safejs.Global(), "__mics", "0", "track")) {
		t.Error("Track is not the stream's audio track")
	}
	if !mic.Stream().Equal(get(t, safejs.Global(), "__mics", "0")) {
		t.Error("Stream is not the stream")
	}
	def, err := OpenMicrophoneDevice(ctx, "", nil)
	if err != nil || def.DeviceID() != "default-mic" {
		t.Fatalf("default: %v %q", err, def.DeviceID())
	}
	var me *MediaError
	if _, err := OpenMicrophoneDevice(ctx, "gone", nil); !errors.As(err, &me) || me.Name != "OverconstrainedError" {
		t.Errorf("gone device: %v", err)
	}

	// 'ended' (an unplugged device) reaches OnEnded until released.
	before := LiveFuncs()
	ended := 0
	release, err := mic.OnEnded(func() { ended++ })
	if err != nil {
		t.Fatal(err)
	}
	end := func() { audioEval(t, `__mics[0].track.dispatchEvent(new Event('ended'))`) }
	end()
	release()
	release()
	end()
	if ended != 1 {
		t.Errorf("OnEnded called %d times, want 1", ended)
	}
	if n := LiveFuncs(); n != before {
		t.Errorf("%d JS functions left after release", n-before)
	}
	if _, err := (&Microphone{stream: eval(t, `{getAudioTracks: () => []}`)}).OnEnded(func() {}); err == nil {
		t.Error("OnEnded on a stream without audio track")
	}
	if (&Microphone{stream: eval(t, `{getAudioTracks: () => []}`)}).DeviceID() != "" {
		t.Error("DeviceID of a stream without audio track")
	}
}

func TestRemoteAudioSink(t *testing.T) {
	ctx := context.Background()
	el := eval(t, `{srcObject: null, sinkId: '', setSinkId(id) {
		if (id === 'gone') return Promise.reject(Object.assign(new Error('not found'), {name: 'NotFoundError'}));
		this.sinkId = id; return Promise.resolve();
	}}`)
	ra := &RemoteAudio{el: el}
	if !ra.Stream().IsNull() {
		t.Error("Stream before any track")
	}
	if err := ra.SetSinkID(ctx, "headset"); err != nil {
		t.Fatal(err)
	}
	if ra.SinkID() != "headset" {
		t.Errorf("SinkID = %q", ra.SinkID())
	}
	var me *MediaError
	if err := ra.SetSinkID(ctx, "gone"); !errors.As(err, &me) || me.Name != "NotFoundError" {
		t.Errorf("gone device: %v", err)
	}
	if err := ra.SetSinkID(ctx, ""); err != nil || ra.SinkID() != "" {
		t.Errorf("default: %v %q", err, ra.SinkID())
	}
	_ = el.Set("srcObject", eval(t, `{id: 's1'}`))
	if id, _ := get(t, ra.Stream(), "id").String(); id != "s1" {
		t.Errorf("Stream id %q", id)
	}
	old := &RemoteAudio{el: eval(t, `{srcObject: null}`)}
	if err := old.SetSinkID(ctx, "x"); !errors.Is(err, ErrNoSinkSelection) {
		t.Errorf("no setSinkId: %v", err)
	}
	if old.SinkID() != "" {
		t.Errorf("SinkID without sinkId: %q", old.SinkID())
	}
}
