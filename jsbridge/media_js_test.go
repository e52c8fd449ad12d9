//go:build js && wasm

package jsbridge

// Node has no WebRTC: these tests drive the media helpers with fake JS
// objects shaped like the browser's.

import (
	"context"
	"errors"
	"syscall/js"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
)

type jv struct{ v safejs.Value }

func (j jv) JSValue() js.Value { return safejs.Unsafe(j.v) }

func get(t *testing.T, v safejs.Value, path ...string) safejs.Value {
	t.Helper()
	for _, p := range path {
		var err error
		if v, err = v.Get(p); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

func TestInsertDTMF(t *testing.T) {
	sender := eval(t, `{dtmf: {canInsertDTMF: true, calls: [], insertDTMF(t, d, g) { this.calls.push([t, d, g].join('/')); }}}`)
	if err := InsertDTMF(jv{sender}, "12#", 100, 70); err != nil {
		t.Fatal(err)
	}
	if s, _ := get(t, sender, "dtmf", "calls").Call("join", ","); func() string { x, _ := s.String(); return x }() != "12#/100/70" {
		t.Fatalf("calls = %v", s)
	}
	// Tones still waiting are kept: insertDTMF replaces the buffer.
	_ = get(t, sender, "dtmf").Set("toneBuffer", "#")
	if err := InsertDTMF(jv{sender}, "9", 100, 70); err != nil {
		t.Fatal(err)
	}
	if s, _ := get(t, sender, "dtmf", "calls").Call("join", ","); func() string { x, _ := s.String(); return x }() != "12#/100/70,#9/100/70" {
		t.Fatalf("calls = %v", s)
	}
	for _, src := range []string{`{dtmf: {canInsertDTMF: false, insertDTMF() {}}}`, `{dtmf: null}`} {
		if err := InsertDTMF(jv{eval(t, src)}, "1", 100, 70); !errors.Is(err, ErrNoDTMF) {
			t.Errorf("%s: err = %v", src, err)
		}
	}
	thrower := eval(t, `{dtmf: {canInsertDTMF: true, insertDTMF() { throw new Error('InvalidCharacterError'); }}}`)
	if err := InsertDTMF(jv{thrower}, "x", 100, 70); err == nil {
		t.Fatal("a throwing insertDTMF gave no error")
	}
}

func TestTransceiver(t *testing.T) {
	tr := eval(t, `{direction: 'recvonly', currentDirection: null, mid: '0', stopped: false, receiver: {track: {kind: 'audio'}}}`)
	if err := SetTransceiverDirection(jv{tr}, "sendonly"); err != nil {
		t.Fatal(err)
	}
	info, err := DescribeTransceiver(jv{tr})
	if err != nil {
		t.Fatal(err)
	}
	want := TransceiverInfo{Kind: "audio", Mid: "0", Direction: "sendonly"}
	if info != want {
		t.Fatalf("info = %+v, want %+v", info, want)
	}
	info, _ = DescribeTransceiver(jv{eval(t, `{direction: 'stopped', receiver: {track: {kind: 'video'}}}`)})
	if !info.Stopped || info.Kind != "video" {
		t.Fatalf("stopped transceiver: %+v", info)
	}
	if _, err := DescribeTransceiver(jv{safejs.Undefined()}); err == nil {
		t.Fatal("undefined accepted as a transceiver")
	}
	if !SameObject(jv{tr}, jv{tr}) || SameObject(jv{tr}, jv{eval(t, "({})")}) || SameObject(jv{tr}, jv{safejs.Null()}) {
		t.Fatal("SameObject")
	}
}

// withNavigator sets globalThis.navigator for one test.
func withNavigator(t *testing.T, src string) {
	t.Helper()
	g := safejs.Global()
	old, _ := g.Get("navigator")
	if err := g.Set("navigator", eval(t, src)); err != nil {
		t.Skip("cannot replace navigator:", err)
	}
	t.Cleanup(func() { _ = g.Set("navigator", old) })
}

const fakeStream = `(() => {
	const track = {kind: 'audio', label: 'Fake mic', enabled: true, stopped: false, stop() { this.stopped = true; }};
	return {track, getAudioTracks() { return [track]; }};
})()`

func TestGetUserMedia(t *testing.T) {
	ctx := context.Background()
	withNavigator(t, `{mediaDevices: {getUserMedia: () => Promise.reject(Object.assign(new Error('denied'), {name: 'NotAllowedError'}))}}`)
	_, err := GetUserMedia(ctx)
	var me *MediaError
	if !errors.As(err, &me) || me.Name != "NotAllowedError" || me.Message != "denied" {
		t.Fatalf("err = %#v", err)
	}

	withNavigator(t, `{}`)
	if _, err := GetUserMedia(ctx); !errors.As(err, &me) || me.Name != "Unavailable" {
		t.Fatalf("no mediaDevices: err = %v", err)
	}

	withNavigator(t, `{mediaDevices: {getUserMedia: async (c) => { globalThis.__constraints = JSON.stringify(c); return globalThis.__stream = `+fakeStream+`; }}}`)
	mic, err := GetUserMedia(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Key order is not fixed: compare the fields.
	if c, _ := get(t, safejs.Global(), "__constraints").String(); c != `{"audio":true,"video":false}` && c != `{"video":false,"audio":true}` {
		t.Errorf("constraints = %s", c)
	}
	if mic.Label() != "Fake mic" {
		t.Errorf("label = %q", mic.Label())
	}
	track := get(t, safejs.Global(), "__stream", "track")
	if err := mic.SetEnabled(false); err != nil {
		t.Fatal(err)
	}
	if b, _ := get(t, track, "enabled").Bool(); b {
		t.Error("track still enabled")
	}
	sender := eval(t, `{replaceTrack(t) { this.track = t; return Promise.resolve(); }}`)
	if err := ReplaceTrack(ctx, jv{sender}, mic); err != nil {
		t.Fatal(err)
	}
	if !get(t, sender, "track").Equal(track) {
		t.Error("replaceTrack got another track")
	}
	mic.Stop()
	if b, _ := get(t, track, "stopped").Bool(); !b {
		t.Error("track not stopped")
	}
}

func TestGetUserMediaLateStreamIsStopped(t *testing.T) {
	withNavigator(t, `{mediaDevices: {getUserMedia: () => new Promise((r) => setTimeout(() => r(globalThis.__late = `+fakeStream+`), 30))}}`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if _, err := GetUserMedia(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		late := get(t, safejs.Global(), "__late")
		if late.Type() == safejs.TypeObject {
			if b, _ := get(t, late, "track", "stopped").Bool(); b {
				t.Logf("stopped after %v", time.Since(start))
				return
			}
		}
		if time.Since(start) > 2*time.Second {
			t.Fatal("a stream granted after the context ended was left open")
		}
	}
}

func TestListenPeer(t *testing.T) {
	pc := eval(t, `Object.assign(new EventTarget(), {iceConnectionState: 'new', iceGatheringState: 'new'})`)
	var ice, gather []string
	pl, err := ListenPeer(jv{pc}, PeerEvents{
		ICEConnectionState: func(s string) { ice = append(ice, s) },
		ICEGatheringState:  func(s string) { gather = append(gather, s) },
	})
	if err != nil {
		t.Fatal(err)
	}
	fire := func(prop, state, event string) {
		_ = pc.Set(prop, state)
		ev, _ := get(t, safejs.Global(), "Event").New(event)
		if _, err := pc.Call("dispatchEvent", ev); err != nil {
			t.Fatal(err)
		}
	}
	fire("iceConnectionState", "checking", "iceconnectionstatechange")
	fire("iceGatheringState", "gathering", "icegatheringstatechange")
	fire("iceConnectionState", "connected", "iceconnectionstatechange")
	fire("iceGatheringState", "complete", "icegatheringstatechange")
	pl.Release()
	pl.Release()
	fire("iceConnectionState", "failed", "iceconnectionstatechange") // no listener any more
	if len(ice) != 2 || ice[0] != "checking" || ice[1] != "connected" {
		t.Errorf("ice = %v", ice)
	}
	if len(gather) != 2 || gather[1] != "complete" {
		t.Errorf("gather = %v", gather)
	}
}

func TestRemoteAudio(t *testing.T) {
	g := safejs.Global()
	for name, src := range map[string]string{
		"document": `{
			body: {children: [], appendChild(el) { this.children.push(el); el.parent = this; }},
			createElement(tag) { return {tag, attrs: {}, srcObject: null,
				setAttribute(k, v) { this.attrs[k] = v; },
				remove() { const c = this.parent.children; c.splice(c.indexOf(this), 1); }}; },
		}`,
		"MediaStream": `class { constructor(tracks) { this.tracks = tracks; } }`,
	} {
		old, _ := g.Get(name)
		_ = g.Set(name, eval(t, src))
		t.Cleanup(func() { _ = g.Set(name, old) })
	}
	pc := eval(t, `new EventTarget()`)
	ra, err := NewRemoteAudio(jv{pc})
	if err != nil {
		t.Fatal(err)
	}
	children := get(t, g, "document", "body", "children")
	if n, _ := children.Length(); n != 1 {
		t.Fatalf("%d elements appended", n)
	}
	el, _ := children.Index(0)
	if a, _ := get(t, el, "autoplay").Bool(); !a {
		t.Error("not autoplay")
	}
	if v, _ := get(t, el, "attrs", RemoteAudioAttr).String(); v != "remote" {
		t.Errorf("%s = %q", RemoteAudioAttr, v)
	}
	track := func(src string) {
		ev := eval(t, `Object.assign(new Event('track'), `+src+`)`)
		if _, err := pc.Call("dispatchEvent", ev); err != nil {
			t.Fatal(err)
		}
	}
	track(`{track: {kind: 'video'}, streams: [{id: 'v'}]}`)
	if !get(t, el, "srcObject").IsNull() {
		t.Error("a video track was played")
	}
	track(`{track: {kind: 'audio'}, streams: [{id: 's1'}]}`)
	if id, _ := get(t, el, "srcObject", "id").String(); id != "s1" {
		t.Errorf("srcObject = %v", id)
	}
	track(`{track: {kind: 'audio', id: 't2'}, streams: []}`)
	if id, _ := get(t, el, "srcObject", "tracks").Index(0); func() string { s, _ := get(t, id, "id").String(); return s }() != "t2" {
		t.Error("a stream-less track was not wrapped in a MediaStream")
	}
	ra.Remove()
	ra.Remove()
	if n, _ := children.Length(); n != 0 {
		t.Fatal("element not removed")
	}
	if !get(t, el, "srcObject").IsNull() {
		t.Error("srcObject kept after Remove")
	}
	track(`{track: {kind: 'audio'}, streams: [{id: 'late'}]}`) // no listener any more
}

func TestGetStats(t *testing.T) {
	pc := eval(t, `{getStats: async () => new Map([
		['a', {id: 'a', type: 'inbound-rtp', kind: 'audio', packetsReceived: 5, jitter: 0.002}],
		['b', {id: 'b', type: 'codec', mimeType: 'audio/opus'}],
	])}`)
	report, err := GetStats(context.Background(), jv{pc})
	if err != nil {
		t.Fatal(err)
	}
	if len(report) != 2 || report[0]["packetsReceived"] != 5.0 || report[1]["mimeType"] != "audio/opus" {
		t.Fatalf("report = %v", report)
	}
	failing := eval(t, `{getStats: async () => { throw new Error('closed'); }}`)
	if _, err := GetStats(context.Background(), jv{failing}); err == nil {
		t.Fatal("no error from a rejected getStats")
	}
}
