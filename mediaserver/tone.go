//go:build !js

package mediaserver

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"

	"github.com/kazoo-softphone/kazoo/audiofile"
)

// ToneSpec describes a generated tone: dial tone (350+440 Hz,
// continuous), ringback (440+480, 2000 on, 4000 off), a voicemail beep
// (1000 Hz, 500 on, Repeat 1)…
type ToneSpec struct {
	// Freqs are the frequencies in Hz, summed: 1 to 4 of them, each
	// above 0 and below 4000 (the Nyquist frequency of 8 kHz audio).
	Freqs []float64
	// OnMs and OffMs are the cadence in milliseconds: OnMs of tone, then
	// OffMs of silence, again and again. OffMs 0 means continuous.
	OnMs, OffMs int
	// Repeat is how many on periods are played (with OffMs 0, how many
	// OnMs); 0 means no limit. Silence follows the last one.
	Repeat int
	// Level is the level of each frequency in dBm0, -60 to -3; 0 means
	// the default, -13 dBm0. 0 dBm0 is a sine of peak 22400 in 16-bit
	// linear (ITU-T G.711's 3.17 dBm0 full scale).
	Level float64
}

// Default level of a tone and the peak of a 0 dBm0 sine.
const (
	defaultLevel = -13
	peak0dBm0    = 22400
)

// check validates t; errors wrap ErrBadTone.
func (t *ToneSpec) check() error {
	if len(t.Freqs) == 0 || len(t.Freqs) > 4 {
		return fmt.Errorf("%w: %d frequencies (1 to 4)", ErrBadTone, len(t.Freqs))
	}
	for _, f := range t.Freqs {
		if !(f > 0 && f < clockRate/2) {
			return fmt.Errorf("%w: frequency %v Hz (0 to 4000 exclusive)", ErrBadTone, f)
		}
	}
	const maxMs = 3600_000
	if t.OnMs < 0 || t.OffMs < 0 || t.OnMs > maxMs || t.OffMs > maxMs || t.Repeat < 0 {
		return fmt.Errorf("%w: cadence %d/%d ms, repeat %d", ErrBadTone, t.OnMs, t.OffMs, t.Repeat)
	}
	if t.OnMs == 0 && (t.OffMs > 0 || t.Repeat > 0) {
		return fmt.Errorf("%w: OnMs 0 with a cadence or a repeat count", ErrBadTone)
	}
	if t.Level != 0 && !(t.Level >= -60 && t.Level <= -3) {
		return fmt.Errorf("%w: level %v dBm0 (-60 to -3)", ErrBadTone, t.Level)
	}
	return nil
}

// toneGen sends a tone on one leg: a 20 ms G.711 frame every 20 ms,
// timestamps +160 a frame, silence frames in the off periods (the
// stream never pauses, so only the first packet has the marker bit).
type toneGen struct {
	spec   ToneSpec
	send   func(h *rtp.Header, payload []byte, now time.Time) bool
	codec  atomic.Uint32 // payload type | 0x100 for PCMA
	amp    float64
	onLen  int64 // samples of an on period; 0 for a continuous tone
	period int64 // samples of a cycle
	stop   chan struct{}
	done   chan struct{}
}

func newToneGen(spec ToneSpec, c codec, send func(*rtp.Header, []byte, time.Time) bool) *toneGen {
	level := spec.Level
	if level == 0 {
		level = defaultLevel
	}
	g := &toneGen{
		spec:  spec,
		send:  send,
		amp:   peak0dBm0 * math.Pow(10, level/20),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
		onLen: int64(spec.OnMs) * clockRate / 1000,
	}
	g.period = g.onLen + int64(spec.OffMs)*clockRate/1000
	if spec.OffMs == 0 && spec.Repeat == 0 {
		g.onLen = 0
	}
	g.setCodec(c)
	return g
}

func (g *toneGen) setCodec(c codec) {
	v := uint32(c.pt)
	if c.name == namePCMA {
		v |= 0x100
	}
	g.codec.Store(v)
}

// on reports whether sample n is in an on period.
func (g *toneGen) on(n int64) bool {
	if g.onLen == 0 {
		return true
	}
	if g.spec.Repeat > 0 && n/g.period >= int64(g.spec.Repeat) {
		return false
	}
	return n%g.period < g.onLen
}

// frame encodes the 160 samples from sample n.
func (g *toneGen) frame(buf []byte, n int64, pcma bool) {
	for i := range buf {
		s := 0.0
		if g.on(n + int64(i)) {
			t := float64(n+int64(i)) / clockRate
			for _, f := range g.spec.Freqs {
				s += g.amp * math.Sin(2*math.Pi*f*t)
			}
		}
		v := int16(max(-32768, min(32767, math.Round(s))))
		if pcma {
			buf[i] = audiofile.ALawEncode(v)
		} else {
			buf[i] = audiofile.ULawEncode(v)
		}
	}
}

// run sends frames until stop is closed, in real time: frames that are
// late are caught up, up to 100 ms; beyond that the stream skips ahead
// (its timestamps keep to the wall clock).
func (g *toneGen) run() {
	defer close(g.done)
	h := rtp.Header{Version: 2, SSRC: random32(), SequenceNumber: uint16(random32()), Timestamp: random32(), Marker: true}
	payload := make([]byte, frameTicks)
	start := time.Now()
	var n int64 // frames sent or skipped
	tick := time.NewTicker(frameTime)
	defer tick.Stop()
	for {
		due := int64(time.Since(start)/frameTime) + 1
		if due-n > 5 {
			skip := due - n - 1
			n += skip
			h.Timestamp += uint32(skip * frameTicks)
		}
		for ; n < due; n++ {
			c := g.codec.Load()
			g.frame(payload, n*frameTicks, c&0x100 != 0)
			h.PayloadType = uint8(c)
			hh := h // the leg rewrites its copy
			g.send(&hh, payload, time.Now())
			h.Marker = false
			h.SequenceNumber++
			h.Timestamp += frameTicks
		}
		select {
		case <-g.stop:
			return
		case <-tick.C:
		}
	}
}

func (g *toneGen) close() {
	close(g.stop)
	<-g.done
}
