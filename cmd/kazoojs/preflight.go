//go:build js && wasm

package main

import (
	"context"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/media"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/quality"
	"github.com/kazoo-softphone/kazoo/ua"
)

// preflight()'s defaults and bounds.
const (
	preflightURI         = "*43" // kazoo-dev's (and Kazoo's) echo test
	preflightDuration    = 10 * time.Second
	preflightMinDuration = time.Second
	preflightMaxDuration = time.Minute
	preflightAnswer      = 30 * time.Second // for the answer
	preflightMedia       = 15 * time.Second // for ICE, DTLS and the first packet after it
	preflightPoll        = 50 * time.Millisecond
)

// preflightOptions are preflight()'s parameters.
type preflightOptions struct {
	uri        string
	duration   time.Duration
	iceServers []media.ICEServer
	register   safejs.Value // register() parameters, or undefined
}

func readPreflight(v safejs.Value) (preflightOptions, error) {
	o := preflightOptions{uri: preflightURI, duration: preflightDuration}
	p, err := jsbridge.NewParams(v, "preflight options")
	if err != nil {
		return o, err
	}
	if uri, err := p.String("uri"); err != nil {
		return o, err
	} else if uri != "" {
		o.uri = uri
	}
	ms, err := p.Int("durationMs", int(preflightDuration/time.Millisecond))
	if err != nil {
		return o, err
	}
	o.duration = time.Duration(ms) * time.Millisecond
	if o.duration < preflightMinDuration || o.duration > preflightMaxDuration {
		return o, phone.InvalidParameter("durationMs", "%d is outside %d–%d ms", ms, preflightMinDuration/time.Millisecond, preflightMaxDuration/time.Millisecond)
	}
	if o.iceServers, err = readICEServers(p.Value("iceServers")); err != nil {
		return o, err
	}
	o.register = p.Value("register")
	if !o.register.IsUndefined() && !o.register.IsNull() && o.register.Type() != safejs.TypeObject {
		return o, phone.InvalidParameter("register", "must be register()'s parameter object")
	}
	return o, nil
}

// timeline is when each step of the test call's setup was first seen,
// since the dial (0: not seen).
type timeline struct {
	answered, ice, dtls, firstRTP time.Duration
}

// preflight({uri, durationMs, iceServers, register}) calls an echo
// service, measures the call for durationMs once audio flows, hangs up
// and reports: setup timings, whether TURN was used, rtt, jitter and
// loss ranges, the average MOS and its band, the warnings seen. The page
// hears nothing of the test call (no onAccepted, onVolume, …).
func (f *facade) preflight(args []safejs.Value) (any, error) {
	o, err := readPreflight(arg(args, 0))
	if err != nil {
		return nil, err
	}
	if !o.register.IsUndefined() && !o.register.IsNull() {
		if _, err := f.register([]safejs.Value{o.register}); err != nil {
			return nil, err
		}
		defer func() { _, _ = f.logout(nil) }()
	}
	if f.following() {
		return nil, errFollowing("preflight()")
	}
	f.mu.Lock()
	if f.preflighting || f.preflightCall != nil {
		f.mu.Unlock()
		return nil, &phone.Error{Key: phone.KeyCallState, Message: "a preflight() is already running"}
	}
	f.preflighting = true
	f.mu.Unlock()
	start := time.Now()
	c, t, e := f.dialPreflight(o)
	if e != nil {
		return nil, e
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		_ = c.Hangup(ctx)
		cancel()
		f.mu.Lock()
		f.preflightCall = nil
		f.mu.Unlock()
	}()
	var tl timeline
	select {
	case <-t.answered:
		tl.answered = time.Since(start)
	case <-t.over:
		return nil, preflightEnded(o.uri, t.end)
	case <-time.After(preflightAnswer):
		return nil, &phone.Error{Key: phone.KeyRequestFailed, Message: o.uri + " did not answer the test call"}
	}
	last, e := f.followSetup(c, t, start, &tl)
	if e != nil {
		return nil, e
	}
	select {
	case <-time.After(o.duration):
	case <-t.over:
		return nil, preflightEnded(o.uri, t.end)
	}
	f.mu.Lock()
	w := t.watch
	f.mu.Unlock()
	rep := (&quality.Summary{}).Report()
	if w != nil {
		r := w.Report()
		if r.Samples > 0 {
			last = r.Stats
		}
		rep = r.Report
	}
	return jsObject(preflightReport(o, c, tl, last, rep)), nil
}

// dialPreflight places the test call (with o's ICE servers, if any, on
// the WebRTC path) and tracks it as preflight's.
func (f *facade) dialPreflight(o preflightOptions) (phone.Call, *tracked, *phone.Error) {
	defer func() {
		f.mu.Lock()
		f.preflighting = false
		f.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	var c phone.Call
	var e *phone.Error
	f.mu.Lock()
	cfg, webrtc := f.mediaCfg, f.phone == phone.Engine(webrtcPhone{f.webrtc})
	f.mu.Unlock()
	if webrtc && len(o.iceServers) > 0 {
		cfg.ICEServers = o.iceServers
		uc, ue := f.webrtc.DialWith(ctx, o.uri, ua.DialOptions{Media: media.NewFactory(cfg)})
		if ue == nil {
			c = uc
		}
		e = ue
	} else {
		c, e = f.engine().Dial(ctx, o.uri, nil)
	}
	if e != nil {
		return nil, nil, e
	}
	f.track(c)
	f.mu.Lock()
	t := f.calls[c.ID()]
	f.preflightCall = c
	f.mu.Unlock()
	if t == nil { // over already
		return nil, nil, &phone.Error{Key: phone.KeyRequestFailed, Message: "the test call to " + o.uri + " ended at once"}
	}
	return c, t, nil
}

// followSetup polls the call's statistics until ICE and DTLS are
// connected and the first packet arrived (the RTMP path has neither ICE
// nor DTLS: only the first frame), noting when each was first seen.
func (f *facade) followSetup(c phone.Call, t *tracked, start time.Time, tl *timeline) (phone.MediaStats, *phone.Error) {
	deadline := time.Now().Add(preflightMedia)
	var st phone.MediaStats
	for {
		ctx, cancel := context.WithTimeout(context.Background(), preflightPoll*10)
		s, e := c.Stats(ctx)
		cancel()
		now := time.Since(start)
		if e == nil {
			st = s
			if tl.ice == 0 && (s.ICEState == "connected" || s.ICEState == "completed") {
				tl.ice = now
			}
			if tl.dtls == 0 && s.DTLSState == "connected" {
				tl.dtls = now
			}
			if tl.firstRTP == 0 && s.InboundPackets > 0 {
				tl.firstRTP = now
			}
			rtmp := callMode(c) == "rtmp"
			if tl.firstRTP != 0 && (rtmp || (tl.ice != 0 && tl.dtls != 0)) {
				return st, nil
			}
		}
		if time.Now().After(deadline) {
			return st, &phone.Error{Key: phone.KeyMedia, Message: "the test call's audio did not start (ICE " + st.ICEState + ", DTLS " + st.DTLSState + ")"}
		}
		select {
		case <-t.over:
			return st, preflightEnded(c.RemoteURI(), t.end)
		case <-time.After(preflightPoll):
		}
	}
}

func preflightEnded(uri string, e phone.End) *phone.Error {
	msg := "the test call to " + uri + " ended"
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return &phone.Error{Key: phone.KeyRequestFailed, Message: msg, Code: e.Code}
}

// preflightReport is preflight()'s result object.
func preflightReport(o preflightOptions, c phone.Call, tl timeline, st phone.MediaStats, rep quality.Report) map[string]any {
	ms := func(d time.Duration) any {
		if d == 0 {
			return nil
		}
		return d.Milliseconds()
	}
	band := any(nil)
	if rep.Band != "" {
		band = rep.Band
	}
	return map[string]any{
		"uri":        o.uri,
		"mode":       callMode(c),
		"durationMs": o.duration.Milliseconds(),
		"timings": map[string]any{
			"signalingMs": ms(tl.answered), "iceMs": ms(tl.ice), "dtlsMs": ms(tl.dtls), "firstRtpMs": ms(tl.firstRTP),
		},
		"turnUsed":          st.LocalCandidateType == "relay" || st.RemoteCandidateType == "relay",
		"candidateTypes":    map[string]any{"local": st.LocalCandidateType, "remote": st.RemoteCandidateType},
		"rttMs":             rangeObject(rep.RTTMs, 1),
		"jitterMs":          rangeObject(rep.JitterMs, 1),
		"packetLossPercent": rangeObject(rep.Loss, percent),
		"mos":               nullable(rep.MOS.Avg),
		"band":              band,
		"samples":           rep.Samples,
		"warnings":          orEmpty(rep.Warnings),
		"codec":             st.Codec,
	}
}
