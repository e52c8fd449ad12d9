//go:build js && wasm

package jsbridge

// Node has no Web Audio: these tests drive AudioPipe with fakes shaped
// like the browser's (AudioContext, AudioWorkletNode whose port is a
// real MessageChannel, navigator.mediaDevices). The JS side of each
// channel plays the processor. The real worklet is tested in
// tests/playwright/audio/.

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
)

// audioFakes installs the fakes; globalThis.__audio records what the
// pipe did and configures the fakes' answers.
const audioFakes = `(() => {
	const a = {nodes: {}, received: [], captureIn: [], resumed: 0, initialState: 'running', resumeWorks: true,
		gum: null, addModule: null, contexts: []};
	class Node {
		constructor(name, context) { this.name = name; this.context = context; this.connections = []; this.disconnected = false; }
		connect(n) { this.connections.push(n.name); }
		disconnect(n) {
			if (n === undefined) { this.disconnected = true; this.connections = []; return; }
			this.connections.splice(this.connections.indexOf(n.name), 1);
		}
	}
	a.Node = Node;
	a.AudioContext = class {
		constructor(opts) {
			this.opts = opts; this.state = a.initialState; this.sampleRate = 48000;
			this.destination = new Node('destination');
			this.audioWorklet = {addModule: (url) => { a.moduleURL = url; return a.addModule ? a.addModule(url) : Promise.resolve(); }};
			a.contexts.push(this);
		}
		resume() {
			a.resumed++;
			if (!a.resumeWorks) return new Promise(() => {});
			this.state = 'running';
			return Promise.resolve();
		}
		close() { this.state = 'closed'; return Promise.resolve(); }
		createMediaStreamSource(stream) { const n = new Node('source', this); n.stream = stream; a.source = n; (a.sources ||= []).push(n); return n; }
		createGain() { const n = new Node('input', this); a.input = n; return n; }
		createAnalyser() {
			const n = new Node('analyser', this);
			n.getFloatTimeDomainData = (arr) => { for (let i = 0; i < arr.length; i++) arr[i] = (i % 4) / 8; };
			(a.analysers ||= []).push(n);
			return n;
		}
		setSinkId(id) { this.sinkId = id; return Promise.resolve(); }
	};
	a.AudioWorkletNode = class extends Node {
		constructor(ctx, name, options) {
			super(name, ctx);
			this.options = options;
			const ch = new MessageChannel();
			this.port = ch.port1;
			const proc = ch.port2;
			this.proc = proc;
			a.nodes[name] = this;
			if (name === 'kazoo-playback') {
				proc.onmessage = (e) => {
					const d = e.data;
					if (d && d.type === 'stats') {
						proc.postMessage({type: 'stats', id: d.id, received: a.received.length, played: 7, dropped: 2,
							underruns: 1, bufferMs: 60, playing: true, energy: 12.5, targetMs: 60, maxMs: 200, sampleRate: 48000, time: 3.5});
					} else {
						a.received.push(d);
					}
				};
			} else {
				proc.onmessage = (e) => a.captureIn.push(e.data);
			}
		}
	};
	// sendFrames posts frames from the fake capture processor.
	a.sendFrames = (seqs) => {
		for (const seq of seqs) {
			const data = new Uint8Array(160).fill(seq & 0xff);
			a.nodes['kazoo-capture'].proc.postMessage({type: 'frame', seq, data}, [data.buffer]);
		}
	};
	a.newTrack = (id) => Object.assign(new EventTarget(), {kind: 'audio', label: 'Fake mic ' + id, stopped: false,
		stop() { this.stopped = true; }, getSettings() { return {deviceId: id}; }});
	a.track = a.newTrack('default');
	a.track.label = 'Fake mic';
	a.tracks = [];
	a.navigator = {mediaDevices: {getUserMedia: (c) => {
		a.constraints = JSON.stringify(c);
		if (a.gum) return a.gum(c);
		const want = c.audio && c.audio.deviceId && c.audio.deviceId.exact;
		const track = want ? a.newTrack(want) : a.track;
		a.tracks.push(track);
		return Promise.resolve({getAudioTracks: () => [track]});
	}}};
	return a;
})()`

// audioEval evaluates a JS expression.
func audioEval(t *testing.T, src string) safejs.Value {
	t.Helper()
	fn, err := safejs.Global().Get("Function")
	if err != nil {
		t.Fatal(err)
	}
	f, err := fn.New("return (" + src + ")")
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.Invoke()
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return v
}

// setupAudio installs fresh fakes as globals for one test and returns
// the recorder object.
func setupAudio(t *testing.T) safejs.Value {
	t.Helper()
	g := safejs.Global()
	a := audioEval(t, audioFakes)
	_ = g.Set("__audio", a)
	for _, name := range []string{"AudioContext", "AudioWorkletNode", "navigator"} {
		old, _ := g.Get(name)
		v, _ := a.Get(name)
		if err := g.Set(name, v); err != nil {
			t.Skip("cannot replace", name, err)
		}
		t.Cleanup(func() { _ = g.Set(name, old) })
	}
	return a
}

func jsString(t *testing.T, src string) string {
	t.Helper()
	s, _ := audioEval(t, src).String()
	return s
}

// eventually waits (yielding to the JS event loop) until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 3*time.Second {
			t.Fatal("timed out waiting for", what)
		}
	}
}

func TestAudioPipe(t *testing.T) {
	setupAudio(t)
	ctx := context.Background()
	p, err := NewAudioPipe(ctx, AudioOptions{Law: "pcma", WorkletURL: "https://cdn.test/k/kazoo-audio-worklet.js", JitterMs: 40})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// JS expressions and their expected values (key order in objects
	// made from Go maps is not fixed, so fields are read one by one).
	for _, c := range []struct{ src, want string }{
		{`__audio.contexts[0].opts.latencyHint`, "interactive"},
		{`__audio.moduleURL`, "https://cdn.test/k/kazoo-audio-worklet.js"},
		{`(({echoCancellation: e, noiseSuppression: n, autoGainControl: g}) => [e, n, g].join())(JSON.parse(__audio.constraints).audio)`, "true,true,true"},
		{`(({processorOptions: o, channelCount, channelCountMode}) => [o.law, channelCount, channelCountMode].join())(__audio.nodes['kazoo-capture'].options)`, "pcma,1,explicit"},
		{`(({jitterMs, law, maxMs}) => [jitterMs, law, maxMs].join())(__audio.nodes['kazoo-playback'].options.processorOptions)`, "40,pcma,0"},
		{`__audio.source.connections.join() + ' ' + __audio.source.stream.getAudioTracks()[0].label`, "input Fake mic"},
		{`__audio.input.connections.join()`, "kazoo-capture"},
		{`__audio.nodes['kazoo-capture'].connections.join()`, "destination"},
		{`__audio.nodes['kazoo-playback'].connections.join()`, "destination"},
	} {
		if got := jsString(t, c.src); got != c.want {
			t.Errorf("%s = %q, want %q", c.src, got, c.want)
		}
	}
	if !p.Running() {
		t.Error("not running")
	}

	// Captured frames reach OnFrame in order, with their sequence numbers.
	type frame struct {
		data []byte
		seq  uint16
	}
	got := make(chan frame, 10)
	p.OnFrame(func(b []byte, seq uint16) { got <- frame{b, seq} })
	audioEval(t, `__audio.sendFrames([65535, 0, 1])`)
	for _, want := range []uint16{65535, 0, 1} {
		select {
		case f := <-got:
			if f.seq != want || len(f.data) != FrameBytes || f.data[0] != byte(want) || f.data[159] != byte(want) {
				t.Fatalf("frame seq %d len %d first %d, want seq %d", f.seq, len(f.data), f.data[0], want)
			}
		case <-time.After(3 * time.Second):
			t.Fatal("no frame delivered")
		}
	}

	// Play sends the bytes to the playback processor.
	frameOut := bytes.Repeat([]byte{0xd5}, FrameBytes)
	frameOut[0] = 0x2a
	if err := p.Play(frameOut); err != nil {
		t.Fatal(err)
	}
	if err := p.Play(nil); err == nil {
		t.Error("an empty frame was accepted")
	}
	eventually(t, "the played frame", func() bool { n, _ := audioEval(t, `__audio.received.length`).Int(); return n == 1 })
	if s := jsString(t, `(() => { const d = __audio.received[0]; return d.constructor.name + ':' + d.length + ':' + d[0] + ':' + d[1]; })()`); s != "Uint8Array:160:42:213" {
		t.Errorf("received %s", s)
	}

	if err := p.SetMuted(true); err != nil {
		t.Fatal(err)
	}
	if err := p.Reset(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the mute message", func() bool { n, _ := audioEval(t, `__audio.captureIn.length`).Int(); return n == 1 })
	if s := jsString(t, `JSON.stringify(__audio.captureIn[0])`); s != `{"muted":true,"type":"mute"}` && s != `{"type":"mute","muted":true}` {
		t.Errorf("mute message %s", s)
	}

	sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	st, err := p.Stats(sctx)
	if err != nil {
		t.Fatal(err)
	}
	want := AudioStats{State: "running", SampleRate: 48000, FramesCaptured: 3, FramesReceived: 2, FramesPlayed: 7, FramesDropped: 2,
		Underruns: 1, BufferMs: 60, Playing: true, Energy: 12.5, TargetMs: 60, MaxMs: 200, ContextTime: 3.5}
	if st != want {
		t.Errorf("stats\n got %+v\nwant %+v", st, want)
	}

	p.Close()
	p.Close()
	for _, src := range []string{`__audio.track.stopped`, `__audio.contexts[0].state === 'closed'`,
		`__audio.nodes['kazoo-capture'].disconnected`, `__audio.nodes['kazoo-playback'].disconnected`} {
		if b, _ := audioEval(t, src).Bool(); !b {
			t.Errorf("after Close: %s is false", src)
		}
	}
	if err := p.Play(frameOut); !errors.Is(err, ErrAudioClosed) {
		t.Errorf("Play after Close: %v", err)
	}
	if _, err := p.Stats(ctx); !errors.Is(err, ErrAudioClosed) {
		t.Errorf("Stats after Close: %v", err)
	}
	if err := p.SetMuted(false); !errors.Is(err, ErrAudioClosed) {
		t.Errorf("SetMuted after Close: %v", err)
	}
	select {
	case f := <-got:
		t.Errorf("frame %d after Close", f.seq)
	case <-time.After(20 * time.Millisecond):
	}
}

func TestAudioPipeCaptureOverflow(t *testing.T) {
	setupAudio(t)
	p, err := NewAudioPipe(context.Background(), AudioOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if s := jsString(t, `__audio.moduleURL + ' ' + __audio.nodes['kazoo-capture'].options.processorOptions.law`); s != WorkletFile+" pcmu" {
		t.Errorf("defaults: %s", s)
	}
	release := make(chan struct{})
	var seqs []uint16
	done := make(chan struct{})
	p.OnFrame(func(_ []byte, seq uint16) {
		if seq == 0 {
			<-release // a stuck consumer, e.g. a WebSocket write
		}
		seqs = append(seqs, seq)
		if seq == 50 {
			close(done)
		}
	})
	audioEval(t, `__audio.sendFrames(Array.from({length: 60}, (_, i) => i))`)
	eventually(t, "60 frames", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.captured == 60
	})
	st, err := p.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.FramesCaptured != 60 || st.CaptureOverflow != 9 {
		t.Errorf("captured %d, overflow %d; want 60, 9 (1 in the callback, 50 queued)", st.FramesCaptured, st.CaptureOverflow)
	}
	close(release)
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("frame 50 never delivered")
	}
	time.Sleep(20 * time.Millisecond)
	// The newest frames were lost, which the sequence gap shows.
	if len(seqs) != 51 || seqs[0] != 0 || seqs[50] != 50 {
		t.Errorf("delivered %d frames: %v", len(seqs), seqs)
	}
}

func TestAudioPipeSuspended(t *testing.T) {
	a := setupAudio(t)
	_ = a.Set("initialState", "suspended")
	_ = a.Set("resumeWorks", false)
	start := time.Now()
	p, err := NewAudioPipe(context.Background(), AudioOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("NewAudioPipe waited %v for a context that cannot resume", d)
	}
	if p.Running() || p.State() != "suspended" {
		t.Fatalf("state %s", p.State())
	}
	if n, _ := audioEval(t, `__audio.resumed`).Int(); n != 1 {
		t.Errorf("resume called %d times", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := p.Resume(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Resume without a gesture: %v", err)
	}
	_ = a.Set("resumeWorks", true)
	if err := p.Resume(context.Background()); err != nil || !p.Running() {
		t.Fatalf("Resume: %v, state %s", err, p.State())
	}
}

func TestAudioPipeFailures(t *testing.T) {
	ctx := context.Background()
	if _, err := NewAudioPipe(ctx, AudioOptions{Law: "opus"}); err == nil {
		t.Error("law opus accepted")
	}

	a := setupAudio(t)
	_ = a.Set("gum", audioEval(t, `() => Promise.reject(Object.assign(new Error('denied'), {name: 'NotAllowedError'}))`))
	_, err := NewAudioPipe(ctx, AudioOptions{})
	var me *MediaError
	if !errors.As(err, &me) || me.Name != "NotAllowedError" {
		t.Fatalf("denied microphone: %v", err)
	}
	if s := jsString(t, `__audio.contexts[0].state`); s != "closed" {
		t.Errorf("AudioContext left %s after a refusal", s)
	}

	a = setupAudio(t)
	_ = a.Set("addModule", audioEval(t, `() => Promise.reject(new DOMException('Unable to load a worklet', 'AbortError'))`))
	_, err = NewAudioPipe(ctx, AudioOptions{WorkletURL: "/missing.js"})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("/missing.js")) {
		t.Fatalf("missing worklet: %v", err)
	}
	for _, src := range []string{`__audio.track.stopped`, `__audio.contexts[0].state === 'closed'`} {
		if b, _ := audioEval(t, src).Bool(); !b {
			t.Errorf("after a failed addModule: %s is false", src)
		}
	}

	setupAudio(t)
	_ = safejs.Global().Set("AudioContext", safejs.Undefined())
	if _, err := NewAudioPipe(ctx, AudioOptions{}); !errors.Is(err, ErrAudioUnavailable) {
		t.Errorf("no AudioContext: %v", err)
	}
}
