//go:build !js

package mediaserver

import (
	"math"
	"testing"
)

func ulawDecode(u byte) int16 {
	u = ^u
	x := ((int(u&0x0f) << 3) + 0x84) << (u >> 4 & 7)
	x -= 0x84
	if u&0x80 != 0 {
		x = -x
	}
	return int16(x)
}

func alawDecode(a byte) int16 {
	a ^= 0x55
	m, seg := int(a&0x0f), int(a>>4&7)
	x := m<<4 + 8
	if seg > 0 {
		x = (m<<4 + 0x108) << (seg - 1)
	}
	if a&0x80 == 0 {
		x = -x
	}
	return int16(x)
}

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
			out[i] = float64(alawDecode(b))
		} else {
			out[i] = float64(ulawDecode(b))
		}
	}
	return out
}

func TestG711(t *testing.T) {
	known := []struct {
		in   int16
		u, a byte
	}{{0, 0xff, 0xd5}, {32767, 0x80, 0xaa}, {-32768, 0x00, 0x2a}}
	for _, k := range known {
		if u, a := ulaw(k.in), alaw(k.in); u != k.u || a != k.a {
			t.Errorf("%d: ulaw %#x alaw %#x, want %#x %#x", k.in, u, a, k.u, k.a)
		}
	}
	for s := -32768; s <= 32767; s += 7 {
		v := int16(s)
		if d := math.Abs(float64(ulawDecode(ulaw(v))) - float64(v)); d > math.Max(16, math.Abs(float64(v))/16) {
			t.Fatalf("ulaw %d decodes to %d", v, ulawDecode(ulaw(v)))
		}
		if d := math.Abs(float64(alawDecode(alaw(v))) - float64(v)); d > math.Max(16, math.Abs(float64(v))/16) {
			t.Fatalf("alaw %d decodes to %d", v, alawDecode(alaw(v)))
		}
	}
}
