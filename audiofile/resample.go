package audiofile

import (
	"math"
	"sync"
)

// Resampler parameters: the kernel spans zeroCross zero crossings of
// the low-pass sinc on each side, tabulated at tableRes points per
// crossing and windowed (Blackman). The pass band ends at passBand of
// the lower Nyquist frequency (3.6 kHz for 8 kHz output).
const (
	zeroCross = 12
	tableRes  = 512
	passBand  = 0.9
)

var kernel = sync.OnceValue(func() []float64 {
	n := zeroCross * tableRes
	k := make([]float64, n+1)
	for i := range k {
		x := float64(i) / tableRes // in zero crossings
		s := 1.0
		if i > 0 {
			s = math.Sin(math.Pi*x) / (math.Pi * x)
		}
		w := 0.42 + 0.5*math.Cos(math.Pi*x/zeroCross) + 0.08*math.Cos(2*math.Pi*x/zeroCross)
		k[i] = s * w
	}
	return k
})

// Resample converts mono samples at rate Hz to 8 kHz by band-limited
// (windowed-sinc) interpolation; 8 kHz input is returned as is.
func Resample(in []int16, rate int) []int16 {
	if rate == Rate || len(in) == 0 || rate <= 0 {
		return in
	}
	step := float64(rate) / Rate // input samples per output sample
	// cutoff relative to the input's Nyquist frequency
	cut := passBand * math.Min(1, 1/step)
	k := kernel()
	half := zeroCross / cut // kernel half-width in input samples
	n := int(float64(len(in)) / step)
	out := make([]int16, n)
	for j := range n {
		t := float64(j) * step
		lo := max(0, int(math.Ceil(t-half)))
		hi := min(len(in)-1, int(math.Floor(t+half)))
		var acc float64
		for i := lo; i <= hi; i++ {
			x := math.Abs(t-float64(i)) * cut * tableRes
			idx := int(x + 0.5)
			if idx < len(k) {
				acc += float64(in[i]) * k[idx]
			}
		}
		out[j] = clip16(acc * cut)
	}
	return out
}

func clip16(v float64) int16 {
	return int16(max(-32768, min(32767, math.Round(v))))
}
