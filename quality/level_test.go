package quality

import (
	"math"
	"testing"
)

func sine(amplitude float64, n, rate int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(amplitude * math.Sin(2*math.Pi*1000*float64(i)/float64(rate)))
	}
	return out
}

func square(amplitude float64, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(amplitude)
		if i%2 == 1 {
			out[i] = -float32(amplitude)
		}
	}
	return out
}

// energyOf is what WebRTC's counters grow by for samples x at a rate.
func energyOf(x []float32, rate float64) (energy, duration float64) {
	for _, s := range x {
		energy += float64(s) * float64(s) / rate
	}
	return energy, float64(len(x)) / rate
}

func TestLevelKnownSamples(t *testing.T) {
	for _, c := range []struct {
		name    string
		samples []float32
		want    float64
	}{
		{"empty", nil, 0},
		{"silence", make([]float32, 480), 0},
		{"full-scale square", square(1, 480), 1},
		{"clipping square", square(2, 480), 1},
		// A sine of amplitude A has RMS A/√2: 20·log10(A/√2) dBFS.
		{"full-scale sine", sine(1, 4800, 48000), (60 + 20*math.Log10(1/math.Sqrt2)) / 60},
		{"sine 0.5", sine(0.5, 4800, 48000), (60 + 20*math.Log10(0.5/math.Sqrt2)) / 60},
		{"-20 dBFS square", square(0.1, 480), 40.0 / 60},
		{"-20 dBFS sine", sine(0.1*math.Sqrt2, 4800, 48000), 40.0 / 60},
		{"-80 dBFS is below the floor", square(1e-4, 480), 0},
		{"-60 dBFS is the floor", square(1e-3, 480), 0},
		{"NaN counts as silence", []float32{float32(math.NaN()), 1}, (60 + 10*math.Log10(0.5)) / 60},
	} {
		near(t, c.name, Level(c.samples), c.want, 1e-5)
	}
	near(t, "full-scale sine", Level(sine(1, 4800, 48000)), 0.95, 0.001)
}

func TestLevelFromEnergyAgreesWithLevel(t *testing.T) {
	blocks := map[string][]float32{
		"silence":    make([]float32, 160),
		"square":     square(1, 160),
		"sine 0.5":   sine(0.5, 960, 48000),
		"sine -20dB": sine(0.1*math.Sqrt2, 960, 48000),
		"quiet sine": sine(0.003, 960, 48000),
	}
	for name, x := range blocks {
		for _, rate := range []float64{8000, 16000, 48000} {
			e, d := energyOf(x, rate)
			near(t, name, LevelFromEnergy(e, d), Level(x), 1e-6)
		}
	}
	for _, c := range [][2]float64{{0, 0}, {1, 0}, {1, -1}, {-1, 1}, {0, 1}, {math.NaN(), 1}, {1, math.NaN()}} {
		if got := LevelFromEnergy(c[0], c[1]); got != 0 {
			t.Errorf("LevelFromEnergy(%v, %v) = %v, want 0", c[0], c[1], got)
		}
	}
}

func TestLevelRisesWithLoudness(t *testing.T) {
	prev := -1.0
	for db := -70.0; db <= 0; db += 5 {
		l := Level(square(math.Pow(10, db/20), 100))
		if l < prev || l < 0 || l > 1 {
			t.Fatalf("Level at %v dBFS = %v after %v", db, l, prev)
		}
		prev = l
	}
}
