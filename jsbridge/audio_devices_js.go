//go:build js && wasm

package jsbridge

import (
	"context"
	"fmt"
)

// The AudioPipe's devices: its capture device, switched while frames
// flow, its output device, and level meters on both directions.

// watchMicrophone makes mic's 'ended' event call onMicEnded while mic is
// the pipe's microphone. Called before the pipe is shared, or with
// p.switching held.
func (p *AudioPipe) watchMicrophone(mic *Microphone) {
	release, err := mic.OnEnded(func() {
		p.mu.Lock()
		fn := p.onMicEnded
		current := p.mic == mic && !p.closed
		p.mu.Unlock()
		if current && fn != nil {
			fn()
		}
	})
	if err != nil {
		return // no track to watch: nothing can end
	}
	p.mu.Lock()
	if p.closed || p.mic != mic {
		// Closed (or switched) meanwhile: nobody else would release it.
		p.mu.Unlock()
		release()
		return
	}
	p.micRelease = release
	p.mu.Unlock()
}

// OnMicrophoneEnded sets the function called when the capture device's
// track ends by itself (the device was unplugged or the permission
// revoked): frames keep flowing, silent, until SetMicrophone opens
// another device. It runs inside the JS event and must not block: start
// a goroutine for the switch. nil removes it.
func (p *AudioPipe) OnMicrophoneEnded(fn func()) {
	p.mu.Lock()
	p.onMicEnded = fn
	p.mu.Unlock()
}

// SetMicrophone switches the capture to device id ("" = the default):
// it opens the new device, connects it in place of the old one (frames
// keep flowing, with no gap beyond the switch itself) and stops the old
// device. If the new device cannot be opened (a *MediaError), the old
// one stays. It must run on a goroutine, never in a js.FuncOf.
func (p *AudioPipe) SetMicrophone(ctx context.Context, id string) error {
	p.switching.Lock()
	defer p.switching.Unlock()
	if p.isClosed() {
		return ErrAudioClosed
	}
	mic, err := OpenMicrophoneDevice(ctx, id, pipeAudio)
	if err != nil {
		return err
	}
	src, err := p.ac.Call("createMediaStreamSource", mic.stream)
	if err != nil {
		mic.Stop()
		return fmt.Errorf("jsbridge: createMediaStreamSource: %w", err)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		mic.Stop()
		return ErrAudioClosed
	}
	if _, err := src.Call("connect", p.input); err != nil {
		p.mu.Unlock()
		mic.Stop()
		return fmt.Errorf("jsbridge: connecting audio nodes: %w", err)
	}
	oldSource, oldMic, oldRelease := p.source, p.mic, p.micRelease
	p.source, p.mic, p.micRelease = src, mic, nil
	p.mu.Unlock()
	_, _ = oldSource.Call("disconnect")
	if oldRelease != nil {
		oldRelease()
	}
	if oldMic != nil {
		oldMic.Stop()
	}
	p.watchMicrophone(mic)
	return nil
}

// MicrophoneID is the deviceId of the capture device in use ("" if the
// browser does not tell).
func (p *AudioPipe) MicrophoneID() string {
	p.mu.Lock()
	mic := p.mic
	p.mu.Unlock()
	if mic == nil {
		return ""
	}
	return mic.DeviceID()
}

// SetSinkID sends the pipe's playback to output device id ("" = the
// default) with AudioContext.setSinkId (Chromium 110+), waiting until
// the browser switched; without it, ErrNoSinkSelection. It must run on a
// goroutine.
func (p *AudioPipe) SetSinkID(ctx context.Context, id string) error {
	if p.isClosed() {
		return ErrAudioClosed
	}
	return setSinkID(ctx, p.ac, id)
}

// SinkID is the playback's output device ("" = the default).
func (p *AudioPipe) SinkID() string { return sinkID(p.ac) }

// InputMeter meters the microphone as captured, before the capture
// processor: SetMuted does not silence it, and it follows SetMicrophone.
// Close the meter when done (before or after the pipe).
func (p *AudioPipe) InputMeter() (*LevelMeter, error) {
	if p.isClosed() {
		return nil, ErrAudioClosed
	}
	return NewLevelMeter(p.input)
}

// OutputMeter meters what the playback processor plays.
func (p *AudioPipe) OutputMeter() (*LevelMeter, error) {
	if p.isClosed() {
		return nil, ErrAudioClosed
	}
	return NewLevelMeter(p.playback)
}
