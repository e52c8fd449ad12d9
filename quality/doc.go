// Package quality is the arithmetic behind kazoo's call-quality
// features: the MOS of a call, audio meter levels, the quality warnings
// and the report of call.getQualityReport() and preflight. It imports
// only the standard library and measures nothing itself: the browser
// side gathers WebRTC statistics and PCM, and feeds them in.
//
// # MOS
//
// Estimate (MOS(RFactor(Conditions))) follows the ITU-T G.107 E-model:
// R = R0 − Id − Ie,eff, with the delay impairment Id charged for an
// effective latency of rtt + 2·jitter + 10 ms (EffectiveLatency), the
// effective equipment impairment Ie,eff from the loss and the codec's
// G.113 values (Codec), and the MOS from R by G.107 Annex B. Band names
// the quality band of a MOS (excellent, great, good, fair, degraded).
//
// # Levels
//
// Level turns a block of PCM samples into a 0..1 meter value (RMS on a
// −60..0 dBFS scale); LevelFromEnergy gives the same value from WebRTC's
// totalAudioEnergy and totalSamplesDuration.
//
// # Warnings
//
// Once a second the caller builds a Sample (Delta turns two snapshots of
// the cumulative inbound counters into the interval's packets, loss and
// level) and gives it to a Monitor, which returns the warnings raised or
// cleared (Change): a warning is raised when 3 of the last 5 samples
// cross its threshold and cleared when none of the last 5 do. The
// thresholds (Thresholds) default to DefaultThresholds; a page's partial
// overrides, keyed by warning name, are applied and checked by
// Thresholds.With:
//
//	th, err := quality.DefaultThresholds().With(map[string]float64{"high-rtt": 250})
//	if err != nil { … } // negative, NaN, out of range, or no such warning
//	mon := quality.NewMonitor(th)
//	var sum quality.Summary
//	every second:
//		iv := quality.Delta(prev, cur)
//		s := quality.Sample{RTTMs: …, JitterMs: …, Loss: iv.Loss, …}
//		s.MOS = quality.Estimate(quality.Conditions{RTTMs: s.RTTMs, JitterMs: s.JitterMs, Loss: s.Loss, Codec: codec})
//		changes := mon.Add(s) // → onQualityWarning
//		sum.Add(s, changes)
//	report := sum.Report()
//
// # Report
//
// Summary accumulates samples into a Report: min/avg/max of rtt, jitter
// and loss, the average MOS and its band, and the warnings seen in the
// order first raised. NaN throughout the package means "not measured".
package quality
