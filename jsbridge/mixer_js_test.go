//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"testing"

	"github.com/hack-pad/safejs"
)

// mixerFakes is a Web Audio graph that records its connections:
// __mix.hears(stream) names the streams whose audio reaches the
// destination node of a mixed stream, through nodes whose gain is not 0.
const mixerFakes = `(() => {
	const m = {contexts: [], nodes: [], tracks: []};
	const track = (label) => {
		const t = {kind: 'audio', label, enabled: true, readyState: 'live', stop() { this.readyState = 'ended'; }};
		m.tracks.push(t);
		return t;
	};
	m.stream = (label) => {
		const tracks = [track(label)];
		return {label, getAudioTracks: () => tracks,
			clone() { const c = m.stream(label + '-copy'); c.getAudioTracks()[0].enabled = tracks[0].enabled; return c; }};
	};
	class Node {
		constructor(kind, context) { this.kind = kind; this.context = context; this.connections = []; m.nodes.push(this); }
		connect(n) { this.connections.push(n); return n; }
		disconnect(n) {
			if (n === undefined) { this.connections = []; return; }
			if (!this.connections.includes(n)) throw new DOMException('not connected', 'InvalidAccessError');
			this.connections = this.connections.filter((c) => c !== n);
		}
	}
	m.AudioContext = class {
		constructor() { this.state = 'suspended'; this.destination = new Node('speaker', this); m.contexts.push(this); }
		resume() { this.state = 'running'; return Promise.resolve(); }
		close() { this.state = 'closed'; return Promise.resolve(); }
		createMediaStreamSource(stream) { const n = new Node('source', this); n.stream = stream; return n; }
		createMediaStreamDestination() { const n = new Node('destination', this); n.stream = m.stream('mix'); n.stream.node = n; return n; }
		createGain() { const n = new Node('gain', this); n.gain = {value: 1}; return n; }
	};
	m.hears = (stream) => {
		const out = [];
		for (const n of m.nodes) {
			if (n.kind !== 'source') continue;
			const seen = new Set();
			const reach = (x) => {
				if (x === stream.node) return true;
				if (seen.has(x) || (x.gain && x.gain.value === 0)) return false;
				seen.add(x);
				return x.connections.some(reach);
			};
			if (reach(n)) out.push(n.stream.label);
		}
		return out.sort().join();
	};
	m.connected = () => m.nodes.filter((n) => n.connections.length).length;
	return m;
})()`

func setupMixer(t *testing.T) {
	t.Helper()
	m := audioEval(t, mixerFakes)
	g := safejs.Global()
	_ = g.Set("__mix", m)
	old, _ := g.Get("AudioContext")
	ctor, _ := m.Get("AudioContext")
	_ = g.Set("AudioContext", ctor)
	t.Cleanup(func() { _ = g.Set("AudioContext", old) })
}

func TestMixer(t *testing.T) {
	setupMixer(t)
	mic := &Microphone{stream: audioEval(t, `__mix.stream('mic')`)}
	if err := mic.SetEnabled(false); err != nil { // the call is muted: the mix is not
		t.Fatal(err)
	}
	mx, err := NewMixer(mic)
	if err != nil {
		t.Fatal(err)
	}
	var members []*MixMember
	for _, who := range []string{"B", "C", "D"} {
		mm, err := mx.Add(audioEval(t, `__mix.stream('`+who+`')`))
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, mm)
	}
	b, c, d := members[0], members[1], members[2]
	hears := func(mm *MixMember) string {
		t.Helper()
		fn, _ := safejs.Global().Get("__mix")
		v, err := fn.Call("hears", mm.Stream().Stream())
		if err != nil {
			t.Fatal(err)
		}
		s, _ := v.String()
		return s
	}
	// Each member hears our microphone (the mixer's enabled copy) and
	// the others, never itself.
	for _, x := range []struct {
		mm   *MixMember
		want string
	}{{b, "C,D,mic-copy"}, {c, "B,D,mic-copy"}, {d, "B,C,mic-copy"}} {
		if got := hears(x.mm); got != x.want {
			t.Errorf("a member hears %q, want %q", got, x.want)
		}
	}
	for _, c := range []struct{ src, want string }{
		{`__mix.contexts.length`, "1"},
		// Nothing plays on the context's speaker: the calls' <audio>
		// elements play the members already.
		{`__mix.nodes.some((n) => n.connections.includes(__mix.contexts[0].destination))`, "false"},
		{`__mix.tracks.find((t) => t.label === 'mic-copy').enabled`, "true"},
		{`__mix.tracks.find((t) => t.label === 'mic').enabled`, "false"},
	} {
		if got := jsString(t, `String(`+c.src+`)`); got != c.want {
			t.Errorf("%s = %s, want %s", c.src, got, c.want)
		}
	}

	// Muting the call to B takes our voice out of B's mix only.
	if err := b.SetMicEnabled(false); err != nil {
		t.Fatal(err)
	}
	if got, got2 := hears(b), hears(c); got != "C,D" || got2 != "B,D,mic-copy" {
		t.Errorf("B muted: B hears %q, C hears %q", got, got2)
	}
	if err := b.SetMicEnabled(true); err != nil {
		t.Fatal(err)
	}
	if got := hears(b); got != "C,D,mic-copy" {
		t.Errorf("B unmuted: B hears %q", got)
	}

	if err := mx.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := jsString(t, `__mix.contexts[0].state`); st != "running" {
		t.Errorf("after Run the context is %s", st)
	}

	// C leaves: nobody hears it, its mix stops.
	c.Remove()
	c.Remove()
	if mx.Members() != 2 {
		t.Errorf("%d members after Remove", mx.Members())
	}
	if got, got2 := hears(b), hears(d); got != "D,mic-copy" || got2 != "B,mic-copy" {
		t.Errorf("after C left: B hears %q, D hears %q", got, got2)
	}
	if st := jsString(t, `__mix.tracks.filter((t) => t.label === 'mix').map((t) => t.readyState).join()`); st != "live,ended,live" {
		t.Errorf("mix tracks after C left: %s", st)
	}
	if err := c.SetMicEnabled(true); !errors.Is(err, ErrMixerClosed) {
		t.Errorf("SetMicEnabled of a removed member: %v", err)
	}

	mx.Close()
	mx.Close()
	for _, c := range []struct{ src, want string }{
		{`__mix.connected()`, "0"},
		{`__mix.tracks.filter((t) => t.label === 'mix').every((t) => t.readyState === 'ended')`, "true"},
		{`__mix.tracks.find((t) => t.label === 'mic-copy').readyState`, "ended"},
		{`__mix.tracks.find((t) => t.label === 'mic').readyState`, "live"}, // the call's own microphone
		{`__mix.contexts[0].state`, "closed"},
	} {
		if got := jsString(t, `String(`+c.src+`)`); got != c.want {
			t.Errorf("after Close: %s = %s, want %s", c.src, got, c.want)
		}
	}
	if _, err := mx.Add(audioEval(t, `__mix.stream('E')`)); !errors.Is(err, ErrMixerClosed) {
		t.Errorf("Add after Close: %v", err)
	}
	if err := mx.Run(context.Background()); !errors.Is(err, ErrMixerClosed) {
		t.Errorf("Run after Close: %v", err)
	}
}

func TestMixerNoRemoteStream(t *testing.T) {
	setupMixer(t)
	mx, err := NewMixer(&Microphone{stream: audioEval(t, `__mix.stream('mic')`)})
	if err != nil {
		t.Fatal(err)
	}
	defer mx.Close()
	if _, err := mx.Add(safejs.Null()); err == nil {
		t.Error("a call without remote audio joined the mix")
	}
	if _, err := NewMixer(nil); err == nil {
		t.Error("a mixer without microphone was made")
	}
}
