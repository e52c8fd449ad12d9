package quality

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// good is a healthy second of a call: it crosses no threshold.
func good() Sample {
	return Sample{
		RTTMs: 40, JitterMs: 3, Loss: 0, MOS: 4.35,
		MediaStarted: true, PacketsReceived: 50, InboundLevel: 0.45,
		InputLevelMax: 0.6, InputLevelSpread: 0.3, ICEState: "connected",
	}
}

func highRTT() Sample { s := good(); s.RTTMs = 500; return s }

// feed adds the samples and returns every change, each tagged with the
// 1-based index of the sample that caused it.
func feed(m *Monitor, samples ...Sample) (changes []Change, at []int) {
	for i, s := range samples {
		for _, c := range m.Add(s) {
			changes = append(changes, c)
			at = append(at, i+1)
		}
	}
	return changes, at
}

func TestRaisedOnTheThirdCrossingOfFive(t *testing.T) {
	m := NewMonitor(DefaultThresholds())
	changes, at := feed(m, highRTT(), good(), highRTT(), good(), highRTT())
	want := []Change{{Name: HighRTT, Active: true, Value: 500, Threshold: 400}}
	if !reflect.DeepEqual(changes, want) || !reflect.DeepEqual(at, []int{5}) {
		t.Fatalf("changes %+v at %v, want %+v at sample 5", changes, at, want)
	}
	if got := m.Active(); !reflect.DeepEqual(got, []string{HighRTT}) {
		t.Errorf("Active() = %v", got)
	}
}

func TestNotRaisedOnTwoOfFive(t *testing.T) {
	m := NewMonitor(DefaultThresholds())
	// Crossings 1, 2, 6, 7, 11, 12...: never three in any five in a row.
	var samples []Sample
	for i := 0; i < 30; i++ {
		if i%5 < 2 {
			samples = append(samples, highRTT())
		} else {
			samples = append(samples, good())
		}
	}
	if changes, _ := feed(m, samples...); changes != nil {
		t.Fatalf("two crossings in five raised %+v", changes)
	}
	// Three in a row, after two at the start: raised on the third.
	m = NewMonitor(DefaultThresholds())
	if _, at := feed(m, highRTT(), highRTT(), highRTT()); !reflect.DeepEqual(at, []int{3}) {
		t.Errorf("three in a row raised at %v, want 3", at)
	}
}

func TestClearedOnlyAfterFiveCleanSamples(t *testing.T) {
	m := NewMonitor(DefaultThresholds())
	feed(m, highRTT(), highRTT(), highRTT())
	// Four clean, one crossing, four clean: the window always holds it.
	if changes, _ := feed(m, good(), good(), good(), good(), highRTT(), good(), good(), good(), good()); changes != nil {
		t.Fatalf("cleared with a crossing in the last five: %+v", changes)
	}
	changes, _ := feed(m, good())
	want := []Change{{Name: HighRTT, Active: false, Value: 40, Threshold: 400}}
	if !reflect.DeepEqual(changes, want) {
		t.Fatalf("fifth clean sample gave %+v, want %+v", changes, want)
	}
	if m.Active() != nil {
		t.Errorf("Active() = %v after the clear", m.Active())
	}
	// And it can be raised again, by three new crossings.
	if _, at := feed(m, highRTT(), good(), highRTT(), highRTT()); !reflect.DeepEqual(at, []int{4}) {
		t.Errorf("raised again at %v, want 4", at)
	}
}

func TestNoChangeIsRepeated(t *testing.T) {
	m := NewMonitor(DefaultThresholds())
	var samples []Sample
	for i := 0; i < 20; i++ {
		samples = append(samples, highRTT())
	}
	for i := 0; i < 20; i++ {
		samples = append(samples, good())
	}
	changes, at := feed(m, samples...)
	if len(changes) != 2 || !changes[0].Active || changes[1].Active || !reflect.DeepEqual(at, []int{3, 25}) {
		t.Errorf("changes %+v at %v, want one raise at 3 and one clear at 25", changes, at)
	}
}

func TestMixedSequence(t *testing.T) {
	m := NewMonitor(DefaultThresholds())
	lossy := func(rtt float64) Sample { s := good(); s.RTTMs = rtt; s.Loss = 0.05; return s }
	changes, at := feed(m,
		highRTT(), lossy(40), lossy(500), highRTT(), good(), // rtt 3 of 5 at 4; loss 2 of 5
		lossy(40), good(), good(), good(), good(), // loss 3 of 6..2: raised at 6; rtt clean from 5
		good(), // rtt: clean 5..9 → cleared at 9; loss: clean 7..11 → cleared at 11
	)
	var got []string
	for i, c := range changes {
		got = append(got, fmt.Sprintf("%s%s@%d", c.Name, map[bool]string{true: "+", false: "-"}[c.Active], at[i]))
	}
	want := []string{"high-rtt+@4", "high-packet-loss+@6", "high-rtt-@9", "high-packet-loss-@11"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
}

func TestEachWarningsCondition(t *testing.T) {
	th := DefaultThresholds()
	for _, c := range []struct {
		name   string
		change func(*Sample)
		want   string // "" for no warning
		value  float64
	}{
		{"healthy", func(*Sample) {}, "", 0},
		{"rtt 401", func(s *Sample) { s.RTTMs = 401 }, HighRTT, 401},
		{"rtt 400", func(s *Sample) { s.RTTMs = 400 }, "", 0},
		{"rtt unknown", func(s *Sample) { s.RTTMs = math.NaN() }, "", 0},
		{"jitter 31", func(s *Sample) { s.JitterMs = 31 }, HighJitter, 31},
		{"jitter 30", func(s *Sample) { s.JitterMs = 30 }, "", 0},
		{"loss 2%", func(s *Sample) { s.Loss = 0.02 }, HighPacketLoss, 0.02},
		{"loss 1%", func(s *Sample) { s.Loss = 0.01 }, "", 0},
		{"loss unknown", func(s *Sample) { s.Loss = math.NaN() }, "", 0},
		{"MOS 3.4", func(s *Sample) { s.MOS = 3.4 }, LowMOS, 3.4},
		{"MOS 3.5", func(s *Sample) { s.MOS = 3.5 }, "", 0},
		{"MOS 0 is unmeasured", func(s *Sample) { s.MOS = 0 }, "", 0},
		{"MOS NaN", func(s *Sample) { s.MOS = math.NaN() }, "", 0},
		{"no packets", func(s *Sample) { s.PacketsReceived = 0; s.InboundLevel = 0 }, NoAudioReceived, 0},
		{"packets, silence", func(s *Sample) { s.InboundLevel = 0 }, NoAudioReceived, 0},
		{"packets, faint", func(s *Sample) { s.InboundLevel = 0.005 }, NoAudioReceived, 0.005},
		{"packets, quiet", func(s *Sample) { s.InboundLevel = 0.05 }, "", 0},
		{"no packets on hold", func(s *Sample) { s.PacketsReceived = 0; s.InboundLevel = 0; s.OnHold = true }, "", 0},
		{"no packets before media", func(s *Sample) { s.PacketsReceived = 0; s.InboundLevel = 0; s.MediaStarted = false }, "", 0},
		{"dead microphone", func(s *Sample) { s.InputLevelMax = 0; s.InputLevelSpread = 0 }, ConstantAudioInputLevel, 0},
		{"stuck microphone", func(s *Sample) { s.InputLevelMax = 0.3; s.InputLevelSpread = 0.0002 }, ConstantAudioInputLevel, 0.0002},
		{"steady noise", func(s *Sample) { s.InputLevelMax = 0.2; s.InputLevelSpread = 0.004 }, "", 0},
		{"constant while muted", func(s *Sample) { s.InputLevelMax = 0; s.InputLevelSpread = 0; s.Muted = true }, "", 0},
		{"constant on hold", func(s *Sample) { s.InputLevelMax = 0; s.InputLevelSpread = 0; s.OnHold = true }, "", 0},
		{"meter not running", func(s *Sample) { s.InputLevelMax = math.NaN(); s.InputLevelSpread = math.NaN() }, "", 0},
		{"speaking while muted", func(s *Sample) { s.Muted = true; s.InputLevelMax = 0.6 }, SpeakingWhileMuted, 0.6},
		{"room noise while muted", func(s *Sample) { s.Muted = true; s.InputLevelMax = 0.2 }, "", 0},
		{"speaking while muted on hold", func(s *Sample) { s.Muted = true; s.OnHold = true }, "", 0},
		{"speaking while muted before media", func(s *Sample) { s.Muted = true; s.MediaStarted = false }, "", 0},
		{"ICE disconnected", func(s *Sample) { s.ICEState = "disconnected" }, ICEConnectivityLost, 1},
		{"ICE failed", func(s *Sample) { s.ICEState = "failed" }, ICEConnectivityLost, 1},
		{"ICE checking", func(s *Sample) { s.ICEState = "checking" }, "", 0},
		{"ICE unknown", func(s *Sample) { s.ICEState = "" }, "", 0},
	} {
		s := good()
		c.change(&s)
		m := NewMonitor(th)
		changes, _ := feed(m, s, s, s)
		if c.want == "" {
			if changes != nil {
				t.Errorf("%s: raised %+v", c.name, changes)
			}
			continue
		}
		thr, _ := th.Get(c.want)
		want := []Change{{Name: c.want, Active: true, Value: c.value, Threshold: thr}}
		if !reflect.DeepEqual(changes, want) {
			t.Errorf("%s: changes %+v, want %+v", c.name, changes, want)
		}
	}
}

func TestZeroSampleRaisesNothing(t *testing.T) {
	m := NewMonitor(DefaultThresholds())
	for i := 0; i < 10; i++ {
		if c := m.Add(Sample{}); c != nil {
			t.Fatalf("zero sample %d raised %+v", i, c)
		}
	}
}

func TestSeveralWarningsComeInNamesOrder(t *testing.T) {
	s := good()
	s.ICEState, s.PacketsReceived, s.RTTMs, s.Loss, s.MOS = "failed", 0, 900, 0.5, 1.2
	changes, _ := feed(NewMonitor(DefaultThresholds()), s, s, s)
	var got []string
	for _, c := range changes {
		got = append(got, c.Name)
	}
	want := []string{HighRTT, HighPacketLoss, LowMOS, NoAudioReceived, ICEConnectivityLost}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("raised %v, want %v", got, want)
	}
}

func TestCustomThresholds(t *testing.T) {
	th, err := DefaultThresholds().With(map[string]float64{"high-rtt": 100, "high-packet-loss": 0.05, "no-audio-received": 0})
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultThresholds()
	want.MaxRTTMs, want.MaxPacketLoss, want.MinInboundLevel = 100, 0.05, 0
	if th != want {
		t.Fatalf("With gave %+v, want %+v", th, want)
	}
	s := good()
	s.RTTMs, s.Loss, s.InboundLevel = 150, 0.03, 0 // rtt crosses 100; loss 3 % does not cross 5 %
	changes, _ := feed(NewMonitor(th), s, s, s)
	if len(changes) != 1 || changes[0].Name != HighRTT || changes[0].Threshold != 100 {
		t.Errorf("custom thresholds raised %+v, want high-rtt against 100 only", changes)
	}
	if changes, _ := feed(NewMonitor(DefaultThresholds()), s, s, s); len(changes) != 2 {
		t.Errorf("default thresholds raised %+v, want high-packet-loss and no-audio-received", changes)
	}
}

func TestThresholdOverridesAreValidated(t *testing.T) {
	d := DefaultThresholds()
	for _, c := range []struct {
		overrides map[string]float64
		err       string
	}{
		{map[string]float64{"high-rtt": -1}, "high-rtt"},
		{map[string]float64{"high-jitter": math.NaN()}, "high-jitter"},
		{map[string]float64{"high-jitter": math.Inf(1)}, "high-jitter"},
		{map[string]float64{"high-packet-loss": 3}, "0..1"},
		{map[string]float64{"low-mos": 6}, "low-mos"},
		{map[string]float64{"speaking-while-muted": 1.5}, "speaking-while-muted"},
		{map[string]float64{"ice-connectivity-lost": 1}, "no threshold"},
		{map[string]float64{"high-rt": 300}, "unknown warning"},
		{map[string]float64{"high-rtt": 300, "low-mos": -2}, "low-mos"},
	} {
		got, err := d.With(c.overrides)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("With(%v): error %v, want one mentioning %q", c.overrides, err, c.err)
		}
		if got != d {
			t.Errorf("With(%v) changed the thresholds on error: %+v", c.overrides, got)
		}
	}
	if got, err := d.With(nil); err != nil || got != d {
		t.Errorf("With(nil) = %+v, %v", got, err)
	}
	if err := d.Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
	bad := d
	bad.MinMOS = math.NaN()
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "low-mos") {
		t.Errorf("Validate of a NaN MinMOS: %v", err)
	}
	for _, n := range Names() {
		v, ok := d.Get(n)
		if ok != (n != ICEConnectivityLost) || (ok && !(v > 0)) {
			t.Errorf("Get(%q) = %v, %v", n, v, ok)
		}
	}
}

func TestNames(t *testing.T) {
	want := []string{"high-rtt", "high-jitter", "high-packet-loss", "low-mos", "no-audio-received",
		"constant-audio-input-level", "speaking-while-muted", "ice-connectivity-lost"}
	if got := Names(); !reflect.DeepEqual(got, want) {
		t.Errorf("Names() = %v", got)
	}
	Names()[0] = "changed"
	if Names()[0] != "high-rtt" {
		t.Error("Names returns the package's own array")
	}
}
