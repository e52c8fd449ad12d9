//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/hack-pad/safejs"
)

// The ring of an incoming call, made by Web Audio alone: two oscillators
// (RingFrequencies) through a gate whose gain follows a looping envelope
// buffer of one cadence (RingCadence). Once started, the audio engine
// rings by itself: Go does no timing and no per-sample work, so a busy Go
// thread cannot stutter the ring.

// RingFrequencies are the ring's two tones in Hz, and RingCadence its
// on/off pattern in seconds, repeated: the UK ringing tone (BT SIN 350,
// 400+450 Hz, 0.4 s on, 0.2 s off, 0.4 s on, 2 s off).
var (
	RingFrequencies = [2]float64{400, 450}
	RingCadence     = [4]float64{0.4, 0.2, 0.4, 2.0}
)

const (
	// defaultRingVolume is the ring's gain when RingerOptions.Volume is
	// 0: each tone peaks at that, so the sum stays below full scale.
	defaultRingVolume = 0.25
	// ringSmoothingHz is the cut-off of the low-pass that rounds the
	// envelope's edges (a few milliseconds), so the gate does not click.
	ringSmoothingHz = 150
)

// ErrRingerClosed is returned by a Ringer's methods after Close.
var ErrRingerClosed = errors.New("jsbridge: ringer closed")

// RingerOptions configure NewRinger.
type RingerOptions struct {
	// Volume is the gain of each tone, 0..0.5; 0 means 0.25.
	Volume float64
}

// Ringer plays the ring on an AudioContext of its own, so it can go to
// another output device than the call (SetSinkID), e.g. the computer's
// loudspeaker while the call uses a headset. The context is suspended
// while it does not ring. Its methods may be called from any goroutine;
// SetSinkID waits and must not run inside a js.FuncOf.
type Ringer struct {
	mu       sync.Mutex
	closed   bool
	ringing  bool
	resuming bool
	ac, out  safejs.Value // the context and the volume gain before its destination
	envelope safejs.Value // the cadence's AudioBuffer: 1 while on, 0 while off
	nodes    []safejs.Value
}

// NewRinger creates the ringer, silent until Start.
func NewRinger(opts RingerOptions) (*Ringer, error) {
	vol := opts.Volume
	if vol == 0 {
		vol = defaultRingVolume
	}
	if vol < 0 || vol > 0.5 {
		return nil, fmt.Errorf("jsbridge: ring volume %g out of 0..0.5", opts.Volume)
	}
	ctor, err := audioContextCtor()
	if err != nil {
		return nil, err
	}
	r := &Ringer{}
	if r.ac, err = ctor.New(); err != nil {
		return nil, fmt.Errorf("%w: new AudioContext: %v", ErrAudioUnavailable, err)
	}
	if err := r.build(vol); err != nil {
		r.Close()
		return nil, err
	}
	r.suspend()
	return r, nil
}

// build makes the volume gain and the envelope buffer.
func (r *Ringer) build(vol float64) error {
	var err error
	if r.out, err = r.ac.Call("createGain"); err != nil {
		return err
	}
	if err := setParam(r.out, "gain", vol); err != nil {
		return err
	}
	dest, err := r.ac.Get("destination")
	if err != nil {
		return err
	}
	if _, err := r.out.Call("connect", dest); err != nil {
		return err
	}
	rate := audioNumber(r.ac, "sampleRate")
	if rate <= 0 {
		rate = 48000
	}
	var total float64
	for _, d := range RingCadence {
		total += d
	}
	if r.envelope, err = r.ac.Call("createBuffer", 1, int(math.Round(total*rate)), rate); err != nil {
		return fmt.Errorf("jsbridge: ring envelope: %w", err)
	}
	data, err := r.envelope.Call("getChannelData", 0)
	if err != nil {
		return err
	}
	// Even entries of the cadence are "on": fill them with 1 (the
	// buffer starts at 0), JS-side.
	var at float64
	for i, d := range RingCadence {
		if i%2 == 0 {
			if _, err := data.Call("fill", 1, int(math.Round(at*rate)), int(math.Round((at+d)*rate))); err != nil {
				return err
			}
		}
		at += d
	}
	return nil
}

func setParam(node safejs.Value, name string, v float64) error {
	p, err := node.Get(name)
	if err != nil {
		return err
	}
	return p.Set("value", v)
}

// Start rings, from the start of the cadence, until Stop. Ringing
// already, it does nothing. Under the autoplay policy the context may
// stay suspended (silent) until the page gets a user gesture; Running
// tells.
func (r *Ringer) Start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrRingerClosed
	}
	if r.ringing {
		return nil
	}
	nodes, err := r.graph()
	if err != nil {
		for _, n := range nodes {
			_, _ = n.Call("disconnect")
		}
		return err
	}
	r.nodes, r.ringing = nodes, true
	if audioString(r.ac, "state") != "running" && !r.resuming {
		if p, err := r.ac.Call("resume"); err == nil {
			r.resuming = true
			go func() {
				_, _ = Await(context.Background(), p)
				r.mu.Lock()
				r.resuming = false
				r.mu.Unlock()
			}()
		}
	}
	return nil
}

// graph makes and starts the one-shot nodes of one ring: envelope source
// (looping) → low-pass → gate.gain; oscillators → gate → out. It returns
// the nodes made so far, even on error.
func (r *Ringer) graph() ([]safejs.Value, error) {
	var nodes []safejs.Value
	gate, err := r.ac.Call("createGain")
	if err != nil {
		return nodes, err
	}
	nodes = append(nodes, gate)
	if err := setParam(gate, "gain", 0); err != nil {
		return nodes, err
	}
	if _, err := gate.Call("connect", r.out); err != nil {
		return nodes, err
	}
	smooth, err := r.ac.Call("createBiquadFilter")
	if err != nil {
		return nodes, err
	}
	nodes = append(nodes, smooth)
	_ = smooth.Set("type", "lowpass")
	if err := setParam(smooth, "frequency", ringSmoothingHz); err != nil {
		return nodes, err
	}
	gain, err := gate.Get("gain")
	if err != nil {
		return nodes, err
	}
	if _, err := smooth.Call("connect", gain); err != nil {
		return nodes, err
	}
	env, err := r.ac.Call("createBufferSource")
	if err != nil {
		return nodes, err
	}
	nodes = append(nodes, env)
	if err := env.Set("buffer", r.envelope); err != nil {
		return nodes, err
	}
	_ = env.Set("loop", true)
	if _, err := env.Call("connect", smooth); err != nil {
		return nodes, err
	}
	sources := []safejs.Value{env}
	for _, f := range RingFrequencies {
		osc, err := r.ac.Call("createOscillator")
		if err != nil {
			return nodes, err
		}
		nodes = append(nodes, osc)
		_ = osc.Set("type", "sine")
		if err := setParam(osc, "frequency", f); err != nil {
			return nodes, err
		}
		if _, err := osc.Call("connect", gate); err != nil {
			return nodes, err
		}
		sources = append(sources, osc)
	}
	// Started together, at the same currentTime: the ring begins "on".
	for _, s := range sources {
		if _, err := s.Call("start"); err != nil {
			return nodes, err
		}
	}
	return nodes, nil
}

// Stop silences the ring and suspends the context. Not ringing, it does
// nothing.
func (r *Ringer) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopLocked()
}

func (r *Ringer) stopLocked() {
	if !r.ringing {
		return
	}
	r.ringing = false
	for _, n := range r.nodes {
		if fn, err := n.Get("stop"); err == nil && fn.Type() == safejs.TypeFunction {
			_, _ = n.Call("stop")
		}
		_, _ = n.Call("disconnect")
	}
	r.nodes = nil
	r.suspend()
}

// suspend suspends the context, without waiting.
func (r *Ringer) suspend() {
	if audioString(r.ac, "state") != "running" {
		return
	}
	if p, err := r.ac.Call("suspend"); err == nil {
		go func() { _, _ = Await(context.Background(), p) }()
	}
}

// Ringing reports whether Start was called and Stop not since.
func (r *Ringer) Ringing() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ringing
}

// Running reports whether the ringer's context runs (it is audible while
// ringing).
func (r *Ringer) Running() bool { return audioString(r.ac, "state") == "running" }

// SetSinkID sends the ring to the output device id ("" = the default)
// with AudioContext.setSinkId (Chromium 110+), waiting until the
// browser switched; without it, ErrNoSinkSelection.
func (r *Ringer) SetSinkID(ctx context.Context, id string) error {
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return ErrRingerClosed
	}
	return setSinkID(ctx, r.ac, id)
}

// SinkID is the ring's output device ("" = the default).
func (r *Ringer) SinkID() string { return sinkID(r.ac) }

// Close stops the ring and closes the context. It is safe to call more
// than once.
func (r *Ringer) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	r.stopLocked()
	if r.out.Type() == safejs.TypeObject {
		_, _ = r.out.Call("disconnect")
	}
	if r.ac.Type() == safejs.TypeObject && audioString(r.ac, "state") != "closed" {
		if p, err := r.ac.Call("close"); err == nil {
			go func() { _, _ = Await(context.Background(), p) }()
		}
	}
}
