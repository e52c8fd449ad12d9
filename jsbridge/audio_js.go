//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hack-pad/safejs"
)

// The media path without WebRTC (see package relay): the browser
// captures and plays audio itself and exchanges 20 ms G.711 frames with a
// relay. Every per-sample step (resampling, G.711, the jitter buffer)
// runs in the AudioWorklet module wasm/kazoo-audio-worklet.js, on the
// audio thread; Go only passes frames through, 50 a second each way,
// because Go runs on the page's main thread and any per-sample loop there
// would stall the page and the audio.

const (
	// WorkletFile is the AudioWorklet module's file name. build.sh copies
	// it next to kazoo.js in dist/.
	WorkletFile = "kazoo-audio-worklet.js"
	// FrameBytes is the size of a 20 ms G.711 frame at 8 kHz.
	FrameBytes = 160
	// maxFrameBytes is the longest frame the playback processor accepts.
	maxFrameBytes = 1600
	// frameQueue is how many captured frames (1 s) may wait for OnFrame.
	frameQueue = 50
)

// ErrAudioUnavailable means the page cannot run the audio pipe: no
// AudioContext or no AudioWorklet (which needs a secure context: https
// or localhost; Safari 14.1+, Firefox 76+, Chrome 66+).
var ErrAudioUnavailable = errors.New("jsbridge: Web Audio with AudioWorklet is unavailable")

// ErrAudioClosed is returned by an AudioPipe's methods after Close.
var ErrAudioClosed = errors.New("jsbridge: audio pipe closed")

// AudioOptions configure NewAudioPipe.
type AudioOptions struct {
	// Law is the G.711 variant of both directions: "pcmu" (µ-law, the
	// default when empty) or "pcma" (A-law).
	Law string
	// WorkletURL locates kazoo-audio-worklet.js. The loader knows its own
	// base URL and should pass new URL(WorkletFile, baseUrl); empty means
	// WorkletFile relative to the page.
	WorkletURL string
	// JitterMs is the playback buffer's target: playback starts, and
	// restarts after an underrun, once it holds that much audio. 0 means
	// 60 ms; the worklet keeps it within 20–1000 ms.
	JitterMs int
	// MaxBufferMs is the most audio the playback buffer holds: a frame
	// that would exceed it drops the oldest audio down to JitterMs (the
	// socket backed up and delivered a burst). 0 means 200 ms; it is at
	// least JitterMs+40.
	MaxBufferMs int
	// MicrophoneID is the capture device's deviceId (see
	// EnumerateDevices); "" means the browser's default. A device that
	// is gone makes NewAudioPipe fail with a *MediaError
	// (OverconstrainedError).
	MicrophoneID string
}

// AudioStats describe an AudioPipe.
type AudioStats struct {
	State      string // the AudioContext's state: "running", "suspended", "closed"
	SampleRate int    // the AudioContext's sample rate

	FramesCaptured  uint64 // frames the capture processor delivered to Go
	CaptureOverflow uint64 // of those, frames dropped because OnFrame fell 1 s behind

	FramesReceived int     // frames the playback processor got from Play
	FramesPlayed   int     // 20 ms of buffered audio played, counted in frames
	FramesDropped  int     // 20 ms of audio dropped to shed latency, in frames
	Underruns      int     // times the buffer ran dry while playing
	BufferMs       float64 // audio waiting in the jitter buffer
	Playing        bool    // false while (re)buffering up to the target
	Energy         float64 // sum of squares of every sample played (silence adds 0)
	TargetMs       int     // the jitter buffer's target, as the worklet applied it
	MaxMs          int     // its maximum
	ContextTime    float64 // AudioContext.currentTime (s) when the counters were read
}

type capturedFrame struct {
	data []byte
	seq  uint16
}

// AudioPipe is a microphone and a speaker for the media path without
// WebRTC: an AudioContext with the capture processor (microphone →
// 8 kHz G.711 frames for OnFrame) and the playback processor (frames
// from Play → jitter buffer → speakers). Its methods may be called from
// any goroutine; those that wait (NewAudioPipe, Stats, Resume) must not
// run inside a js.FuncOf callback.
type AudioPipe struct {
	ac, capture, playback, input safejs.Value
	capturePort, playbackPort    safejs.Value
	uint8Array                   safejs.Value
	l                            listeners
	switching                    sync.Mutex // one SetMicrophone at a time

	frames    chan capturedFrame
	done      chan struct{}
	closeOnce sync.Once

	mu         sync.Mutex
	closed     bool
	source     safejs.Value // the microphone's MediaStreamSource, feeding input
	mic        *Microphone
	micRelease func() // removes mic's 'ended' listener
	onMicEnded func()
	onFrame    func(frame []byte, seq uint16)
	waiting    map[int]chan AudioStats
	nextID     int
	captured   uint64
	overflow   uint64
}

// pipeAudio are the audio track constraints of the pipe's microphone:
// the browser's echo canceller matters most here, since nothing else
// removes the far end's voice from the microphone.
var pipeAudio = map[string]any{"echoCancellation": true, "noiseSuppression": true, "autoGainControl": true}

// NewAudioPipe creates the AudioContext (latencyHint "interactive"),
// opens the microphone (opts.MicrophoneID), loads the worklet module and
// wires microphone → input gain → capture processor and playback
// processor → speakers (the input gain stays when SetMicrophone swaps
// the microphone, so InputMeter keeps hearing it). A microphone
// refusal is a *MediaError. An AudioContext that starts suspended
// (autoplay policy: no user gesture yet) is asked to resume; the pipe is
// returned either way, and Running tells whether it runs (call Resume
// after a user gesture otherwise). If anything fails, everything opened
// so far is closed again.
func NewAudioPipe(ctx context.Context, opts AudioOptions) (*AudioPipe, error) {
	law := opts.Law
	if law == "" {
		law = "pcmu"
	}
	if law != "pcmu" && law != "pcma" {
		return nil, fmt.Errorf("jsbridge: unknown G.711 law %q (want pcmu or pcma)", opts.Law)
	}
	if opts.JitterMs < 0 || opts.MaxBufferMs < 0 {
		return nil, errors.New("jsbridge: negative jitter buffer size")
	}
	url := opts.WorkletURL
	if url == "" {
		url = WorkletFile
	}
	g := safejs.Global()
	ctor, err := audioContextCtor()
	if err != nil {
		return nil, err
	}
	nodeCtor, err := g.Get("AudioWorkletNode")
	if err != nil || nodeCtor.Type() != safejs.TypeFunction {
		return nil, fmt.Errorf("%w: no AudioWorkletNode", ErrAudioUnavailable)
	}
	p := &AudioPipe{
		frames:  make(chan capturedFrame, frameQueue),
		done:    make(chan struct{}),
		waiting: map[int]chan AudioStats{},
	}
	if p.uint8Array, err = g.Get("Uint8Array"); err != nil {
		return nil, err
	}
	if p.ac, err = ctor.New(map[string]any{"latencyHint": "interactive"}); err != nil {
		return nil, fmt.Errorf("%w: new AudioContext: %v", ErrAudioUnavailable, err)
	}
	fail := func(err error) (*AudioPipe, error) {
		p.Close()
		return nil, err
	}
	worklet, err := p.ac.Get("audioWorklet")
	if err != nil || worklet.Type() != safejs.TypeObject {
		return fail(fmt.Errorf("%w: no audioWorklet (not a secure context?)", ErrAudioUnavailable))
	}
	// Ask now, while the user gesture that led here may still count.
	resumed := p.resumePromise()
	// Load the module while the user answers the permission prompt.
	module, err := worklet.Call("addModule", url)
	if err != nil {
		return fail(fmt.Errorf("jsbridge: audioWorklet.addModule(%s): %w", url, err))
	}
	go func() { _, _ = Await(context.Background(), module) }() // no unhandled rejection if we fail first
	if p.mic, err = OpenMicrophoneDevice(ctx, opts.MicrophoneID, pipeAudio); err != nil {
		return fail(err)
	}
	if _, err := Await(ctx, module); err != nil {
		return fail(fmt.Errorf("jsbridge: cannot load the audio worklet %s: %w", url, err))
	}
	if p.capture, err = nodeCtor.New(p.ac, "kazoo-capture", map[string]any{
		"numberOfInputs":        1,
		"numberOfOutputs":       1, // silent, connected to the destination so every browser renders it
		"outputChannelCount":    []any{1},
		"channelCount":          1,
		"channelCountMode":      "explicit",
		"channelInterpretation": "speakers",
		"processorOptions":      map[string]any{"law": law},
	}); err != nil {
		return fail(fmt.Errorf("jsbridge: new AudioWorkletNode(kazoo-capture): %w", err))
	}
	if p.playback, err = nodeCtor.New(p.ac, "kazoo-playback", map[string]any{
		"numberOfInputs":     0,
		"numberOfOutputs":    1,
		"outputChannelCount": []any{1},
		"processorOptions":   map[string]any{"law": law, "jitterMs": opts.JitterMs, "maxMs": opts.MaxBufferMs},
	}); err != nil {
		return fail(fmt.Errorf("jsbridge: new AudioWorkletNode(kazoo-playback): %w", err))
	}
	if p.input, err = p.ac.Call("createGain"); err != nil {
		return fail(fmt.Errorf("jsbridge: createGain: %w", err))
	}
	if p.source, err = p.ac.Call("createMediaStreamSource", p.mic.stream); err != nil {
		return fail(fmt.Errorf("jsbridge: createMediaStreamSource: %w", err))
	}
	p.watchMicrophone(p.mic)
	if err := p.wire(); err != nil {
		return fail(err)
	}
	go p.deliver()
	if !p.Running() && resumed.Type() == safejs.TypeObject {
		// Resolves at once when allowed; stays pending under the autoplay
		// policy, so wait only briefly.
		wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		_, _ = Await(wctx, resumed)
		cancel()
	}
	return p, nil
}

// wire connects the nodes and listens to both ports.
func (p *AudioPipe) wire() error {
	dest, err := p.ac.Get("destination")
	if err != nil {
		return err
	}
	for _, c := range [][2]safejs.Value{{p.source, p.input}, {p.input, p.capture}, {p.capture, dest}, {p.playback, dest}} {
		if _, err := c[0].Call("connect", c[1]); err != nil {
			return fmt.Errorf("jsbridge: connecting audio nodes: %w", err)
		}
	}
	if p.capturePort, err = p.capture.Get("port"); err != nil {
		return err
	}
	if p.playbackPort, err = p.playback.Get("port"); err != nil {
		return err
	}
	if err := p.l.add(p.capturePort, "message", p.onCaptureMessage); err != nil {
		return err
	}
	if err := p.l.add(p.playbackPort, "message", p.onPlaybackMessage); err != nil {
		return err
	}
	// addEventListener, unlike onmessage, does not start a MessagePort.
	for _, port := range []safejs.Value{p.capturePort, p.playbackPort} {
		if _, err := port.Call("start"); err != nil {
			return err
		}
	}
	return nil
}

// onCaptureMessage runs in the port's message event: it copies the frame
// and queues it, never blocking.
func (p *AudioPipe) onCaptureMessage(ev safejs.Value) {
	data, err := ev.Get("data")
	if err != nil || data.Type() != safejs.TypeObject || audioString(data, "type") != "frame" {
		return
	}
	arr, err := data.Get("data")
	if err != nil || arr.Type() != safejs.TypeObject {
		return
	}
	n, err := arr.Length()
	if err != nil || n <= 0 || n > maxFrameBytes {
		return
	}
	buf := make([]byte, n)
	if _, err := safejs.CopyBytesToGo(buf, arr); err != nil {
		return
	}
	seq := uint16(audioNumber(data, "seq"))
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.captured++
	select {
	case p.frames <- capturedFrame{data: buf, seq: seq}:
	default:
		p.overflow++
	}
}

// deliver hands captured frames to OnFrame's callback, on its own
// goroutine, so the callback may block (a WebSocket write).
func (p *AudioPipe) deliver() {
	for {
		select {
		case f := <-p.frames:
			p.mu.Lock()
			fn := p.onFrame
			p.mu.Unlock()
			if fn != nil {
				fn(f.data, f.seq)
			}
		case <-p.done:
			return
		}
	}
}

// onPlaybackMessage answers Stats calls; it never blocks.
func (p *AudioPipe) onPlaybackMessage(ev safejs.Value) {
	data, err := ev.Get("data")
	if err != nil || data.Type() != safejs.TypeObject || audioString(data, "type") != "stats" {
		return
	}
	s := AudioStats{
		FramesReceived: int(audioNumber(data, "received")),
		FramesPlayed:   int(audioNumber(data, "played")),
		FramesDropped:  int(audioNumber(data, "dropped")),
		Underruns:      int(audioNumber(data, "underruns")),
		BufferMs:       audioNumber(data, "bufferMs"),
		Energy:         audioNumber(data, "energy"),
		TargetMs:       int(audioNumber(data, "targetMs")),
		MaxMs:          int(audioNumber(data, "maxMs")),
		SampleRate:     int(audioNumber(data, "sampleRate")),
		ContextTime:    audioNumber(data, "time"),
	}
	if v, err := data.Get("playing"); err == nil && v.Type() == safejs.TypeBoolean {
		s.Playing, _ = v.Bool()
	}
	id := int(audioNumber(data, "id"))
	p.mu.Lock()
	ch := p.waiting[id]
	delete(p.waiting, id)
	p.mu.Unlock()
	if ch != nil {
		ch <- s // buffered, one answer per id
	}
}

func (p *AudioPipe) resumePromise() safejs.Value {
	if p.State() != "suspended" && p.State() != "interrupted" {
		return safejs.Undefined()
	}
	promise, err := p.ac.Call("resume")
	if err != nil {
		return safejs.Undefined()
	}
	return promise
}

func (p *AudioPipe) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// Close stops the processors, disconnects the nodes, stops the
// microphone's tracks, closes the AudioContext and releases the event
// listeners. It may be called more than once.
func (p *AudioPipe) Close() {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.waiting = nil
		p.onFrame = nil
		p.onMicEnded = nil
		source, mic, micRelease := p.source, p.mic, p.micRelease
		p.mu.Unlock()
		close(p.done)
		p.l.release()
		for _, port := range []safejs.Value{p.capturePort, p.playbackPort} {
			if port.Type() == safejs.TypeObject {
				_, _ = port.Call("postMessage", map[string]any{"type": "close"})
				_, _ = port.Call("close")
			}
		}
		for _, n := range []safejs.Value{source, p.input, p.capture, p.playback} {
			if n.Type() == safejs.TypeObject {
				_, _ = n.Call("disconnect")
			}
		}
		if micRelease != nil {
			micRelease()
		}
		if mic != nil {
			mic.Stop()
		}
		if p.ac.Type() == safejs.TypeObject && p.State() != "closed" {
			if promise, err := p.ac.Call("close"); err == nil {
				go func() { _, _ = Await(context.Background(), promise) }()
			}
		}
	})
}

// audioString reads a string property ("" if missing or not a string).
func audioString(v safejs.Value, name string) string {
	if v.Type() != safejs.TypeObject {
		return ""
	}
	f, err := v.Get(name)
	if err != nil || f.Type() != safejs.TypeString {
		return ""
	}
	s, _ := f.String()
	return s
}

// audioNumber reads a number property (0 if missing or not a number).
func audioNumber(v safejs.Value, name string) float64 {
	f, err := v.Get(name)
	if err != nil || f.Type() != safejs.TypeNumber {
		return 0
	}
	x, _ := f.Float()
	return x
}
