//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestAudioPipeDevices(t *testing.T) {
	a := setupAudio(t)
	ctx := context.Background()
	p, err := NewAudioPipe(ctx, AudioOptions{MicrophoneID: "usb"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if s := jsString(t, `JSON.parse(__audio.constraints).audio.deviceId.exact + ' ' + JSON.parse(__audio.constraints).audio.echoCancellation`); s != "usb true" {
		t.Errorf("constraints: %s", s)
	}
	if p.MicrophoneID() != "usb" {
		t.Errorf("MicrophoneID = %q", p.MicrophoneID())
	}

	// Frames flow from the first microphone; the switch keeps them flowing.
	got := make(chan uint16, 10)
	p.OnFrame(func(_ []byte, seq uint16) { got <- seq })
	ended := make(chan string, 4)
	p.OnMicrophoneEnded(func() { ended <- p.MicrophoneID() })

	if err := p.SetMicrophone(ctx, "bluetooth"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ src, want string }{
		{`__audio.sources.length`, "2"},
		{`__audio.sources[0].disconnected`, "true"},
		{`__audio.tracks[0].stopped`, "true"},
		{`__audio.sources[1].stream.getAudioTracks()[0].getSettings().deviceId`, "bluetooth"},
		{`__audio.sources[1].connections.join()`, "input"},
		{`__audio.tracks[1].stopped`, "false"},
		{`__audio.input.connections.join()`, "kazoo-capture"},
		{`__audio.input.disconnected`, "false"},
	} {
		if s := jsString(t, `String(`+c.src+`)`); s != c.want {
			t.Errorf("after SetMicrophone: %s = %s, want %s", c.src, s, c.want)
		}
	}
	if p.MicrophoneID() != "bluetooth" {
		t.Errorf("MicrophoneID = %q", p.MicrophoneID())
	}
	audioEval(t, `__audio.sendFrames([7])`)
	select {
	case seq := <-got:
		if seq != 7 {
			t.Errorf("frame %d", seq)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no frame after the switch")
	}

	// The old device's end is not reported; the current one's is.
	audioEval(t, `__audio.tracks[0].dispatchEvent(new Event('ended'))`)
	audioEval(t, `__audio.tracks[1].dispatchEvent(new Event('ended'))`)
	select {
	case id := <-ended:
		if id != "bluetooth" {
			t.Errorf("ended reported with %q in use", id)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the current microphone's end was not reported")
	}
	select {
	case id := <-ended:
		t.Errorf("a second end reported (%q): the old microphone's", id)
	default:
	}

	// A refused device leaves the current one in place.
	_ = a.Set("gum", audioEval(t, `() => Promise.reject(Object.assign(new Error('gone'), {name: 'OverconstrainedError'}))`))
	var me *MediaError
	if err := p.SetMicrophone(ctx, "gone"); !errors.As(err, &me) || me.Name != "OverconstrainedError" {
		t.Errorf("gone device: %v", err)
	}
	if s := jsString(t, `String(__audio.tracks[1].stopped) + __audio.sources.length`); s != "false2" || p.MicrophoneID() != "bluetooth" {
		t.Errorf("after a refused switch: %s, %q", s, p.MicrophoneID())
	}

	// Output device.
	if err := p.SetSinkID(ctx, "speaker-2"); err != nil {
		t.Fatal(err)
	}
	if p.SinkID() != "speaker-2" {
		t.Errorf("SinkID = %q", p.SinkID())
	}

	// Meters: on the input gain (not the source, which a switch replaces)
	// and on the playback node, in the pipe's own context.
	in, err := p.InputMeter()
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.OutputMeter()
	if err != nil {
		t.Fatal(err)
	}
	if s := jsString(t, `__audio.input.connections.join() + ' ' + __audio.nodes['kazoo-playback'].connections.join() + ' ' + (__audio.analysers[0].context === __audio.contexts[0])`); s != "kazoo-capture,analyser destination,analyser true" {
		t.Errorf("meters: %s", s)
	}
	buf := make([]float32, 4)
	if n, err := in.Samples(buf); err != nil || n != 4 || buf[1] != 0.125 {
		t.Errorf("input samples %d %v %v", n, buf, err)
	}
	in.Close()
	out.Close()
	if s := jsString(t, `__audio.input.connections.join() + ' ' + __audio.nodes['kazoo-playback'].connections.join()`); s != "kazoo-capture destination" {
		t.Errorf("after closing the meters: %s", s)
	}

	before := LiveFuncs()
	p.Close()
	if s := jsString(t, `String(__audio.tracks[1].stopped) + __audio.sources[1].disconnected + __audio.input.disconnected`); s != "truetruetrue" {
		t.Errorf("after Close: %s", s)
	}
	if n := LiveFuncs(); n >= before {
		t.Errorf("Close released no JS function (%d → %d)", before, n)
	}
	if err := p.SetMicrophone(ctx, ""); !errors.Is(err, ErrAudioClosed) {
		t.Errorf("SetMicrophone after Close: %v", err)
	}
	if _, err := p.InputMeter(); !errors.Is(err, ErrAudioClosed) {
		t.Errorf("InputMeter after Close: %v", err)
	}
}

func TestAudioPipeNoSinkSelection(t *testing.T) {
	setupAudio(t)
	audioEval(t, `delete __audio.AudioContext.prototype.setSinkId`)
	p, err := NewAudioPipe(context.Background(), AudioOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.SetSinkID(context.Background(), "x"); !errors.Is(err, ErrNoSinkSelection) {
		t.Errorf("SetSinkID without setSinkId: %v", err)
	}
	if s := jsString(t, `String('deviceId' in JSON.parse(__audio.constraints).audio)`); s != "false" {
		t.Error("the default microphone was asked with a deviceId")
	}
	if p.MicrophoneID() != "default" {
		t.Errorf("MicrophoneID = %q", p.MicrophoneID())
	}
}
