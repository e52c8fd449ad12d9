//go:build !js

package mediaserver

import (
	"context"
	"time"

	"github.com/kazoo-softphone/kazoo/audiofile"
)

// run sends a frame every 20 ms while the IVR is not in a mixer (the
// mixer sends them then): the current Play's, or silence, so that the
// far end gets a steady stream.
func (v *IVR) run() {
	defer close(v.done)
	paced(v.stop, func() {
		if v.mixer.Load() == nil {
			v.sendFrame(nil, time.Now())
		}
	}, func(frames int64) {
		if v.mixer.Load() == nil {
			v.skip(frames)
		}
	})
}

// paced calls frame once per 20 ms frame, in real time, until stop is
// closed: frames that are late are caught up, up to 100 ms; beyond that
// the frames in between are left out and given to skipped, so that the
// stream keeps to the wall clock.
func paced(stop <-chan struct{}, frame func(), skipped func(frames int64)) {
	start := time.Now()
	var n int64 // frames sent or skipped
	tick := time.NewTicker(frameTime)
	defer tick.Stop()
	for {
		due := int64(time.Since(start)/frameTime) + 1
		if due-n > 5 {
			skipped(due - n - 1)
			n = due - 1
		}
		for ; n < due; n++ {
			frame()
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// skip moves the stream's timestamp on by frames not sent.
func (v *IVR) skip(frames int64) {
	v.tick.Lock()
	v.hdr.Timestamp += uint32(frames * frameTicks)
	v.tick.Unlock()
}

// sendFrame sends one frame: mix (the mixer's, nil outside one) plus
// the current Play's next 20 ms, clipped.
func (v *IVR) sendFrame(mix *[frameTicks]int32, now time.Time) {
	v.tick.Lock()
	defer v.tick.Unlock()
	var pcm [frameTicks]int32
	if mix != nil {
		pcm = *mix
	}
	if p := v.play; p != nil && v.mayPlay(now) {
		n := copy16(pcm[:], p.pcm[p.pos:])
		p.pos += n
		if p.pos >= len(p.pcm) {
			close(p.done)
			v.play = nil
		}
	}
	c := v.codec.Load()
	if c == nil {
		return
	}
	pcma := c.name == namePCMA
	for i, s := range pcm {
		x := int16(max(-32768, min(32767, s)))
		if pcma {
			v.payload[i] = audiofile.ALawEncode(x)
		} else {
			v.payload[i] = audiofile.ULawEncode(x)
		}
	}
	h := v.hdr
	h.PayloadType = c.pt
	if v.send(&h, v.payload[:], now) && v.plain != nil {
		v.connected.Store(true)
	}
	v.hdr.Marker = false
	v.hdr.SequenceNumber++
	v.hdr.Timestamp += frameTicks
}

// mayPlay tells whether a Play may advance: once the leg is connected
// (a plain frame went out, a WebRTC peer connection is up), or
// connectWait after the answer (a peer that never connects), so that a
// prompt started with the answer is heard from its start.
func (v *IVR) mayPlay(now time.Time) bool {
	if v.connected.Load() {
		return true
	}
	t := v.negotiated.Load()
	return t != 0 && now.Sub(time.Unix(0, t)) > connectWait
}

func copy16(dst []int32, src []int16) int {
	n := min(len(dst), len(src))
	for i := range n {
		dst[i] += int32(src[i])
	}
	return n
}

type playback struct {
	pcm  []int16
	pos  int
	done chan struct{}
}

// Play sends pcm (8 kHz mono) in 20 ms frames paced in real time and
// returns once all of it is sent, or at once when ctx ends (ctx.Err())
// or the IVR is closed (ErrClosed). Plays are serialised: a second Play
// waits for the first. Silence is sent between plays. In a mixer the
// prompt is mixed into what this member hears (the others do not hear
// it). pcm is read while Play runs. Before the first frame goes out (a
// WebRTC leg still connecting) the prompt waits, up to 5 s after the
// answer.
func (v *IVR) Play(ctx context.Context, pcm []int16) error {
	select {
	case v.playSem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-v.stop:
		return ErrClosed
	}
	defer func() { <-v.playSem }()
	if v.dead.Load() {
		return ErrClosed
	}
	if len(pcm) == 0 {
		return ctx.Err()
	}
	p := &playback{pcm: pcm, done: make(chan struct{})}
	v.tick.Lock()
	v.play = p
	v.tick.Unlock()
	var err error
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-v.stop:
		err = ErrClosed
	}
	v.tick.Lock()
	if v.play == p {
		v.play = nil
	}
	v.tick.Unlock()
	return err
}
