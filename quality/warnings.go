package quality

import (
	"math"
	"math/bits"
)

// The rule of Monitor: a warning is raised when RaiseCount of the last
// Window samples cross its threshold, and cleared when none of the last
// Window samples do.
const (
	Window     = 5
	RaiseCount = 3
)

// Sample is one measurement of a call, taken once a second. Float fields
// that could not be measured are NaN; a NaN never crosses a threshold
// (MOS: anything below 1, 0 included, counts as not measured, since MOS
// never returns less than 1).
//
// The audio checks (no-audio-received, constant-audio-input-level,
// speaking-while-muted) apply only while MediaStarted and not OnHold: no
// audio is expected before the call is answered and its transport is up,
// nor while either side holds; and a user talking while on hold talks to
// the room. A zero Sample therefore raises nothing.
type Sample struct {
	RTTMs    float64 // round-trip time, ms
	JitterMs float64 // inbound interarrival jitter, ms
	Loss     float64 // fraction 0..1 of packets lost in the interval (see Delta)
	MOS      float64 // Estimate of the conditions

	// MediaStarted is true once the call is answered and its media
	// transport connected (ICE and DTLS up, or the relay's media frame).
	MediaStarted bool
	// OnHold is true while either side holds the call.
	OnHold bool

	// PacketsReceived is the number of inbound RTP packets in the
	// interval (Delta).
	PacketsReceived int64
	// InboundLevel is the received audio's level over the interval, 0..1
	// (Delta, from the energy counters; or Level of the played PCM).
	InboundLevel float64

	// Muted is true while the user has muted the microphone.
	Muted bool
	// InputLevelMax and InputLevelSpread are the highest level of the
	// microphone over the interval and the spread (max − min) of its
	// levels, 0..1, from the meter's readings (about 10 a second). While
	// muted they must come from the microphone itself, not from the muted
	// track, which carries silence.
	InputLevelMax    float64
	InputLevelSpread float64

	// ICEState is the RTCPeerConnection's iceConnectionState (or
	// connectionState): "disconnected" and "failed" count as lost.
	ICEState string
}

// Change is a warning raised (Active) or cleared.
type Change struct {
	Name   string
	Active bool
	// Value is the sample's value of the warning's measure when the
	// change happened (NaN if that sample did not measure it), Threshold
	// the threshold it is compared with. Per warning:
	//
	//	high-rtt                    RTTMs             MaxRTTMs
	//	high-jitter                 JitterMs          MaxJitterMs
	//	high-packet-loss            Loss              MaxPacketLoss
	//	low-mos                     MOS               MinMOS
	//	no-audio-received           InboundLevel (0 without packets)   MinInboundLevel
	//	constant-audio-input-level  InputLevelSpread  MinInputSpread
	//	speaking-while-muted        InputLevelMax     MaxMutedInputLevel
	//	ice-connectivity-lost       1 lost, 0 not     0
	Value     float64
	Threshold float64
}

// Monitor turns samples into warnings by the 3-of-5 rule. It is not safe
// for concurrent use; one Monitor watches one call.
type Monitor struct {
	th    Thresholds
	state [len(names)]warnState // indexed like names
}

type warnState struct {
	recent uint8 // the last Window crossings, newest in bit 0
	active bool
}

// NewMonitor returns a Monitor with no warning raised. t should be valid
// (DefaultThresholds, With, or checked by Validate).
func NewMonitor(t Thresholds) *Monitor {
	return &Monitor{th: t}
}

// Thresholds returns the Monitor's thresholds.
func (m *Monitor) Thresholds() Thresholds { return m.th }

// Add takes the next sample and returns the warnings it raised or
// cleared, in Names order; nil when nothing changed. A warning is raised
// once, when the RaiseCount-th crossing in the last Window samples
// arrives, and cleared once, after Window samples in a row that do not
// cross.
func (m *Monitor) Add(s Sample) []Change {
	var out []Change
	for i, name := range names {
		cross, value, threshold := m.th.check(name, s)
		st := &m.state[i]
		st.recent = (st.recent << 1) & (1<<Window - 1)
		if cross {
			st.recent |= 1
		}
		n := bits.OnesCount8(st.recent)
		switch {
		case !st.active && n >= RaiseCount:
			st.active = true
			out = append(out, Change{Name: name, Active: true, Value: value, Threshold: threshold})
		case st.active && n == 0:
			st.active = false
			out = append(out, Change{Name: name, Active: false, Value: value, Threshold: threshold})
		}
	}
	return out
}

// Active lists the warnings raised now, in Names order.
func (m *Monitor) Active() []string {
	var out []string
	for i, name := range names {
		if m.state[i].active {
			out = append(out, name)
		}
	}
	return out
}

// check reports whether s crosses the threshold of warning name, with
// the value compared and the threshold.
func (t Thresholds) check(name string, s Sample) (cross bool, value, threshold float64) {
	audio := s.MediaStarted && !s.OnHold
	switch name {
	case HighRTT:
		return s.RTTMs > t.MaxRTTMs, s.RTTMs, t.MaxRTTMs
	case HighJitter:
		return s.JitterMs > t.MaxJitterMs, s.JitterMs, t.MaxJitterMs
	case HighPacketLoss:
		return s.Loss > t.MaxPacketLoss, s.Loss, t.MaxPacketLoss
	case LowMOS:
		if !(s.MOS >= 1) {
			return false, math.NaN(), t.MinMOS
		}
		return s.MOS < t.MinMOS, s.MOS, t.MinMOS
	case NoAudioReceived:
		if s.PacketsReceived <= 0 {
			return audio, 0, t.MinInboundLevel
		}
		return audio && s.InboundLevel < t.MinInboundLevel, s.InboundLevel, t.MinInboundLevel
	case ConstantAudioInputLevel:
		return audio && !s.Muted && s.InputLevelSpread < t.MinInputSpread, s.InputLevelSpread, t.MinInputSpread
	case SpeakingWhileMuted:
		return audio && s.Muted && s.InputLevelMax > t.MaxMutedInputLevel, s.InputLevelMax, t.MaxMutedInputLevel
	case ICEConnectivityLost:
		if s.ICEState == "disconnected" || s.ICEState == "failed" {
			return true, 1, 0
		}
		return false, 0, 0
	}
	return false, math.NaN(), math.NaN()
}
