package quality

import "math"

// LevelFloorDB is the bottom of the meter scale of Level, in dBFS: audio
// at or below it reads 0. The top, 0 dBFS (a full-scale square wave),
// reads 1.
const LevelFloorDB = -60

// Level is the meter value, 0..1, of a block of PCM samples in −1..1 (as
// Web Audio gives them): the block's RMS in dBFS, mapped linearly from
// LevelFloorDB..0 onto 0..1 and clamped:
//
//	level = clamp((20·log10(RMS) − LevelFloorDB) / −LevelFloorDB, 0, 1)
//
// A decibel scale is what a meter needs: equal steps look like equal
// changes in loudness, and speech (about −30..−15 dBFS) fills the middle
// of the bar instead of its first tenth. Silence and an empty block read
// 0, a full-scale square wave 1, a full-scale sine (−3 dBFS) 0.95,
// −20 dBFS 0.67. Samples that are NaN or ±Inf count as silence.
func Level(samples []float32) float64 {
	if len(samples) == 0 {
		return 0
	}
	var sum float64
	for _, s := range samples {
		v := float64(s)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		sum += v * v
	}
	return levelFromMeanSquare(sum / float64(len(samples)))
}

// LevelFromEnergy is Level for the audio that WebRTC's statistics
// describe by the growth of totalAudioEnergy and totalSamplesDuration
// between two reports (the energy and duration arguments, duration in
// seconds). The W3C statistics define the energy as the sum, over the
// samples, of the squared audio level (linear, 1 = full scale) times the
// sample's duration, so energy/duration is the mean square of the audio
// and LevelFromEnergy(Σ x²/rate, n/rate) == Level(x) for the same n
// samples x at any rate. A duration of 0 or less (no audio in the
// interval) or a negative energy reads 0.
//
// Browsers compute that audio level per 10 ms frame, not per sample,
// so the value is close to, not exactly, what Level gives for the PCM.
func LevelFromEnergy(energy, duration float64) float64 {
	if !(duration > 0) || !(energy > 0) {
		return 0
	}
	return levelFromMeanSquare(energy / duration)
}

func levelFromMeanSquare(ms float64) float64 {
	if !(ms > 0) {
		return 0
	}
	db := 10 * math.Log10(ms) // 20·log10(RMS)
	return clamp((db-LevelFloorDB)/-LevelFloorDB, 0, 1)
}
