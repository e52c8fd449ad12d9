//go:build js && wasm

package jsbridge

import (
	"errors"
	"testing"

	"github.com/hack-pad/safejs"
)

// meterFakes is an AudioContext whose analysers return __meter.samples
// (the window's latest samples last); __meter records what was done.
const meterFakes = `(() => {
	const m = {contexts: [], sources: [], analysers: [], samples: null, initialState: 'suspended', floats: true};
	class Node {
		constructor(name, context) { this.name = name; this.context = context; this.connections = []; this.disconnected = false; }
		connect(n) { this.connections.push(n); }
		disconnect(n) {
			if (n === undefined) { this.disconnected = true; this.connections = []; return; }
			this.connections = this.connections.filter((c) => c !== n);
		}
	}
	m.Node = Node;
	m.AudioContext = class {
		constructor() { this.state = m.initialState; m.contexts.push(this); this.resumes = 0; this.suspends = 0; }
		resume() { this.resumes++; this.state = 'running'; return Promise.resolve(); }
		suspend() { this.suspends++; this.state = 'suspended'; return Promise.resolve(); }
		close() { this.state = 'closed'; return Promise.resolve(); }
		createMediaStreamSource(stream) {
			if (!stream.getAudioTracks().length) throw new DOMException('no audio track', 'InvalidStateError');
			const n = new Node('source', this); n.stream = stream; m.sources.push(n); return n;
		}
		createAnalyser() {
			const n = new Node('analyser', this);
			n.fftSize = 2048;
			const fill = (arr, f) => { for (let i = 0; i < arr.length; i++) arr[i] = f(m.samples ? m.samples[i] : 0); };
			if (m.floats) n.getFloatTimeDomainData = (arr) => fill(arr, (x) => x);
			n.getByteTimeDomainData = (arr) => fill(arr, (x) => Math.round(128 + 128 * x));
			m.analysers.push(n);
			return n;
		}
	};
	return m;
})()`

// setupMeters installs the fakes and forgets the shared page context.
func setupMeters(t *testing.T) safejs.Value {
	t.Helper()
	m := audioEval(t, meterFakes)
	g := safejs.Global()
	_ = g.Set("__meter", m)
	old, _ := g.Get("AudioContext")
	ctor, _ := m.Get("AudioContext")
	_ = g.Set("AudioContext", ctor)
	reset := func() {
		pageAudio.mu.Lock()
		pageAudio.ac, pageAudio.users, pageAudio.resuming = safejs.Undefined(), 0, false
		pageAudio.mu.Unlock()
	}
	reset()
	t.Cleanup(func() { _ = g.Set("AudioContext", old); reset() })
	return m
}

func TestLevelMeterStream(t *testing.T) {
	setupMeters(t)
	// A known window: sample i is i/1024 - 0.5, exactly representable.
	audioEval(t, `__meter.samples = Array.from({length: 1024}, (_, i) => i / 1024 - 0.5)`)
	stream := audioEval(t, `({getAudioTracks: () => [{kind: 'audio'}]})`)
	m, err := NewLevelMeter(stream)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ src, want string }{
		{`__meter.contexts.length`, "1"},
		{`__meter.analysers[0].fftSize`, "1024"},
		{`__meter.sources[0].connections[0] === __meter.analysers[0]`, "true"},
		{`__meter.analysers[0].connections.length`, "0"}, // not played out
	} {
		if got := jsString(t, `String(`+c.src+`)`); got != c.want {
			t.Errorf("%s = %s, want %s", c.src, got, c.want)
		}
	}
	eventually(t, "the page context to resume", func() bool { return jsString(t, `__meter.contexts[0].state`) == "running" })

	buf := make([]float32, 2000)
	n, err := m.Samples(buf)
	if err != nil || n != MeterFFTSize {
		t.Fatalf("Samples = %d, %v", n, err)
	}
	for i := 0; i < n; i++ {
		if want := float32(i)/1024 - 0.5; buf[i] != want {
			t.Fatalf("sample %d = %v, want %v", i, buf[i], want)
		}
	}
	// A short buffer gets the latest samples: the end of the window.
	short := make([]float32, 4)
	if n, err := m.Samples(short); err != nil || n != 4 || short[0] != float32(1020)/1024-0.5 || short[3] != float32(1023)/1024-0.5 {
		t.Fatalf("short Samples = %d %v %v", n, short, err)
	}

	// A second meter shares the context; the last Close suspends it.
	m2, err := NewLevelMeter(stream)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	m.Close()
	if _, err := m.Samples(buf); !errors.Is(err, ErrMeterClosed) {
		t.Errorf("Samples after Close: %v", err)
	}
	if s := jsString(t, `String(__meter.contexts.length) + __meter.contexts[0].state + __meter.sources[0].disconnected`); s != "1runningtrue" {
		t.Errorf("after the first Close: %s", s)
	}
	m2.Close()
	eventually(t, "the idle context to suspend", func() bool { return jsString(t, `__meter.contexts[0].state`) == "suspended" })

	if _, err := NewLevelMeter(audioEval(t, `({getAudioTracks: () => []})`)); err == nil {
		t.Error("a stream without audio track was metered")
	}
	if _, err := NewLevelMeter(audioEval(t, `({})`)); err == nil {
		t.Error("a plain object was metered")
	}
	if _, err := NewLevelMeter(safejs.Undefined()); err == nil {
		t.Error("undefined was metered")
	}
}

func TestLevelMeterByteFallback(t *testing.T) {
	setupMeters(t)
	audioEval(t, `__meter.floats = false, __meter.samples = Array.from({length: 1024}, (_, i) => i === 1023 ? 0.5 : -0.25)`)
	m, err := NewLevelMeter(audioEval(t, `({getAudioTracks: () => [{kind: 'audio'}]})`))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	buf := make([]float32, 2)
	if n, err := m.Samples(buf); err != nil || n != 2 || buf[0] != -0.25 || buf[1] != 0.5 {
		t.Fatalf("Samples = %d %v %v", n, buf, err)
	}
}

func TestLevelMeterNode(t *testing.T) {
	setupMeters(t)
	node := audioEval(t, `(() => { const ac = new __meter.AudioContext(); const n = new __meter.Node('playback', ac);
		n.connect({name: 'destination'}); return n; })()`)
	audioEval(t, `__meter.samples = Array(1024).fill(0.125)`)
	lm, err := NewLevelMeter(node)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]float32, 8)
	// The pipe's context is suspended (no user gesture yet): its analyser
	// renders nothing, and the meter says so rather than read silence; a
	// node meter never resumes the pipe's context itself.
	if n, err := lm.Samples(buf); !errors.Is(err, ErrMeterSuspended) || n != 0 {
		t.Fatalf("suspended context: Samples = %d, %v", n, err)
	}
	if s := jsString(t, `__meter.analysers[0].context === __meter.contexts[0] && __meter.contexts[0].state`); s != "suspended" {
		t.Errorf("node meter: analyser not in the node's own context, or the context was resumed (%s)", s)
	}
	audioEval(t, `__meter.contexts[0].state = 'running'`)
	if n, err := lm.Samples(buf); err != nil || n != 8 || buf[7] != 0.125 {
		t.Fatalf("Samples = %d %v %v", n, buf, err)
	}
	lm.Close()
	// Only the analyser was disconnected from the node: its output stays.
	_ = safejs.Global().Set("__node", node)
	if s := jsString(t, `__node.disconnected + ' ' + __node.connections.map((c) => c.name).join()`); s != "false destination" {
		t.Errorf("tapped node after Close: %s", s)
	}
	if _, err := NewLevelMeter(audioEval(t, `({connect() {}})`)); err == nil {
		t.Error("a node without context was metered")
	}
}

func TestMicrophoneMeterHearsWhileMuted(t *testing.T) {
	setupMeters(t)
	fakeStream := `(() => {
		const mk = (label) => ({kind: 'audio', label, enabled: true, stopped: false, stop() { this.stopped = true; }});
		const s = {tracks: [mk('orig')], getAudioTracks() { return this.tracks; },
			clone() { const c = Object.create(s); c.tracks = this.tracks.map((t) => Object.assign(mk('clone'), {enabled: t.enabled})); globalThis.__clone = c; return c; }};
		return s;
	})()`
	mic := &Microphone{stream: audioEval(t, fakeStream)}
	if err := mic.SetEnabled(false); err != nil { // muted
		t.Fatal(err)
	}
	lm, err := mic.Meter()
	if err != nil {
		t.Fatal(err)
	}
	if s := jsString(t, `[__clone.tracks[0].enabled, __meter.sources[0].stream === __clone, __clone.tracks[0].stopped].join()`); s != "true,true,false" {
		t.Errorf("clone enabled, metered, not stopped: %s", s)
	}
	if b, _ := get(t, mic.Track(), "enabled").Bool(); b {
		t.Error("Meter unmuted the sent track")
	}
	lm.Close()
	if b, _ := audioEval(t, `__clone.tracks[0].stopped`).Bool(); !b {
		t.Error("Close left the clone running")
	}
	if b, _ := get(t, mic.Track(), "stopped").Bool(); b {
		t.Error("Close stopped the microphone itself")
	}
}

func TestRemoteAudioMeterFollowsStream(t *testing.T) {
	setupMeters(t)
	audioEval(t, `__meter.samples = Array(1024).fill(0.5)`)
	el := audioEval(t, `({srcObject: null})`)
	ra := &RemoteAudio{el: el}
	lm, err := ra.Meter()
	if err != nil {
		t.Fatal(err)
	}
	defer lm.Close()
	buf := make([]float32, 16)
	if n, err := lm.Samples(buf); err != nil || n != 0 {
		t.Fatalf("before any stream: %d %v", n, err)
	}
	_ = el.Set("srcObject", audioEval(t, `({id: 's1', getAudioTracks: () => [{}]})`))
	if n, err := lm.Samples(buf); err != nil || n != 16 || buf[0] != 0.5 {
		t.Fatalf("first stream: %d %v %v", n, buf[0], err)
	}
	_ = el.Set("srcObject", audioEval(t, `({id: 's2', getAudioTracks: () => [{}]})`))
	if _, err := lm.Samples(buf); err != nil {
		t.Fatal(err)
	}
	if s := jsString(t, `__meter.sources.map((s) => s.stream.id + ':' + s.disconnected).join()`); s != "s1:true,s2:false" {
		t.Errorf("sources %s", s)
	}
	_ = el.Set("srcObject", safejs.Null())
	if n, err := lm.Samples(buf); err != nil || n != 0 {
		t.Fatalf("after the stream went: %d %v", n, err)
	}
	if s := jsString(t, `String(__meter.sources[1].disconnected)`); s != "true" {
		t.Error("the last source stayed connected")
	}
}

// The meter's shared context must not be a context the page closed.
func TestLevelMeterReplacesClosedContext(t *testing.T) {
	setupMeters(t)
	stream := audioEval(t, `({getAudioTracks: () => [{}]})`)
	m, err := NewLevelMeter(stream)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	audioEval(t, `__meter.contexts[0].close()`)
	m, err = NewLevelMeter(stream)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if n, _ := audioEval(t, `__meter.contexts.length`).Int(); n != 2 {
		t.Errorf("%d contexts, want a new one", n)
	}
}
