package quality

import "math"

// Stat is the minimum, mean and maximum of the measured values of one
// measure, and how many there were. With N == 0 all three are NaN.
type Stat struct {
	Min, Avg, Max float64
	N             int
}

// Report is a Summary's result: what call.getQualityReport() and
// preflight show. NaN means "not measured".
type Report struct {
	Samples  int      // samples added
	RTTMs    Stat     // round-trip time, ms
	JitterMs Stat     // jitter, ms
	Loss     Stat     // per-interval loss fraction, 0..1
	MOS      Stat     // MOS (samples with a MOS of at least 1)
	Band     string   // Band(MOS.Avg); "" without a MOS
	Warnings []string // every warning raised, in the order first raised
}

// Summary accumulates the samples of a call or a preflight. Its zero
// value is ready to use; it is not safe for concurrent use.
type Summary struct {
	samples                int
	rtt, jitter, loss, mos acc
	warnings               []string
}

// Add takes a sample and the changes the Monitor returned for it (nil if
// there is no Monitor). NaN values are skipped, as are MOS values below
// 1 (see Sample). Loss is averaged per interval, not per packet.
func (s *Summary) Add(sample Sample, changes []Change) {
	s.samples++
	s.rtt.add(sample.RTTMs)
	s.jitter.add(sample.JitterMs)
	s.loss.add(sample.Loss)
	if sample.MOS >= 1 {
		s.mos.add(sample.MOS)
	}
	for _, c := range changes {
		if c.Active {
			s.Warn(c.Name)
		}
	}
}

// Warn records that a warning was raised, once per name.
func (s *Summary) Warn(name string) {
	for _, w := range s.warnings {
		if w == name {
			return
		}
	}
	s.warnings = append(s.warnings, name)
}

// Report returns the summary so far. Warnings is never nil, so that it
// reads as an empty list rather than a missing one.
func (s *Summary) Report() Report {
	mos := s.mos.stat()
	return Report{
		Samples:  s.samples,
		RTTMs:    s.rtt.stat(),
		JitterMs: s.jitter.stat(),
		Loss:     s.loss.stat(),
		MOS:      mos,
		Band:     Band(mos.Avg),
		Warnings: append([]string{}, s.warnings...),
	}
}

// acc accumulates one measure.
type acc struct {
	n             int
	sum, min, max float64
}

func (a *acc) add(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	if a.n == 0 || v < a.min {
		a.min = v
	}
	if a.n == 0 || v > a.max {
		a.max = v
	}
	a.n++
	a.sum += v
}

func (a acc) stat() Stat {
	if a.n == 0 {
		return Stat{Min: math.NaN(), Avg: math.NaN(), Max: math.NaN()}
	}
	return Stat{Min: a.min, Avg: a.sum / float64(a.n), Max: a.max, N: a.n}
}
