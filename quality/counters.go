package quality

import "math"

// Counters is a snapshot of the cumulative counters of an inbound RTP
// stream, as WebRTC's inbound-rtp statistics report them.
type Counters struct {
	PacketsReceived int64
	// PacketsLost is the RFC 3550 cumulative loss: packets expected less
	// packets received. Duplicates can make it go down.
	PacketsLost int64
	// TotalAudioEnergy and TotalSamplesDuration (seconds) are the audio
	// played out so far; see LevelFromEnergy.
	TotalAudioEnergy     float64
	TotalSamplesDuration float64
}

// Interval is what happened between two Counters snapshots.
type Interval struct {
	PacketsReceived int64
	PacketsLost     int64
	// Loss is PacketsLost / (PacketsReceived + PacketsLost), 0..1; NaN
	// when no packet was received or lost (nothing to measure).
	Loss float64
	// Level is the received audio's level, LevelFromEnergy of the energy
	// and duration deltas; 0 when no audio was played out.
	Level float64
	// Reset is true when a counter went backwards (a new stream or
	// receiver restarted it); the interval then counts from zero, as if
	// prev had been zero.
	Reset bool
}

// Delta turns two consecutive snapshots into the interval between them.
// The packet counters and the audio counters are checked separately: if
// PacketsReceived went down, both packet counts are taken from cur alone;
// if the energy or the duration went down, both audio counters are. A
// drop in PacketsLost alone (duplicates) is not a reset and counts as no
// loss. Negative and NaN values count as 0. Delta(Counters{}, cur) is
// the interval since the stream began.
func Delta(prev, cur Counters) Interval {
	var iv Interval
	if cur.PacketsReceived < prev.PacketsReceived {
		iv.Reset = true
		prev.PacketsReceived, prev.PacketsLost = 0, 0
	}
	iv.PacketsReceived = max(cur.PacketsReceived-prev.PacketsReceived, 0)
	iv.PacketsLost = max(cur.PacketsLost-prev.PacketsLost, 0)
	iv.Loss = LossFraction(iv.PacketsReceived, iv.PacketsLost)

	pe, pd := nonNegative(prev.TotalAudioEnergy), nonNegative(prev.TotalSamplesDuration)
	ce, cd := nonNegative(cur.TotalAudioEnergy), nonNegative(cur.TotalSamplesDuration)
	if ce < pe || cd < pd {
		iv.Reset = true
		pe, pd = 0, 0
	}
	iv.Level = LevelFromEnergy(ce-pe, cd-pd)
	return iv
}

// LossFraction is lost/(received+lost), 0..1, for the packets of an
// interval: the Loss of a Sample. It is NaN when both are 0 and counts
// negative numbers as 0. For the outbound direction, received is the
// packets sent less those the far end reported lost.
func LossFraction(received, lost int64) float64 {
	received, lost = max(received, 0), max(lost, 0)
	if received+lost == 0 {
		return math.NaN()
	}
	return float64(lost) / float64(received+lost)
}

func nonNegative(v float64) float64 {
	if !(v > 0) {
		return 0
	}
	return v
}
