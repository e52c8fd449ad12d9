package quality

import (
	"math"
	"testing"
)

func TestDelta(t *testing.T) {
	x := sine(0.5, 48000, 48000)
	e, d := energyOf(x, 48000)
	prev := Counters{PacketsReceived: 1000, PacketsLost: 10, TotalAudioEnergy: 3, TotalSamplesDuration: 20}
	cur := Counters{PacketsReceived: 1049, PacketsLost: 11, TotalAudioEnergy: 3 + e, TotalSamplesDuration: 20 + d}
	iv := Delta(prev, cur)
	if iv.PacketsReceived != 49 || iv.PacketsLost != 1 || iv.Reset {
		t.Errorf("Delta = %+v", iv)
	}
	near(t, "loss", iv.Loss, 1.0/50, 1e-12)
	near(t, "level", iv.Level, Level(x), 1e-6)
}

func TestDeltaFirstSnapshotCountsFromZero(t *testing.T) {
	iv := Delta(Counters{}, Counters{PacketsReceived: 50})
	if iv.PacketsReceived != 50 || iv.Loss != 0 || iv.Level != 0 || iv.Reset {
		t.Errorf("Delta = %+v", iv)
	}
}

func TestDeltaZeroInterval(t *testing.T) {
	c := Counters{PacketsReceived: 7, PacketsLost: 2, TotalAudioEnergy: 1, TotalSamplesDuration: 2}
	iv := Delta(c, c)
	if iv.PacketsReceived != 0 || iv.PacketsLost != 0 || !math.IsNaN(iv.Loss) || iv.Level != 0 || iv.Reset {
		t.Errorf("Delta(c, c) = %+v, want nothing, loss NaN", iv)
	}
}

func TestDeltaCountersGoingBackwards(t *testing.T) {
	// A new stream restarts the counters: the interval is cur alone.
	iv := Delta(Counters{PacketsReceived: 5000, PacketsLost: 40, TotalAudioEnergy: 9, TotalSamplesDuration: 100},
		Counters{PacketsReceived: 30, PacketsLost: 0, TotalAudioEnergy: 0, TotalSamplesDuration: 0.6})
	if iv.PacketsReceived != 30 || iv.PacketsLost != 0 || iv.Loss != 0 || iv.Level != 0 || !iv.Reset {
		t.Errorf("Delta after a reset = %+v", iv)
	}
	// Duplicates make RFC 3550's cumulative loss go down: no loss, no reset.
	iv = Delta(Counters{PacketsReceived: 100, PacketsLost: 5}, Counters{PacketsReceived: 150, PacketsLost: 3})
	if iv.PacketsReceived != 50 || iv.PacketsLost != 0 || iv.Loss != 0 || iv.Reset {
		t.Errorf("Delta with fewer lost = %+v", iv)
	}
	// Only the audio counters restart.
	iv = Delta(Counters{PacketsReceived: 100, TotalAudioEnergy: 5, TotalSamplesDuration: 10},
		Counters{PacketsReceived: 150, TotalAudioEnergy: 0.01, TotalSamplesDuration: 1})
	if iv.PacketsReceived != 50 || !iv.Reset {
		t.Errorf("Delta after an audio reset = %+v", iv)
	}
	near(t, "level after an audio reset", iv.Level, LevelFromEnergy(0.01, 1), 1e-12)
}

func TestLossFraction(t *testing.T) {
	near(t, "loss", LossFraction(99, 1), 0.01, 1e-12)
	near(t, "loss", LossFraction(0, 5), 1, 1e-12)
	near(t, "loss", LossFraction(10, -3), 0, 1e-12)
	if !math.IsNaN(LossFraction(0, 0)) || !math.IsNaN(LossFraction(-1, 0)) {
		t.Error("LossFraction of nothing is not NaN")
	}
}
