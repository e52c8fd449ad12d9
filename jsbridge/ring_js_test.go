//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"testing"

	"github.com/hack-pad/safejs"
)

// ringFakes is an AudioContext recording the graph the ringer builds.
const ringFakes = `(() => {
	const r = {contexts: [], nodes: []};
	const param = (v) => ({value: v, name: 'param'});
	class Node {
		constructor(kind, ctx) { this.kind = kind; this.context = ctx; this.connections = []; this.disconnected = false; r.nodes.push(this); }
		connect(n) { this.connections.push(n); }
		disconnect() { this.disconnected = true; this.connections = []; }
	}
	class Source extends Node {
		start(when) { this.started = when === undefined ? this.context.currentTime : when; }
		stop() { this.stopped = true; }
	}
	r.AudioContext = class {
		constructor() {
			this.state = 'running'; this.sampleRate = 8000; this.currentTime = 1.5; this.sinkId = '';
			this.destination = new Node('destination', this);
			r.contexts.push(this);
		}
		resume() { this.state = 'running'; return Promise.resolve(); }
		suspend() { this.state = 'suspended'; return Promise.resolve(); }
		close() { this.state = 'closed'; return Promise.resolve(); }
		setSinkId(id) { this.sinkId = id; return Promise.resolve(); }
		createGain() { const n = new Node('gain', this); n.gain = param(1); n.gain.owner = n; return n; }
		createBiquadFilter() { const n = new Node('biquad', this); n.type = 'lowpass'; n.frequency = param(350); return n; }
		createOscillator() { const n = new Source('oscillator', this); n.type = 'sine'; n.frequency = param(440); return n; }
		createBufferSource() { const n = new Source('buffer', this); n.loop = false; n.buffer = null; return n; }
		createBuffer(channels, length, rate) {
			const data = new Float32Array(length);
			return {numberOfChannels: channels, length, sampleRate: rate, getChannelData: () => data};
		}
	};
	// describe renders the ring's graph for assertions.
	r.describe = () => {
		const live = r.nodes.filter((n) => !n.disconnected && n.kind !== 'destination');
		const oscs = live.filter((n) => n.kind === 'oscillator');
		const gate = live.find((n) => n.kind === 'gain' && n.gain.value === 0);
		const env = live.find((n) => n.kind === 'buffer');
		const filt = live.find((n) => n.kind === 'biquad');
		if (!gate || !env || !filt) return 'silent';
		const out = gate.connections[0];
		return [
			oscs.map((o) => o.frequency.value + (o.connections[0] === gate ? '>gate' : '>?') + '@' + o.started).join(' '),
			'env loop=' + env.loop + (env.connections[0] === filt ? '>lowpass' : '>?') + '@' + env.started,
			filt.type + ' ' + filt.frequency.value + (filt.connections[0] === gate.gain ? '>gate.gain' : '>?'),
			'gate>' + (out && out.kind === 'gain' ? 'volume ' + out.gain.value : '?') + (out && out.connections[0] === out.context.destination ? '>destination' : '>?'),
		].join('; ');
	};
	return r;
})()`

func setupRing(t *testing.T) safejs.Value {
	t.Helper()
	r := audioEval(t, ringFakes)
	g := safejs.Global()
	_ = g.Set("__ring", r)
	old, _ := g.Get("AudioContext")
	ctor, _ := r.Get("AudioContext")
	_ = g.Set("AudioContext", ctor)
	t.Cleanup(func() { _ = g.Set("AudioContext", old) })
	return r
}

func TestRinger(t *testing.T) {
	setupRing(t)
	ctx := context.Background()
	r, err := NewRinger(RingerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Silent and suspended until Start.
	if s := jsString(t, `__ring.describe() + ' ' + __ring.contexts[0].state`); s != "silent suspended" || r.Ringing() {
		t.Errorf("before Start: %s", s)
	}
	// The envelope: 3 s at 8 kHz, on 0–0.4 s and 0.6–1.0 s, off elsewhere.
	env := `__ring.nodes.find((n) => n.kind === 'buffer' && !n.disconnected).buffer`
	if err := r.SetSinkID(ctx, "loudspeaker"); err != nil {
		t.Fatal(err)
	}
	if r.SinkID() != "loudspeaker" {
		t.Errorf("SinkID = %q", r.SinkID())
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil { // ringing already: nothing more
		t.Fatal(err)
	}
	want := "400>gate@1.5 450>gate@1.5; env loop=true>lowpass@1.5; lowpass 150>gate.gain; gate>volume 0.25>destination"
	if s := jsString(t, `__ring.describe()`); s != want {
		t.Errorf("graph\n got %s\nwant %s", s, want)
	}
	if n, _ := audioEval(t, `__ring.nodes.filter((n) => n.kind === 'oscillator').length`).Int(); n != 2 {
		t.Errorf("%d oscillators after two Starts", n)
	}
	eventually(t, "the context to run", r.Running)
	// Sample the envelope every 50 ms (8 kHz: 400 samples).
	if s := jsString(t, `(() => { const b = `+env+`, d = b.getChannelData(0); let s = b.length + ':';
		for (let i = 0; i < d.length; i += 400) s += d[i]; return s; })()`); s != "24000:"+"11111111"+"0000"+"11111111"+"0000000000000000000000000000000000000000" {
		t.Errorf("envelope %s", s)
	}

	r.Stop()
	if s := jsString(t, `__ring.describe() + ' ' + __ring.nodes.filter((n) => n.stopped).length`); s != "silent 3" || r.Ringing() {
		t.Errorf("after Stop: %s", s)
	}
	eventually(t, "the context to suspend", func() bool { return !r.Running() })
	r.Stop()

	// A new ring uses new one-shot nodes.
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	if s := jsString(t, `__ring.describe()`); s != want {
		t.Errorf("second ring: %s", s)
	}
	r.Close()
	r.Close()
	if s := jsString(t, `__ring.describe() + ' ' + __ring.contexts[0].state`); s != "silent closed" {
		t.Errorf("after Close: %s", s)
	}
	if err := r.Start(); !errors.Is(err, ErrRingerClosed) {
		t.Errorf("Start after Close: %v", err)
	}
	if err := r.SetSinkID(ctx, ""); !errors.Is(err, ErrRingerClosed) {
		t.Errorf("SetSinkID after Close: %v", err)
	}
}

func TestRingerOptions(t *testing.T) {
	setupRing(t)
	if _, err := NewRinger(RingerOptions{Volume: 2}); err == nil {
		t.Error("volume 2 accepted")
	}
	audioEval(t, `delete __ring.AudioContext.prototype.setSinkId`)
	r, err := NewRinger(RingerOptions{Volume: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.SetSinkID(context.Background(), "x"); !errors.Is(err, ErrNoSinkSelection) {
		t.Errorf("no setSinkId: %v", err)
	}
	_ = r.Start()
	if s := jsString(t, `__ring.describe()`); s == "silent" || s[len(s)-len("volume 0.1>destination"):] != "volume 0.1>destination" {
		t.Errorf("graph %s", s)
	}
	_ = safejs.Global().Set("AudioContext", safejs.Undefined())
	if _, err := NewRinger(RingerOptions{}); !errors.Is(err, ErrAudioUnavailable) {
		t.Errorf("no AudioContext: %v", err)
	}
}
