//go:build !js

package mediaserver

import (
	"math"

	"github.com/kazoo-softphone/kazoo/audiofile"
)

// goertzel is the power of frequency f in samples at 8 kHz.
func goertzel(samples []float64, f float64) float64 {
	c := 2 * math.Cos(2*math.Pi*f/clockRate)
	var s1, s2 float64
	for _, x := range samples {
		s1, s2 = x+c*s1-s2, s1
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

func decode(payload []byte, pcma bool) []float64 {
	out := make([]float64, len(payload))
	for i, b := range payload {
		if pcma {
			out[i] = float64(audiofile.ALawDecode(b))
		} else {
			out[i] = float64(audiofile.ULawDecode(b))
		}
	}
	return out
}
