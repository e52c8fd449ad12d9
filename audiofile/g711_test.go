package audiofile

import (
	"math"
	"testing"
)

func TestG711(t *testing.T) {
	known := []struct {
		in   int16
		u, a byte
	}{{0, 0xff, 0xd5}, {32767, 0x80, 0xaa}, {-32768, 0x00, 0x2a}}
	for _, k := range known {
		if u, a := ULawEncode(k.in), ALawEncode(k.in); u != k.u || a != k.a {
			t.Errorf("%d: ulaw %#x alaw %#x, want %#x %#x", k.in, u, a, k.u, k.a)
		}
	}
	for s := -32768; s <= 32767; s += 7 {
		v := int16(s)
		if d := math.Abs(float64(ULawDecode(ULawEncode(v))) - float64(v)); d > math.Max(16, math.Abs(float64(v))/16) {
			t.Fatalf("ulaw %d decodes to %d", v, ULawDecode(ULawEncode(v)))
		}
		if d := math.Abs(float64(ALawDecode(ALawEncode(v))) - float64(v)); d > math.Max(16, math.Abs(float64(v))/16) {
			t.Fatalf("alaw %d decodes to %d", v, ALawDecode(ALawEncode(v)))
		}
	}
}
