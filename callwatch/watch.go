package callwatch

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/kazoo-softphone/kazoo/clock"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/quality"
)

// The watcher's pace: levels every LevelEvery, a quality sample every
// SampleEvery (one sample per LevelsPerSample level readings).
const (
	LevelEvery      = 100 * time.Millisecond
	LevelsPerSample = 10
	SampleEvery     = LevelEvery * LevelsPerSample
)

// readTimeout bounds one read of the call's statistics or levels.
const readTimeout = 2 * time.Second

// Source is what the watcher reads of a call; phone.Call has it all.
type Source interface {
	Muted() bool
	Stats(ctx context.Context) (phone.MediaStats, *phone.Error)
	Levels(ctx context.Context) (phone.Levels, *phone.Error)
}

// Events are the watcher's reports. They are called from the watcher's
// goroutine, one at a time; nil ones are skipped.
type Events struct {
	// Volume gets the levels about ten times a second (NaN: not measured).
	Volume func(phone.Levels)
	// Warning gets each warning raised or cleared.
	Warning func(quality.Change)
}

// Options configure a Watcher.
type Options struct {
	Clock      clock.Clock        // nil: the real clock
	Thresholds quality.Thresholds // zero value: quality.DefaultThresholds()
	Events     Events
}

// Watcher watches one call until Stop.
type Watcher struct {
	src    Source
	clk    clock.Clock
	ev     Events
	cancel context.CancelFunc
	ctx    context.Context

	mu      sync.Mutex
	stopped bool
	timer   clock.Timer
	monitor *quality.Monitor
	summary quality.Summary
	ticks   int
	inMin   float64 // microphone levels since the last sample (NaN: none)
	inMax   float64
	outMax  float64
	prev    quality.Counters
	last    phone.MediaStats
	lastMOS float64
	started bool // the media has been up (see mediaStarted)
}

// Start watches src; the first level reading comes after LevelEvery, the
// first sample after SampleEvery.
func Start(src Source, o Options) *Watcher {
	th := o.Thresholds
	if th == (quality.Thresholds{}) {
		th = quality.DefaultThresholds()
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Watcher{
		src: src, clk: clock.OrReal(o.Clock), ev: o.Events, ctx: ctx, cancel: cancel,
		monitor: quality.NewMonitor(th), lastMOS: math.NaN(),
	}
	w.resetLevels()
	w.mu.Lock()
	w.timer = w.clk.AfterFunc(LevelEvery, w.tick)
	w.mu.Unlock()
	return w
}

// Stop ends the watch; no event is called after it returns, except one
// already running.
func (w *Watcher) Stop() {
	w.mu.Lock()
	w.stopped = true
	if w.timer != nil {
		w.timer.Stop()
	}
	w.mu.Unlock()
	w.cancel()
}

func (w *Watcher) resetLevels() {
	w.inMin, w.inMax, w.outMax = math.NaN(), math.NaN(), math.NaN()
}

// tick reads the levels, and every LevelsPerSample ticks takes a
// sample; then it schedules the next tick (ticks never overlap).
func (w *Watcher) tick() {
	if w.isStopped() {
		return
	}
	ctx, cancel := context.WithTimeout(w.ctx, readTimeout)
	l, e := w.src.Levels(ctx)
	cancel()
	if e != nil {
		l = phone.Levels{Input: math.NaN(), Output: math.NaN()}
	}
	w.mu.Lock()
	w.ticks++
	sample := w.ticks%LevelsPerSample == 0
	w.inMin, w.inMax = fold(math.Min, w.inMin, l.Input), fold(math.Max, w.inMax, l.Input)
	w.outMax = fold(math.Max, w.outMax, l.Output)
	w.mu.Unlock()
	if w.ev.Volume != nil && e == nil && !w.isStopped() {
		w.ev.Volume(l)
	}
	if sample {
		w.sample()
	}
	w.mu.Lock()
	if !w.stopped {
		w.timer = w.clk.AfterFunc(LevelEvery, w.tick)
	}
	w.mu.Unlock()
}

func (w *Watcher) isStopped() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stopped
}

// sample reads the statistics and feeds the monitor and the summary.
func (w *Watcher) sample() {
	ctx, cancel := context.WithTimeout(w.ctx, readTimeout)
	st, e := w.src.Stats(ctx)
	cancel()
	muted := w.src.Muted()
	w.mu.Lock()
	inMin, inMax, outMax := w.inMin, w.inMax, w.outMax
	w.resetLevels()
	if e != nil {
		w.mu.Unlock()
		return
	}
	s, cur := makeSample(st, w.prev, inMin, inMax, outMax, muted)
	if mediaUp(st) {
		w.started = true
	}
	s.MediaStarted = w.started
	w.prev = cur
	w.last = st
	w.lastMOS = s.MOS
	changes := w.monitor.Add(s)
	w.summary.Add(s, changes)
	w.mu.Unlock()
	if w.ev.Warning == nil {
		return
	}
	for _, c := range changes {
		if w.isStopped() {
			return
		}
		w.ev.Warning(c)
	}
}

// mediaUp reports whether the call's media transport is up: ICE
// connected on WebRTC; on the RTMP path (no ICE) the first frames.
func mediaUp(st phone.MediaStats) bool {
	switch st.ICEState {
	case "connected", "completed":
		return true
	case "":
		return st.InboundPackets > 0 || st.OutboundPackets > 0
	}
	return false
}

// makeSample builds the quality sample of the second that ended with st
// (prev: the previous second's counters).
func makeSample(st phone.MediaStats, prev quality.Counters, inMin, inMax, outMax float64, muted bool) (quality.Sample, quality.Counters) {
	cur := quality.Counters{
		PacketsReceived: st.InboundPackets, PacketsLost: st.InboundPacketsLost,
		TotalAudioEnergy: st.InboundAudioEnergy, TotalSamplesDuration: st.InboundSamplesDuration,
	}
	iv := quality.Delta(prev, cur)
	s := quality.Sample{
		RTTMs:           st.RoundTripTime * 1000,
		JitterMs:        st.InboundJitter * 1000,
		Loss:            iv.Loss,
		OnHold:          st.Direction != "" && st.Direction != "sendrecv",
		PacketsReceived: iv.PacketsReceived,
		InboundLevel:    iv.Level,
		Muted:           muted,
		InputLevelMax:   inMax,
		// NaN when the meter could not tell: not a dead microphone.
		InputLevelSpread: inMax - inMin,
		ICEState:         st.ICEState,
	}
	if st.InboundSamplesDuration == 0 && !math.IsNaN(outMax) {
		// No energy counters (the RTMP path): the played level instead.
		s.InboundLevel = outMax
	}
	codec, _ := quality.CodecFor(st.Codec)
	loss := iv.Loss
	if math.IsNaN(loss) {
		loss = 0
	}
	s.MOS = math.NaN()
	if iv.PacketsReceived > 0 {
		s.MOS = quality.Estimate(quality.Conditions{RTTMs: s.RTTMs, JitterMs: s.JitterMs, Loss: loss, Codec: codec})
	}
	return s, cur
}

// Report is what the watcher measured so far.
type Report struct {
	quality.Report
	Stats  phone.MediaStats // the latest statistics read
	MOS    float64          // the latest sample's MOS (NaN: none yet)
	Active []string         // the warnings raised now
}

// Report returns the figures so far.
func (w *Watcher) Report() Report {
	w.mu.Lock()
	defer w.mu.Unlock()
	return Report{Report: w.summary.Report(), Stats: w.last, MOS: w.lastMOS, Active: w.monitor.Active()}
}

// fold is f(a, b) where both are measured; NaN (not measured) gives way
// to the other.
func fold(f func(x, y float64) float64, a, b float64) float64 {
	switch {
	case math.IsNaN(b):
		return a
	case math.IsNaN(a):
		return b
	}
	return f(a, b)
}
