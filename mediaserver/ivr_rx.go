//go:build !js

package mediaserver

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"

	"github.com/kazoo-softphone/kazoo/audiofile"
)

// maxFrame bounds the samples taken from one packet (120 ms).
const maxFrame = 960

// MaxRecord bounds one Record.
const MaxRecord = time.Hour

// onPacket handles a packet of the peer, on the leg's reading
// goroutine. It takes no lock of the IVR's control path (v.mu): only
// small locks of the receive side.
func (v *IVR) onPacket(p *rtp.Packet, now time.Time) {
	k := v.pts.Load()
	if k == nil {
		return
	}
	var table *[256]int16
	switch k[p.PayloadType] {
	case kindTE:
		v.onEvent(p)
		return
	case kindPCMA:
		table = &alawToLinear
	case kindPCMU:
		table = &ulawToLinear
	default:
		return
	}
	var buf [maxFrame]int16
	n := min(len(p.Payload), maxFrame)
	for i, b := range p.Payload[:n] {
		buf[i] = table[b]
	}
	pcm := buf[:n]
	v.meter.add(pcm, now)
	if recs := v.recs.Load(); recs != nil {
		for _, r := range *recs {
			r.add(p.SSRC, p.Timestamp, pcm)
		}
	}
	if v.mixer.Load() != nil {
		v.in.push(pcm)
	}
}

// dtmfEvents are the RFC 4733 events 0–15 as digits.
const dtmfEvents = "0123456789*#ABCD"

// onEvent delivers an RFC 4733 telephone-event on its first packet; the
// packets that follow (updates, the three end packets) share its
// timestamp and are dropped.
func (v *IVR) onEvent(p *rtp.Packet) {
	if len(p.Payload) < 4 || p.Payload[0] >= 16 {
		return
	}
	key := uint64(p.SSRC)<<32 | uint64(p.Timestamp)
	v.dtmfMu.Lock()
	defer v.dtmfMu.Unlock()
	for _, k := range v.seen {
		if k == key {
			return
		}
	}
	v.seen[v.seenN%len(v.seen)] = key
	v.seenN++
	v.deliver(rune(dtmfEvents[p.Payload[0]]))
}

// deliver queues d; v.dtmfMu is held.
func (v *IVR) deliver(d rune) {
	if v.dtmfClosed {
		return
	}
	select {
	case v.dtmf <- d:
	default:
		v.log.Warn("IVR: DTMF digit dropped, nobody reads them", "digit", string(d))
	}
}

// DTMF delivers the digits of the far end ('0'–'9', '*', '#', 'A'–'D'):
// RFC 4733 telephone-events, one per event, and digits given to
// InjectDTMF (SIP INFO). It holds up to 64 unread digits and is closed
// by Close.
func (v *IVR) DTMF() <-chan rune { return v.dtmf }

// InjectDTMF adds a digit the SIP side received (INFO with
// application/dtmf-relay or application/dtmf); other runes are ignored,
// lower-case a–d are taken as A–D.
func (v *IVR) InjectDTMF(d rune) {
	if d >= 'a' && d <= 'd' {
		d -= 'a' - 'A'
	}
	if !strings.ContainsRune(dtmfEvents, d) {
		return
	}
	v.dtmfMu.Lock()
	v.deliver(d)
	v.dtmfMu.Unlock()
}

// Record returns what the far end says from now until ctx ends or max
// elapses, decoded to 8 kHz samples: a gap in the RTP timestamps (up to
// a second, e.g. silence suppression) is recorded as silence; nothing is
// recorded while the far end sends nothing (hold). The samples are
// returned in every case; the error is nil but for a closed IVR
// (ErrClosed) or a max outside (0, MaxRecord]. Several Records may run
// at once (record_call while a voicemail records).
func (v *IVR) Record(ctx context.Context, max time.Duration) ([]int16, error) {
	if max <= 0 || max > MaxRecord {
		return nil, fmt.Errorf("mediaserver: Record for %v (0 to %v)", max, MaxRecord)
	}
	if v.dead.Load() {
		return nil, ErrClosed
	}
	r := &recorder{limit: int(max.Seconds() * clockRate)}
	v.recMu.Lock()
	old := v.recs.Load()
	var l []*recorder
	if old != nil {
		l = append(l, *old...)
	}
	l = append(l, r)
	v.recs.Store(&l)
	v.recMu.Unlock()

	t := time.NewTimer(max)
	defer t.Stop()
	var err error
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-v.stop:
		err = ErrClosed
	}
	v.recMu.Lock()
	cur := *v.recs.Load()
	rest := make([]*recorder, 0, len(cur)) // a new slice: readers hold the old one
	for _, x := range cur {
		if x != r {
			rest = append(rest, x)
		}
	}
	v.recs.Store(&rest)
	v.recMu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = true
	return r.pcm, err
}

// recorder collects the samples of one Record.
type recorder struct {
	mu     sync.Mutex
	pcm    []int16
	limit  int
	done   bool
	ssrc   uint32
	next   uint32 // timestamp expected next
	synced bool
}

func (r *recorder) add(ssrc, ts uint32, pcm []int16) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	if r.synced && ssrc == r.ssrc {
		gap := int32(ts - r.next)
		if gap < 0 {
			return // a late or repeated packet
		}
		if gap > 0 && gap <= clockRate {
			r.append(make([]int16, gap))
		}
	}
	r.ssrc, r.next, r.synced = ssrc, ts+uint32(len(pcm)), true
	r.append(pcm)
}

func (r *recorder) append(pcm []int16) {
	n := min(len(pcm), r.limit-len(r.pcm))
	if n > 0 {
		r.pcm = append(r.pcm, pcm[:n]...)
	}
}

// Heard is the level of the audio received over the last second: its
// RMS relative to full scale, 0 to 1 (a -13 dBm0 tone is about 0.17).
func (v *IVR) Heard() float64 { return v.meter.level(time.Now()) }

// meter keeps the energy of the last second's frames.
type meter struct {
	mu     sync.Mutex
	frames [64]struct {
		at     time.Time
		sum    float64
		sample int
	}
	n int
}

func (m *meter) add(pcm []int16, now time.Time) {
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	m.mu.Lock()
	f := &m.frames[m.n%len(m.frames)]
	f.at, f.sum, f.sample = now, sum, len(pcm)
	m.n++
	m.mu.Unlock()
}

func (m *meter) level(now time.Time) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var sum float64
	var n int
	for _, f := range m.frames {
		if f.sample > 0 && now.Sub(f.at) <= time.Second {
			sum += f.sum
			n += f.sample
		}
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(sum/float64(n)) / 32768
}

// mixIn is the received audio waiting for the mixer: a FIFO of at most
// 160 ms that starts giving frames once it holds two (a small jitter
// buffer), and again after it ran dry.
type mixIn struct {
	mu     sync.Mutex
	buf    []int16
	primed bool
}

const (
	mixInMax   = 8 * frameTicks
	mixInPrime = 2 * frameTicks
)

func (q *mixIn) push(pcm []int16) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.buf = append(q.buf, pcm...)
	if over := len(q.buf) - mixInMax; over > 0 {
		q.buf = q.buf[:copy(q.buf, q.buf[over:])]
	}
}

// pop takes the next frame into dst; false when none is ready.
func (q *mixIn) pop(dst *[frameTicks]int16) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.primed && len(q.buf) < mixInPrime {
		return false
	}
	if len(q.buf) < frameTicks {
		q.primed = false
		return false
	}
	q.primed = true
	copy(dst[:], q.buf)
	q.buf = q.buf[:copy(q.buf, q.buf[frameTicks:])]
	return true
}

func (q *mixIn) reset() {
	q.mu.Lock()
	q.buf, q.primed = q.buf[:0], false
	q.mu.Unlock()
}

// G.711 decoding tables, for what an IVR hears.
var ulawToLinear, alawToLinear = g711Tables()

func g711Tables() (u, a [256]int16) {
	for i := range 256 {
		u[i], a[i] = audiofile.ULawDecode(byte(i)), audiofile.ALawDecode(byte(i))
	}
	return u, a
}
