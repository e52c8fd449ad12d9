//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hack-pad/safejs"
)

// A local conference mixes in the page, in one AudioContext of its own
// (the graph below; every sample is summed by Web Audio, never by Go):
//
//	microphone ─▶ mic gain B ─▶ to B (MediaStreamAudioDestinationNode)
//	           └▶ mic gain C ─▶ to C
//	from B (MediaStreamAudioSourceNode) ─▶ to C
//	from C ───────────────────────────────▶ to B
//
// Each member is sent our microphone and every other member, never
// itself. The page's speaker keeps playing each member through the
// call's own <audio> element, so nothing goes to the context's
// destination (that would play every member twice). A member's mic gain
// is 0 while its call is muted: muting one call takes our voice out of
// what that member hears, and only ours.

// ErrMixerClosed is returned by the Mixer's methods after Close.
var ErrMixerClosed = errors.New("jsbridge: the conference mixer is closed")

// Mixer is a local conference's audio graph. Its methods may be called
// from any goroutine but not from a JS event handler (Run waits on the
// browser); they never block one another long.
type Mixer struct {
	mu      sync.Mutex // guards the graph; held across JS calls, never taken by JS events
	closed  bool
	ac      safejs.Value
	mic     *Microphone  // the mixer's own copy of our microphone
	micNode safejs.Value // its MediaStreamAudioSourceNode
	members []*MixMember
}

// MixMember is one party of the conference.
type MixMember struct {
	m      *Mixer
	from   safejs.Value // MediaStreamAudioSourceNode of what the member sends us
	micIn  safejs.Value // GainNode: our microphone in the member's mix
	to     safejs.Value // MediaStreamAudioDestinationNode: what we send the member
	out    *Microphone  // to's stream
	gone   bool
	hasMic bool
}

// NewMixer makes a mixer on an AudioContext of its own, whose members
// hear mic: a copy of it (Clone, enabled) that the mixer stops on Close,
// so muting or stopping mic does not touch the mix.
func NewMixer(mic *Microphone) (*Mixer, error) {
	if mic == nil {
		return nil, errors.New("jsbridge: the mixer needs a microphone")
	}
	ctor, err := audioContextCtor()
	if err != nil {
		return nil, err
	}
	ac, err := ctor.New()
	if err != nil {
		return nil, fmt.Errorf("%w: new AudioContext: %v", ErrAudioUnavailable, err)
	}
	m := &Mixer{ac: ac}
	if m.mic, err = mic.Clone(); err != nil {
		m.Close()
		return nil, fmt.Errorf("jsbridge: mixer: copy the microphone: %w", err)
	}
	if err := m.mic.SetEnabled(true); err != nil {
		m.Close()
		return nil, fmt.Errorf("jsbridge: mixer: %w", err)
	}
	if m.micNode, err = ac.Call("createMediaStreamSource", m.mic.stream); err != nil {
		m.Close()
		return nil, fmt.Errorf("jsbridge: mixer: createMediaStreamSource (microphone): %w", err)
	}
	return m, nil
}

// Add makes remote (the MediaStream a member's call plays, e.g.
// RemoteAudio.Stream) a member: it hears our microphone and every other
// member, and every other member hears it. The member's mix is its
// Stream, to send on its call instead of the microphone.
func (m *Mixer) Add(remote safejs.Value) (*MixMember, error) {
	if remote.Type() != safejs.TypeObject {
		return nil, errors.New("jsbridge: mixer: the call has no remote audio yet")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrMixerClosed
	}
	mm := &MixMember{m: m}
	var err error
	if mm.from, err = m.ac.Call("createMediaStreamSource", remote); err != nil {
		return nil, fmt.Errorf("jsbridge: mixer: createMediaStreamSource: %w", err)
	}
	fail := func(what string, err error) (*MixMember, error) {
		mm.disconnect()
		return nil, fmt.Errorf("jsbridge: mixer: %s: %w", what, err)
	}
	if mm.to, err = m.ac.Call("createMediaStreamDestination"); err != nil {
		return fail("createMediaStreamDestination", err)
	}
	stream, err := mm.to.Get("stream")
	if err != nil || stream.Type() != safejs.TypeObject {
		return fail("destination stream", errors.New("missing"))
	}
	mm.out = &Microphone{stream: stream}
	if mm.micIn, err = m.ac.Call("createGain"); err != nil {
		return fail("createGain", err)
	}
	if _, err := m.micNode.Call("connect", mm.micIn); err != nil {
		return fail("connect the microphone", err)
	}
	mm.hasMic = true
	if _, err := mm.micIn.Call("connect", mm.to); err != nil {
		return fail("connect the microphone", err)
	}
	for _, o := range m.members {
		if _, err := mm.from.Call("connect", o.to); err != nil {
			return fail("connect a member", err)
		}
		if _, err := o.from.Call("connect", mm.to); err != nil {
			_, _ = mm.from.Call("disconnect")
			return fail("connect a member", err)
		}
	}
	m.members = append(m.members, mm)
	return mm, nil
}

// Run resumes the mixer's context and waits until it runs (a context
// made without a user gesture on the page stays suspended under the
// browser's autoplay policy, and a suspended context sends silence).
func (m *Mixer) Run(ctx context.Context) error {
	m.mu.Lock()
	closed, ac := m.closed, m.ac
	m.mu.Unlock()
	if closed {
		return ErrMixerClosed
	}
	if audioString(ac, "state") == "running" {
		return nil
	}
	p, err := ac.Call("resume")
	if err != nil {
		return fmt.Errorf("jsbridge: mixer: resume: %w", err)
	}
	if _, err := Await(ctx, p); err != nil {
		return fmt.Errorf("%w: the conference's AudioContext did not start (%v); the page may need a user gesture first", ErrAudioUnavailable, err)
	}
	if st := audioString(ac, "state"); st != "running" {
		return fmt.Errorf("%w: the conference's AudioContext is %s", ErrAudioUnavailable, st)
	}
	return nil
}

// Members is how many members the mixer has (Remove takes one away).
func (m *Mixer) Members() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.members)
}

// Close disconnects every node, stops the members' mixes and the
// microphone copy, and closes the context. It is safe to call more than
// once.
func (m *Mixer) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	m.closed = true
	for _, mm := range m.members {
		mm.disconnect()
	}
	m.members = nil
	if m.micNode.Type() == safejs.TypeObject {
		_, _ = m.micNode.Call("disconnect")
	}
	if m.mic != nil {
		m.mic.Stop()
	}
	if p, err := m.ac.Call("close"); err == nil {
		go func() { _, _ = Await(context.Background(), p) }()
	}
}

// Stream is what the member is sent: our microphone and the other
// members. ReplaceTrack puts it on the member's call.
func (mm *MixMember) Stream() *Microphone { return mm.out }

// SetMicEnabled puts our microphone in the member's mix or takes it out
// (gain 1 or 0; the other members stay).
func (mm *MixMember) SetMicEnabled(enabled bool) error {
	mm.m.mu.Lock()
	defer mm.m.mu.Unlock()
	if mm.gone {
		return ErrMixerClosed
	}
	gain, err := mm.micIn.Get("gain")
	if err != nil {
		return err
	}
	v := 0
	if enabled {
		v = 1
	}
	return gain.Set("value", v)
}

// Remove takes the member out: nobody hears it any more, its mix stops.
// It is safe to call more than once.
func (mm *MixMember) Remove() {
	m := mm.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if mm.gone {
		return
	}
	for i, o := range m.members {
		if o == mm {
			m.members = append(m.members[:i], m.members[i+1:]...)
			break
		}
	}
	for _, o := range m.members {
		_, _ = o.from.Call("disconnect", mm.to)
	}
	mm.disconnect()
}

// disconnect frees the member's nodes and stops its mix's track. Called
// with m.mu held.
func (mm *MixMember) disconnect() {
	mm.gone = true
	if mm.hasMic {
		_, _ = mm.m.micNode.Call("disconnect", mm.micIn)
	}
	for _, n := range []safejs.Value{mm.from, mm.micIn, mm.to} {
		if n.Type() == safejs.TypeObject {
			_, _ = n.Call("disconnect")
		}
	}
	if mm.out != nil {
		mm.out.Stop()
	}
}
