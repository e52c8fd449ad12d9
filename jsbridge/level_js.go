//go:build js && wasm

package jsbridge

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/hack-pad/safejs"
)

// Level meters: an AnalyserNode listening to a MediaStream or an audio
// node, whose latest time-domain samples Go copies on demand (about ten
// times a second). The browser does the per-sample work; Go copies one
// block of MeterFFTSize samples per reading and computes the level from
// it.

// MeterFFTSize is the analyser's window: Samples returns at most this
// many of the latest samples (21 ms at 48 kHz).
const MeterFFTSize = 1024

// ErrMeterClosed is returned by Samples after Close.
var ErrMeterClosed = errors.New("jsbridge: level meter closed")

// ErrMeterSuspended is returned by Samples while the meter's
// AudioContext does not run (the browser's autoplay policy keeps it
// suspended until the page gets a user gesture).
var ErrMeterSuspended = errors.New("jsbridge: level meter's AudioContext is not running")

// LevelMeter taps an audio source with an AnalyserNode (not connected to
// any output: the browser pulls analysers by itself). Its methods may
// be called from any goroutine; none blocks.
type LevelMeter struct {
	mu       sync.Mutex
	closed   bool
	ac       safejs.Value // the analyser's AudioContext
	analyser safejs.Value
	source   safejs.Value // MediaStreamAudioSourceNode we made, or the tapped node
	ownNode  bool         // source was made here (disconnect it all) or not (disconnect the analyser only)
	shared   bool         // ac is the shared page context
	stream   safejs.Value // the metered stream (stream meters)
	follow   func() safejs.Value
	onClose  func()
	f32, u8  safejs.Value // Float32Array(MeterFFTSize) and a Uint8Array view on its buffer
	useFloat bool         // getFloatTimeDomainData exists
	raw      []byte
}

// pageAudio is the AudioContext shared by the stream meters: made on
// first use, kept for the page's life, suspended while no meter uses it
// (an idle running context keeps the audio device open).
var pageAudio struct {
	mu       sync.Mutex
	ac       safejs.Value
	users    int
	resuming bool
}

// pageContext returns the shared context, creating it if needed, and
// counts one more user.
func pageContext() (safejs.Value, error) {
	pageAudio.mu.Lock()
	defer pageAudio.mu.Unlock()
	if pageAudio.ac.Type() != safejs.TypeObject || audioString(pageAudio.ac, "state") == "closed" {
		ctor, err := audioContextCtor()
		if err != nil {
			return safejs.Undefined(), err
		}
		ac, err := ctor.New()
		if err != nil {
			return safejs.Undefined(), fmt.Errorf("%w: new AudioContext: %v", ErrAudioUnavailable, err)
		}
		pageAudio.ac = ac
	}
	pageAudio.users++
	return pageAudio.ac, nil
}

// releasePageContext counts one user less and suspends the context when
// none is left.
func releasePageContext() {
	pageAudio.mu.Lock()
	defer pageAudio.mu.Unlock()
	if pageAudio.users--; pageAudio.users == 0 && audioString(pageAudio.ac, "state") == "running" {
		if p, err := pageAudio.ac.Call("suspend"); err == nil {
			go func() { _, _ = Await(context.Background(), p) }()
		}
	}
}

// audioContextCtor returns AudioContext (or webkitAudioContext).
func audioContextCtor() (safejs.Value, error) {
	g := safejs.Global()
	ctor, err := g.Get("AudioContext")
	if err != nil || ctor.Type() != safejs.TypeFunction {
		if ctor, err = g.Get("webkitAudioContext"); err != nil || ctor.Type() != safejs.TypeFunction {
			return safejs.Undefined(), fmt.Errorf("%w: no AudioContext", ErrAudioUnavailable)
		}
	}
	return ctor, nil
}

// resumeContext asks a context that is not running to resume, with at
// most one request waiting at a time (under the autoplay policy the
// promise stays pending until the page gets a user gesture). busy guards
// the single request.
func resumeContext(ac safejs.Value, mu *sync.Mutex, busy *bool) {
	if st := audioString(ac, "state"); st == "running" || st == "closed" || st == "" {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	if *busy {
		return
	}
	p, err := ac.Call("resume")
	if err != nil {
		return
	}
	*busy = true
	go func() {
		_, _ = Await(context.Background(), p)
		mu.Lock()
		*busy = false
		mu.Unlock()
	}()
}

// NewLevelMeter meters source: a MediaStream (a microphone clone, a
// remote stream), metered in the shared page AudioContext, or an
// AudioNode, metered in its own context (the audio pipe's nodes). Close
// it when done; a stream meter does not stop the stream's tracks.
func NewLevelMeter(source safejs.Value) (*LevelMeter, error) {
	if source.Type() != safejs.TypeObject {
		return nil, errors.New("jsbridge: level meter source is not an object")
	}
	if fn, err := source.Get("getAudioTracks"); err == nil && fn.Type() == safejs.TypeFunction {
		return newStreamMeter(source, nil)
	}
	if fn, err := source.Get("connect"); err == nil && fn.Type() == safejs.TypeFunction {
		ac, err := source.Get("context")
		if err != nil || ac.Type() != safejs.TypeObject {
			return nil, errors.New("jsbridge: level meter: the audio node has no context")
		}
		m := &LevelMeter{ac: ac, source: source}
		if err := m.init(); err != nil {
			return nil, err
		}
		if _, err := source.Call("connect", m.analyser); err != nil {
			_, _ = m.analyser.Call("disconnect")
			return nil, fmt.Errorf("jsbridge: level meter: %w", err)
		}
		return m, nil
	}
	return nil, errors.New("jsbridge: level meter source is neither a MediaStream nor an AudioNode")
}

// newStreamMeter meters stream in the page context; with follow set,
// Samples re-reads the stream to meter from it (stream may then be null).
func newStreamMeter(stream safejs.Value, follow func() safejs.Value) (*LevelMeter, error) {
	ac, err := pageContext()
	if err != nil {
		return nil, err
	}
	m := &LevelMeter{ac: ac, shared: true, ownNode: true, follow: follow}
	if err := m.init(); err != nil {
		releasePageContext()
		return nil, err
	}
	if err := m.attach(stream); err != nil {
		m.Close()
		return nil, err
	}
	resumeContext(ac, &pageAudio.mu, &pageAudio.resuming)
	return m, nil
}

// init makes the analyser and the buffers.
func (m *LevelMeter) init() error {
	var err error
	if m.analyser, err = m.ac.Call("createAnalyser"); err != nil {
		return fmt.Errorf("jsbridge: createAnalyser: %w", err)
	}
	_ = m.analyser.Set("fftSize", MeterFFTSize)
	if fn, err := m.analyser.Get("getFloatTimeDomainData"); err == nil && fn.Type() == safejs.TypeFunction {
		m.useFloat = true
	}
	g := safejs.Global()
	ctor := "Uint8Array"
	if m.useFloat {
		ctor = "Float32Array"
	}
	c, err := g.Get(ctor)
	if err != nil {
		return err
	}
	if m.f32, err = c.New(MeterFFTSize); err != nil {
		return err
	}
	m.u8 = m.f32
	m.raw = make([]byte, MeterFFTSize)
	if m.useFloat {
		u8, err := g.Get("Uint8Array")
		if err != nil {
			return err
		}
		buf, err := m.f32.Get("buffer")
		if err != nil {
			return err
		}
		if m.u8, err = u8.New(buf); err != nil {
			return err
		}
		m.raw = make([]byte, 4*MeterFFTSize)
	}
	return nil
}

// attach meters stream (null or undefined: nothing), replacing the
// source node of the previous one. Called with m.mu held or before m is
// shared.
func (m *LevelMeter) attach(stream safejs.Value) error {
	if m.source.Type() == safejs.TypeObject {
		_, _ = m.source.Call("disconnect")
		m.source = safejs.Undefined()
	}
	m.stream = stream
	if stream.Type() != safejs.TypeObject {
		return nil
	}
	src, err := m.ac.Call("createMediaStreamSource", stream)
	if err != nil {
		return fmt.Errorf("jsbridge: createMediaStreamSource: %w", err)
	}
	if _, err := src.Call("connect", m.analyser); err != nil {
		return fmt.Errorf("jsbridge: level meter: %w", err)
	}
	m.source = src
	return nil
}

// Samples copies the latest time-domain samples (at most MeterFFTSize,
// floats in -1..1) into buf and returns how many. A follow meter whose
// stream is not there yet returns 0. While its AudioContext is not
// running it returns ErrMeterSuspended, after Close ErrMeterClosed.
func (m *LevelMeter) Samples(buf []float32) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrMeterClosed
	}
	if m.follow != nil {
		if s := m.follow(); !s.Equal(m.stream) {
			if err := m.attach(s); err != nil {
				return 0, err
			}
		}
		if m.source.Type() != safejs.TypeObject {
			return 0, nil
		}
	}
	if m.shared {
		resumeContext(m.ac, &pageAudio.mu, &pageAudio.resuming)
	}
	if st := audioString(m.ac, "state"); st != "running" && st != "" {
		// A suspended context (autoplay policy: no user gesture yet)
		// renders nothing: its analyser reads silence, which says nothing.
		return 0, ErrMeterSuspended
	}
	n := len(buf)
	if n > MeterFFTSize {
		n = MeterFFTSize
	}
	method := "getByteTimeDomainData"
	if m.useFloat {
		method = "getFloatTimeDomainData"
	}
	if _, err := m.analyser.Call(method, m.f32); err != nil {
		return 0, err
	}
	if _, err := safejs.CopyBytesToGo(m.raw, m.u8); err != nil {
		return 0, err
	}
	// The latest n samples are the last n of the window.
	skip := MeterFFTSize - n
	if m.useFloat {
		// Typed arrays use the platform's byte order, little-endian like wasm's.
		for i := 0; i < n; i++ {
			buf[i] = math.Float32frombits(binary.LittleEndian.Uint32(m.raw[4*(skip+i):]))
		}
	} else {
		for i := 0; i < n; i++ {
			buf[i] = (float32(m.raw[skip+i]) - 128) / 128
		}
	}
	return n, nil
}

// Close disconnects the analyser (and the source node it made; a tapped
// node keeps its other connections), and runs the meter's own cleanup
// (Microphone.Meter stops its clone). It is safe to call more than once.
func (m *LevelMeter) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	if m.source.Type() == safejs.TypeObject {
		if m.ownNode {
			_, _ = m.source.Call("disconnect")
		} else {
			_, _ = m.source.Call("disconnect", m.analyser)
		}
	}
	if m.analyser.Type() == safejs.TypeObject {
		_, _ = m.analyser.Call("disconnect")
	}
	onClose := m.onClose
	m.mu.Unlock()
	if m.shared {
		releasePageContext()
	}
	if onClose != nil {
		onClose()
	}
}

// Meter meters the microphone independently of mute: it clones the
// stream, enables the clone's tracks (SetEnabled(false) on the original
// mutes what is sent, not what the meter hears) and meters the clone;
// Close stops the clone.
func (m *Microphone) Meter() (*LevelMeter, error) {
	c, err := m.Clone()
	if err != nil {
		return nil, err
	}
	if err := c.SetEnabled(true); err != nil {
		c.Stop()
		return nil, err
	}
	lm, err := newStreamMeter(c.stream, nil)
	if err != nil {
		c.Stop()
		return nil, err
	}
	lm.onClose = c.Stop
	return lm, nil
}

// Meter meters what the element plays, following the remote stream
// when it changes (Samples returns 0 until one arrived). Close it before
// or after Remove.
func (ra *RemoteAudio) Meter() (*LevelMeter, error) {
	return newStreamMeter(ra.Stream(), ra.Stream)
}
