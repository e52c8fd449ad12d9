//go:build js && wasm

package main

import (
	"context"
	"math"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/callwatch"
	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/quality"
)

// The page sees packet loss in percent (thresholds, warning values and
// reports); package quality works in fractions.
const percent = 100

// readThresholds reads qualityThresholds: {<warning name>: number}, in
// the units of the warning's value (ms, percent for high-packet-loss,
// MOS, or a 0..1 level), over the defaults. A name that is not a
// warning with a threshold (a misspelling, ice-connectivity-lost) is
// refused rather than ignored: it would leave a default in force that
// the page meant to change.
func readThresholds(v safejs.Value) (quality.Thresholds, error) {
	th := quality.DefaultThresholds()
	if v.IsUndefined() || v.IsNull() {
		return th, nil
	}
	g, err := jsbridge.GoValue(v)
	obj, ok := g.(map[string]any)
	if err != nil || !ok {
		return th, phone.InvalidParameter("qualityThresholds", "must be an object of {warning name: number}")
	}
	over := map[string]float64{}
	for name, n := range obj {
		f, ok := n.(float64)
		if !ok {
			return th, phone.InvalidParameter("qualityThresholds", "%s must be a number", name)
		}
		if name == quality.HighPacketLoss {
			f /= percent
		}
		over[name] = f
	}
	th, err = th.With(over)
	if err != nil {
		return th, phone.InvalidParameter("qualityThresholds", "%v", err)
	}
	return th, nil
}

// watch starts watching an answered call's audio: onVolume about ten
// times a second, onQualityWarning as warnings come and go.
func (f *facade) watch(c phone.Call) {
	f.mu.Lock()
	t := f.calls[c.ID()]
	if t == nil || t.watch != nil {
		f.mu.Unlock()
		return
	}
	th, cbs, quiet := f.thresholds, f.page, t.preflight
	id := c.ID()
	ev := callwatch.Events{}
	if !quiet && cbs.onVolume.Type() == safejs.TypeFunction {
		ev.Volume = func(l phone.Levels) {
			cbs.call(cbs.onVolume, jsObject(map[string]any{"callId": id, "inputVolume": orZero(l.Input), "outputVolume": orZero(l.Output)}))
		}
	}
	if !quiet && cbs.onQualityWarning.Type() == safejs.TypeFunction {
		ev.Warning = func(ch quality.Change) {
			cbs.call(cbs.onQualityWarning, jsObject(map[string]any{
				"name": ch.Name, "active": ch.Active, "callId": id,
				"value": pageValue(ch.Name, ch.Value), "threshold": pageValue(ch.Name, ch.Threshold),
			}))
		}
	}
	t.watch = callwatch.Start(c, callwatch.Options{Thresholds: th, Events: ev})
	f.mu.Unlock()
}

// pageValue is a warning's value as the page sees it: loss in percent,
// NaN as null.
func pageValue(name string, v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	if name == quality.HighPacketLoss {
		v *= percent
	}
	return round3(v)
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func orZero(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return round3(v)
}

// rangeObject is a quality.Stat as {min, avg, max} (nulls when nothing
// was measured), scaled by k.
func rangeObject(s quality.Stat, k float64) map[string]any {
	v := func(x float64) any {
		if s.N == 0 || math.IsNaN(x) {
			return nil
		}
		return round3(x * k)
	}
	return map[string]any{"min": v(s.Min), "avg": v(s.Avg), "max": v(s.Max)}
}

func nullable(v float64) any {
	if math.IsNaN(v) {
		return nil
	}
	return round3(v)
}

func orEmpty(s []string) []any {
	out := make([]any, 0, len(s))
	for _, x := range s {
		out = append(out, x)
	}
	return out
}

// opQualityReport is call.getQualityReport(): the statistics plus what
// the call's watcher measured.
func (f *facade) opQualityReport(ctx context.Context, c phone.Call, _ []safejs.Value) (any, error) {
	st, e := c.Stats(ctx)
	if e != nil {
		return nil, e
	}
	f.mu.Lock()
	var w *callwatch.Watcher
	if t := f.calls[c.ID()]; t != nil {
		w = t.watch
	}
	f.mu.Unlock()
	rep := callwatch.Report{MOS: math.NaN()}
	if w != nil {
		rep = w.Report()
	} else {
		rep.Report = (&quality.Summary{}).Report()
	}
	band := any(nil)
	if b := quality.Band(rep.MOS); b != "" {
		band = b
	}
	return jsObject(map[string]any{
		"callId":            c.ID(),
		"stats":             statsObject(c, st),
		"mos":               nullable(rep.MOS),
		"band":              band,
		"rttMs":             rangeObject(rep.RTTMs, 1),
		"jitterMs":          rangeObject(rep.JitterMs, 1),
		"packetLossPercent": rangeObject(rep.Loss, percent),
		"averageMos":        nullable(rep.Report.MOS.Avg),
		"samples":           rep.Samples,
		"activeWarnings":    orEmpty(rep.Active),
		"warningsSeen":      orEmpty(rep.Warnings),
	}), nil
}

// stopWatch ends a call's watch (the call ended).
func stopWatch(t *tracked) {
	if t != nil && t.watch != nil {
		t.watch.Stop()
	}
}
