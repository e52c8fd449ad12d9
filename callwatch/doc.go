// Package callwatch watches one call's audio while it lasts: about ten
// times a second it reads the microphone's and the far end's levels (the
// page's onVolume meters), and once a second it reads the call's
// statistics and turns them, with those levels, into a quality.Sample:
// round-trip time, jitter, the loss of the last second, the E-model MOS,
// the received audio's level, the microphone's peak and spread, mute,
// hold and ICE. A quality.Monitor raises and clears the warnings
// (onQualityWarning) and a quality.Summary keeps the figures of
// getQualityReport and preflight.
//
// It runs on a clock.Clock, so tests drive it without waiting, and knows
// calls only through the small Source interface that phone.Call meets:
// no syscall/js, no pion.
package callwatch
