package quality

import (
	"go/parser"
	"go/token"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	var sum Summary
	mon := NewMonitor(DefaultThresholds())
	add := func(rtt, jitter, loss, mos float64, ice string) {
		s := good()
		s.RTTMs, s.JitterMs, s.Loss, s.MOS, s.ICEState = rtt, jitter, loss, mos, ice
		sum.Add(s, mon.Add(s))
	}
	add(500, 10, 0, 4.4, "connected")
	add(500, 40, 0.02, 4.0, "disconnected")
	add(600, 40, math.NaN(), 0, "disconnected") // high-rtt raised; loss and MOS not measured
	add(20, 35, 0.05, 3.0, "disconnected")      // high-jitter and ice-connectivity-lost raised
	add(math.NaN(), 2, 0.01, 4.2, "connected")

	r := sum.Report()
	if r.Samples != 5 {
		t.Errorf("Samples = %d", r.Samples)
	}
	for _, c := range []struct {
		name string
		got  Stat
		want Stat
	}{
		{"rtt", r.RTTMs, Stat{Min: 20, Avg: 405, Max: 600, N: 4}},
		{"jitter", r.JitterMs, Stat{Min: 2, Avg: 25.4, Max: 40, N: 5}},
		{"loss", r.Loss, Stat{Min: 0, Avg: 0.02, Max: 0.05, N: 4}},
		{"MOS", r.MOS, Stat{Min: 3.0, Avg: 3.9, Max: 4.4, N: 4}},
	} {
		if c.got.N != c.want.N {
			t.Errorf("%s: N = %d, want %d", c.name, c.got.N, c.want.N)
		}
		near(t, c.name+" min", c.got.Min, c.want.Min, 1e-9)
		near(t, c.name+" avg", c.got.Avg, c.want.Avg, 1e-9)
		near(t, c.name+" max", c.got.Max, c.want.Max, 1e-9)
	}
	if r.Band != BandGood {
		t.Errorf("Band = %q, want good (MOS 3.9)", r.Band)
	}
	want := []string{HighRTT, HighJitter, ICEConnectivityLost}
	if !reflect.DeepEqual(r.Warnings, want) {
		t.Errorf("Warnings = %v, want %v", r.Warnings, want)
	}
	// Seen once, in the order first raised, even when raised again.
	sum.Warn(LowMOS)
	sum.Warn(HighRTT)
	sum.Add(good(), []Change{{Name: HighJitter, Active: false}, {Name: SpeakingWhileMuted, Active: true}})
	want = append(want, LowMOS, SpeakingWhileMuted)
	if got := sum.Report().Warnings; !reflect.DeepEqual(got, want) {
		t.Errorf("Warnings = %v, want %v", got, want)
	}
	// The report is a copy.
	r = sum.Report()
	r.Warnings[0] = "changed"
	if sum.Report().Warnings[0] != HighRTT {
		t.Error("Report shares its Warnings with the Summary")
	}
}

func TestEmptySummary(t *testing.T) {
	var sum Summary
	r := sum.Report()
	if r.Samples != 0 || r.Band != "" || r.Warnings == nil || len(r.Warnings) != 0 {
		t.Errorf("empty report %+v", r)
	}
	for _, s := range []Stat{r.RTTMs, r.JitterMs, r.Loss, r.MOS} {
		if s.N != 0 || !math.IsNaN(s.Min) || !math.IsNaN(s.Avg) || !math.IsNaN(s.Max) {
			t.Errorf("empty stat %+v, want NaNs", s)
		}
	}
}

func TestPreflightOnLoopbackReportsExcellent(t *testing.T) {
	var sum Summary
	mon := NewMonitor(DefaultThresholds())
	codec, _ := CodecFor("audio/opus")
	for i := 0; i < 10; i++ {
		s := good()
		s.RTTMs, s.JitterMs, s.Loss = 0.5+float64(i%3), 0.3, 0
		s.MOS = Estimate(Conditions{RTTMs: s.RTTMs, JitterMs: s.JitterMs, Loss: s.Loss, Codec: codec})
		sum.Add(s, mon.Add(s))
	}
	if r := sum.Report(); r.Band != BandExcellent || len(r.Warnings) != 0 {
		t.Errorf("loopback report %+v, want excellent and no warnings", r)
	}
}

// The package imports only the standard library, so that the browser
// side, the relay or a test can use it alone.
func TestImportsOnlyTheStandardLibrary(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ".") || p == "syscall/js" {
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}
