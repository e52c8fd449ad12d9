//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"fmt"

	"github.com/hack-pad/safejs"
)

// OnFrame sets the function that receives each captured frame: 160 bytes
// of G.711 (a new slice the function may keep) and the frame's sequence
// number (counting from 0, modulo 65536; a gap means frames were lost
// because the function fell more than a second behind). It is called on
// a goroutine of the pipe, one frame after the other, and may block.
// Frames captured while no function is set are discarded; nil stops the
// delivery.
func (p *AudioPipe) OnFrame(fn func(frame []byte, seq uint16)) {
	p.mu.Lock()
	p.onFrame = fn
	p.mu.Unlock()
}

// Play queues a received G.711 frame (normally 160 bytes; up to 1600)
// in the playback jitter buffer. It does not block.
func (p *AudioPipe) Play(frame []byte) error {
	if len(frame) == 0 || len(frame) > maxFrameBytes {
		return fmt.Errorf("jsbridge: audio frame of %d bytes", len(frame))
	}
	if p.isClosed() {
		return ErrAudioClosed
	}
	arr, err := p.uint8Array.New(len(frame))
	if err != nil {
		return err
	}
	if _, err := safejs.CopyBytesToJS(arr, frame); err != nil {
		return err
	}
	// Structured clone of 160 bytes: cheaper than building a transfer list.
	_, err = p.playbackPort.Call("postMessage", arr)
	return err
}

// SetMuted mutes or unmutes the capture: muted, frames keep coming at
// the same rate but carry encoded silence.
func (p *AudioPipe) SetMuted(muted bool) error {
	if p.isClosed() {
		return ErrAudioClosed
	}
	_, err := p.capturePort.Call("postMessage", map[string]any{"type": "mute", "muted": muted})
	return err
}

// Reset empties the playback jitter buffer (after hold, or a new far
// end); playback restarts once JitterMs is buffered again.
func (p *AudioPipe) Reset() error {
	if p.isClosed() {
		return ErrAudioClosed
	}
	_, err := p.playbackPort.Call("postMessage", map[string]any{"type": "reset"})
	return err
}

// Stats asks the playback processor for its counters and adds the
// capture side's and the AudioContext's.
func (p *AudioPipe) Stats(ctx context.Context) (AudioStats, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return AudioStats{}, ErrAudioClosed
	}
	p.nextID++
	id := p.nextID
	ch := make(chan AudioStats, 1)
	p.waiting[id] = ch
	p.mu.Unlock()
	forget := func() {
		p.mu.Lock()
		delete(p.waiting, id)
		p.mu.Unlock()
	}
	if _, err := p.playbackPort.Call("postMessage", map[string]any{"type": "stats", "id": id}); err != nil {
		forget()
		return AudioStats{}, err
	}
	select {
	case s := <-ch:
		p.mu.Lock()
		s.FramesCaptured, s.CaptureOverflow = p.captured, p.overflow
		p.mu.Unlock()
		s.State = p.State()
		return s, nil
	case <-ctx.Done():
		forget()
		return AudioStats{}, ctx.Err()
	case <-p.done:
		return AudioStats{}, ErrAudioClosed
	}
}

// State is the AudioContext's state: "running", "suspended" (waiting for
// a user gesture, or the system interrupted it), "interrupted" (Safari),
// or "closed".
func (p *AudioPipe) State() string {
	return audioString(p.ac, "state")
}

// Running reports whether the AudioContext runs, i.e. frames flow.
func (p *AudioPipe) Running() bool { return p.State() == "running" }

// Resume asks a suspended AudioContext to run and waits until it does.
// Under the autoplay policy that needs a recent user gesture: call it
// from a click handler's goroutine, with a timeout in ctx.
func (p *AudioPipe) Resume(ctx context.Context) error {
	if p.isClosed() {
		return ErrAudioClosed
	}
	if p.Running() {
		return nil
	}
	promise := p.resumePromise()
	if promise.Type() != safejs.TypeObject {
		return errors.New("jsbridge: AudioContext.resume failed")
	}
	_, err := Await(ctx, promise)
	return err
}
