package quality

import (
	"math"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.4f, want %.4f (±%g)", what, got, want, tol)
	}
}

// G.107 Annex B, Table B.1: the R values that bound the user-satisfaction
// categories and their MOS. The table rounds to two decimals, except that
// it gives 4.03 for R = 80 where the Annex B formula gives 4.024.
func TestMOSMatchesG107TableB1(t *testing.T) {
	for _, c := range []struct{ r, mos float64 }{
		{90, 4.34}, {80, 4.03}, {70, 3.60}, {60, 3.10}, {50, 2.58}, {R0, 4.41},
	} {
		near(t, "MOS(R)", MOS(c.r), c.mos, 0.0061)
	}
	// And the formula itself, worked by hand.
	near(t, "MOS(80)", MOS(80), 1+2.8+0.224, 1e-12)
	near(t, "MOS(90)", MOS(90), 1+3.15+0.189, 1e-12)
}

func TestMOSClamps(t *testing.T) {
	for _, c := range []struct{ r, mos float64 }{
		{-50, 1}, {-0.001, 1}, {0, 1}, {3.2, 1}, {6.5, 1}, {100, 4.5}, {100.001, 4.5}, {250, 4.5},
	} {
		near(t, "MOS", MOS(c.r), c.mos, 1e-9)
	}
	if !math.IsNaN(MOS(math.NaN())) {
		t.Error("MOS(NaN) is not NaN")
	}
	// Monotonic over the whole range.
	prev := MOS(-10)
	for r := -10.0; r <= 110; r += 0.25 {
		if m := MOS(r); m < prev-1e-12 {
			t.Fatalf("MOS(%v) = %v < MOS(%v) = %v", r, m, r-0.25, prev)
		} else {
			prev = m
		}
	}
}

func TestDelayImpairment(t *testing.T) {
	for _, c := range []struct{ d, id float64 }{
		{-5, 0}, {0, 0}, {100, 2.4}, {177.3, 4.2552},
		{300, 7.2 + 0.11*122.7}, {500, 12 + 0.11*322.7},
	} {
		near(t, "Id", DelayImpairment(c.d), c.id, 1e-9)
	}
}

func TestEffectiveLatency(t *testing.T) {
	near(t, "d", EffectiveLatency(100, 20), 150, 1e-12)
	near(t, "d", EffectiveLatency(0, 0), 10, 1e-12)
}

func TestEquipmentImpairmentG711(t *testing.T) {
	for _, c := range []struct {
		name         string
		codec        Codec
		loss, burstR float64
		want         float64
	}{
		{"no loss", G711PLC, 0, 1, 0},
		{"PLC 1%", G711PLC, 0.01, 1, 95 * 1 / (1 + 25.1)},
		{"PLC 2%", G711PLC, 0.02, 1, 95 * 2 / (2 + 25.1)},
		{"PLC 5%", G711PLC, 0.05, 1, 95 * 5 / (5 + 25.1)},
		{"no PLC 1%", G711, 0.01, 1, 95 * 1 / (1 + 4.3)},
		{"no PLC 5%", G711, 0.05, 1, 95 * 5 / (5 + 4.3)},
		{"PLC 2% bursty", G711PLC, 0.02, 2, 95 * 2 / (1 + 25.1)},
		{"burstR 0 is random", G711PLC, 0.02, 0, 95 * 2 / (2 + 25.1)},
		{"all lost", G711PLC, 1, 1, 95 * 100 / (100 + 25.1)},
		{"loss clamped", G711PLC, 7, 1, 95 * 100 / (100 + 25.1)},
		{"negative loss", G711PLC, -0.5, 1, 0},
		{"zero codec is G.711 PLC", Codec{}, 0.01, 1, 95 / 26.1},
	} {
		near(t, c.name, EquipmentImpairment(c.codec, c.loss, c.burstR), c.want, 1e-9)
	}
	near(t, "PLC 1%", EquipmentImpairment(G711PLC, 0.01, 1), 3.64, 0.005)
	near(t, "no PLC 1%", EquipmentImpairment(G711, 0.01, 1), 17.92, 0.005)
}

func TestRFactor(t *testing.T) {
	// rtt 100, jitter 20: d = 150, Id = 3.6; loss 1 % with PLC: 3.6398.
	in := Conditions{RTTMs: 100, JitterMs: 20, Loss: 0.01, Codec: G711PLC}
	near(t, "R", RFactor(in), 93.2-3.6-95/26.1, 1e-9)
	near(t, "Estimate", Estimate(in), MOS(93.2-3.6-95/26.1), 1e-12)
	// Negative rtt and jitter count as 0.
	near(t, "R", RFactor(Conditions{RTTMs: -3, JitterMs: -1}), 93.2-0.24, 1e-9)
	for _, in := range []Conditions{
		{RTTMs: math.NaN()}, {JitterMs: math.NaN()}, {Loss: math.NaN()},
	} {
		if r := RFactor(in); !math.IsNaN(r) {
			t.Errorf("RFactor(%+v) = %v, want NaN", in, r)
		}
	}
}

func TestMOSNeverRisesWithWorseConditions(t *testing.T) {
	rtts := []float64{0, 20, 50, 100, 150, 170, 180, 200, 300, 400, 600, 1000, 3000}
	jitters := []float64{0, 1, 5, 10, 20, 30, 50, 100, 500}
	losses := []float64{0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.3, 1}
	for _, codec := range []Codec{G711, G711PLC, Opus} {
		m := func(i, j, k int) float64 {
			return Estimate(Conditions{RTTMs: rtts[i], JitterMs: jitters[j], Loss: losses[k], Codec: codec})
		}
		for i := range rtts {
			for j := range jitters {
				for k := range losses {
					here := m(i, j, k)
					if i > 0 && m(i-1, j, k) < here {
						t.Errorf("%s: more rtt raised the MOS at %v ms", codec.Name, rtts[i])
					}
					if j > 0 && m(i, j-1, k) < here {
						t.Errorf("%s: more jitter raised the MOS at %v ms", codec.Name, jitters[j])
					}
					if k > 0 && m(i, j, k-1) < here {
						t.Errorf("%s: more loss raised the MOS at %v", codec.Name, losses[k])
					}
					if here < 1 || here > 4.5 {
						t.Errorf("%s: MOS %v out of 1..4.5", codec.Name, here)
					}
				}
			}
		}
	}
}

func TestLoopbackIsExcellent(t *testing.T) {
	for _, codec := range []Codec{Opus, G711PLC, G711} {
		mos := Estimate(Conditions{RTTMs: 1, JitterMs: 0.5, Loss: 0, Codec: codec})
		near(t, "loopback MOS", mos, 4.40, 0.01)
		if b := Band(mos); b != BandExcellent {
			t.Errorf("%s: loopback band %q (MOS %.3f), want excellent", codec.Name, b, mos)
		}
	}
	// The warning limits, together, are far from excellent.
	if b := Band(Estimate(Conditions{RTTMs: 400, JitterMs: 30, Loss: 0.01})); b != BandDegraded {
		t.Errorf("rtt 400, jitter 30, loss 1%%: band %q, want degraded", b)
	}
}

func TestBand(t *testing.T) {
	for _, c := range []struct {
		mos  float64
		band string
	}{
		{4.5, "excellent"}, {4.21, "excellent"}, {4.2, "great"}, {4.15, "great"},
		{4.1, "great"}, {4.05, "good"}, {4.0, "good"}, {3.7, "good"},
		{3.65, "fair"}, {3.6, "fair"}, {3.1, "fair"}, {3.09, "degraded"},
		{1, "degraded"}, {0, "degraded"}, {math.NaN(), ""},
	} {
		if got := Band(c.mos); got != c.band {
			t.Errorf("Band(%v) = %q, want %q", c.mos, got, c.band)
		}
	}
}

func TestCodecFor(t *testing.T) {
	for _, c := range []struct {
		name string
		want Codec
		ok   bool
	}{
		{"audio/opus", Opus, true}, {"OPUS", Opus, true}, {"audio/PCMU", G711PLC, true},
		{"pcma", G711PLC, true}, {"audio/G722", G711PLC, false}, {"", G711PLC, false},
	} {
		got, ok := CodecFor(c.name)
		if got != c.want || ok != c.ok {
			t.Errorf("CodecFor(%q) = %v, %v; want %v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}
