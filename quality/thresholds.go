package quality

import (
	"fmt"
	"math"
	"sort"
)

// The warning names, as the page sees them in onQualityWarning.
const (
	HighRTT                 = "high-rtt"
	HighJitter              = "high-jitter"
	HighPacketLoss          = "high-packet-loss"
	LowMOS                  = "low-mos"
	NoAudioReceived         = "no-audio-received"
	ConstantAudioInputLevel = "constant-audio-input-level"
	SpeakingWhileMuted      = "speaking-while-muted"
	ICEConnectivityLost     = "ice-connectivity-lost"
)

// names is every warning, in the order Monitor reports them.
var names = [...]string{
	HighRTT, HighJitter, HighPacketLoss, LowMOS,
	NoAudioReceived, ConstantAudioInputLevel, SpeakingWhileMuted,
	ICEConnectivityLost,
}

// Names lists every warning, in the order Monitor reports them.
func Names() []string { return append([]string(nil), names[:]...) }

// Thresholds are the limits of the warnings. Each is keyed by the name
// of its warning in Set and With; ice-connectivity-lost has none (it is
// raised by the ICE state alone). Levels are on Level's 0..1 scale.
type Thresholds struct {
	// MaxRTTMs: high-rtt when the round-trip time exceeds it (ms).
	MaxRTTMs float64
	// MaxJitterMs: high-jitter when the jitter exceeds it (ms).
	MaxJitterMs float64
	// MaxPacketLoss: high-packet-loss when the fraction (0..1) of
	// packets lost in the interval exceeds it.
	MaxPacketLoss float64
	// MinMOS: low-mos when the MOS falls below it (1..4.5).
	MinMOS float64
	// MinInboundLevel: no-audio-received when packets arrive but the
	// received audio's level is below it (or when no packet arrives).
	// 0 turns the level test off, leaving "no packets" only.
	MinInboundLevel float64
	// MinInputSpread: constant-audio-input-level when the microphone's
	// level varies by less than this (max − min) over the interval while
	// not muted.
	MinInputSpread float64
	// MaxMutedInputLevel: speaking-while-muted when, muted, the
	// microphone's level goes above it.
	MaxMutedInputLevel float64
}

// DefaultThresholds are kazoo's limits for the network
// (rtt > 400 ms, jitter > 30 ms, loss > 1 %, MOS < 3.5) and these for
// the audio:
//
//   - MinInboundLevel 0.01 (−59.4 dBFS): received audio that reads
//     nothing on the meter. A silent far end usually still sends its
//     room's noise, but one behind strong noise suppression, or one
//     using discontinuous transmission, can fall below it while its user
//     just listens; raise it with care, or set 0 to warn only when no
//     packet arrives.
//   - MinInputSpread 0.001 (0.06 dB): a live microphone's level, even
//     in a quiet room or on steady fan noise, moves by several tenths of
//     a dB within a second; a dead one (all zeros, or a stuck constant)
//     does not move at all.
//   - MaxMutedInputLevel 0.4 (−36 dBFS): speech at a headset or laptop
//     microphone, after the browser's gain control, is typically around
//     −30..−15 dBFS (0.5..0.75) and room noise −60..−45 dBFS (0..0.25);
//     0.4 sits between them. (0.1 would be −54 dBFS: room noise.)
func DefaultThresholds() Thresholds {
	return Thresholds{
		MaxRTTMs:           400,
		MaxJitterMs:        30,
		MaxPacketLoss:      0.01,
		MinMOS:             3.5,
		MinInboundLevel:    0.01,
		MinInputSpread:     0.001,
		MaxMutedInputLevel: 0.4,
	}
}

// limit is a threshold's field and its upper bound.
type limit struct {
	field func(*Thresholds) *float64
	max   float64 // inclusive
}

var limits = map[string]limit{
	HighRTT:                 {func(t *Thresholds) *float64 { return &t.MaxRTTMs }, math.Inf(1)},
	HighJitter:              {func(t *Thresholds) *float64 { return &t.MaxJitterMs }, math.Inf(1)},
	HighPacketLoss:          {func(t *Thresholds) *float64 { return &t.MaxPacketLoss }, 1},
	LowMOS:                  {func(t *Thresholds) *float64 { return &t.MinMOS }, 5},
	NoAudioReceived:         {func(t *Thresholds) *float64 { return &t.MinInboundLevel }, 1},
	ConstantAudioInputLevel: {func(t *Thresholds) *float64 { return &t.MinInputSpread }, 1},
	SpeakingWhileMuted:      {func(t *Thresholds) *float64 { return &t.MaxMutedInputLevel }, 1},
}

// Get returns the threshold of the warning name, and false for a name
// that has none (ice-connectivity-lost, or an unknown name).
func (t Thresholds) Get(name string) (float64, bool) {
	l, ok := limits[name]
	if !ok {
		return 0, false
	}
	return *l.field(&t), true
}

// Set sets the threshold of the warning name. It refuses, leaving t as
// it was, a name without a threshold and a value that is NaN, infinite,
// negative or above its range: 1 for the loss fraction and the levels,
// 5 for the MOS (so a loss given in percent, 3 for 3 %, is an error
// rather than a warning that never fires).
func (t *Thresholds) Set(name string, value float64) error {
	l, ok := limits[name]
	if !ok {
		if name == ICEConnectivityLost {
			return fmt.Errorf("quality: %s has no threshold", name)
		}
		return fmt.Errorf("quality: unknown warning %q", name)
	}
	if math.IsNaN(value) || math.IsInf(value, 0) || value < 0 || value > l.max {
		if math.IsInf(l.max, 1) {
			return fmt.Errorf("quality: threshold of %s is %v; want a number ≥ 0", name, value)
		}
		return fmt.Errorf("quality: threshold of %s is %v; want a number in 0..%v", name, value, l.max)
	}
	*l.field(t) = value
	return nil
}

// With returns t with the thresholds in overrides (warning name →
// value) set, for a page that passes only the ones it changes:
//
//	th, err := quality.DefaultThresholds().With(map[string]float64{"high-rtt": 300})
//
// On an error (the first in sorted key order; see Set) it returns t unchanged.
func (t Thresholds) With(overrides map[string]float64) (Thresholds, error) {
	names := make([]string, 0, len(overrides))
	for n := range overrides {
		names = append(names, n)
	}
	sort.Strings(names)
	out := t
	for _, n := range names {
		if err := out.Set(n, overrides[n]); err != nil {
			return t, err
		}
	}
	return out, nil
}

// Validate reports the first threshold (in Names order) that Set would
// refuse, for Thresholds built by hand.
func (t Thresholds) Validate() error {
	for _, n := range names {
		if v, ok := t.Get(n); ok {
			var probe Thresholds
			if err := probe.Set(n, v); err != nil {
				return err
			}
		}
	}
	return nil
}
