//go:build js && wasm

package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/callwatch"
	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/rtmpua"
	"github.com/kazoo-softphone/kazoo/tabs"
)

// callTimeout bounds page-initiated call operations (accept, hold, …).
const callTimeout = 40 * time.Second

// trackSeq orders the tracked calls (kazoo.calls() lists them oldest first).
var trackSeq atomic.Int64

// tracked is a call the page knows, with the JS object it was given.
type tracked struct {
	call phone.Call
	obj  safejs.Value
	seq  int64
	// quiet: the call was replaced by a transfer; its end is not reported
	// as onHangup.
	quiet bool
	// preflight: preflight()'s test call, which the page's callbacks do
	// not hear of.
	preflight bool
	// ignored: accept({others: 'ignore'}) stopped ringing it here.
	ignored bool
	// muted: the page muted it; lineHeld: kazoo held it (and silenced its
	// microphone) to switch lines (lines.go).
	muted, lineHeld bool
	watch           *callwatch.Watcher // from the answer on
	answered        chan struct{}      // closed when the call is answered
	over            chan struct{}      // closed when it ends
	end             phone.End          // how it ended, once over is closed
}

// track remembers c and returns its JS object (made once).
func (f *facade) track(c phone.Call) safejs.Value {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.calls[c.ID()]; ok {
		return t.obj
	}
	obj := f.callObject(c)
	t := &tracked{call: c, obj: obj, seq: trackSeq.Add(1), answered: make(chan struct{}), over: make(chan struct{})}
	t.preflight = f.preflighting && c.Outgoing()
	f.calls[c.ID()] = t
	if !t.preflight {
		f.book.Add(c.ID())
	}
	return obj
}

// byID finds a tracked call.
func (f *facade) byID(id string) (phone.Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.calls[id]
	if !ok || t.call.State() == phone.CallEnded {
		return nil, &phone.Error{Key: phone.KeyNoCall, Message: "this call is over"}
	}
	return t.call, nil
}

// active is the call the global methods act on.
func (f *facade) active() (phone.Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.calls[f.book.Current()]; ok && t.call.State() != phone.CallEnded {
		return t.call, nil
	}
	return nil, &phone.Error{Key: phone.KeyNoCall, Message: "there is no call"}
}

// callEvents maps the user agent's events to the page's callbacks.
func (f *facade) callEvents(cbs pageCallbacks) events {
	var incoming func(phone.Call)
	if cbs.onIncoming.Type() == safejs.TypeFunction { // without it, calls get 480
		incoming = func(c phone.Call) {
			obj := f.track(c)
			f.ring(true, "")
			cbs.call(cbs.onIncoming, obj)
		}
	}
	var transferRequest func(context.Context, phone.Call, string) bool
	if cbs.onTransferRequest.Type() == safejs.TypeFunction {
		transferRequest = func(ctx context.Context, c phone.Call, target string) bool {
			v, err := jsbridge.Ask(ctx, cbs.onTransferRequest, f.track(c), target)
			if err != nil { // it threw, rejected or took too long
				warn("onTransferRequest failed (" + err.Error() + "); the transfer request to " + target + " is declined")
				return false
			}
			b, berr := v.Bool()
			return v.Type() != safejs.TypeBoolean || berr != nil || b
		}
	}
	return events{
		connected: func() { cbs.call(cbs.onConnected) },
		err:       cbs.error,
		notified:  func(n phone.Notification) { cbs.call(cbs.onNotified, notificationObject(n)) },
		incoming:  incoming,
		message:   cbs.messageEvent(),
		progress: func(c phone.Call, code int, early bool) {
			if f.isPreflight(c) {
				return
			}
			cbs.call(cbs.onRinging, jsObject(map[string]any{"code": code, "earlyMedia": early}), f.track(c))
		},
		accepted: func(c phone.Call) {
			obj := f.track(c)
			f.ring(false, c.ID()) // it may have been answered in another tab
			f.answered(c)
			if !f.isPreflight(c) {
				cbs.call(cbs.onAccepted, obj)
			}
		},
		ended: func(c phone.Call, e phone.End) {
			f.mu.Lock()
			t := f.calls[c.ID()]
			delete(f.calls, c.ID())
			f.book.End(c.ID()) // the call current before it is current again, still held
			f.mu.Unlock()
			f.ring(false, c.ID())
			obj := safejs.Undefined()
			if t != nil {
				stopWatch(t)
				t.end = e
				close(t.over)
				obj = t.obj
				endedObject(obj, e)
			}
			switch {
			case t != nil && (t.quiet || t.preflight):
			case e.Established:
				cbs.call(cbs.onHangup, obj)
			default:
				source := "local" // kazoo.js's two sources: the system's ends count as remote
				if e.Originator != phone.ByLocal {
					source = "remote"
				}
				cbs.call(cbs.onCancel, jsObject(map[string]any{"code": e.Code, "message": e.Reason, "source": source}), obj)
			}
		},
		dtmf: func(c phone.Call, digit string) { cbs.call(cbs.onDTMF, digit, f.track(c)) },
		transfer: func(c phone.Call, err *phone.Error) {
			if err != nil {
				cbs.error(err)
				return
			}
			cbs.call(cbs.onTransfer, f.track(c))
		},
		transferred: func(old, next phone.Call, target string) {
			f.mu.Lock()
			if t := f.calls[old.ID()]; t != nil {
				t.quiet = true
			}
			f.mu.Unlock()
			f.track(next)
			f.makeCurrent(next)
			cbs.call(cbs.onNotified, jsObject(map[string]any{
				"key": "transfer_notification", "message": "The other party transferred this call to " + target,
				"target": target, "source": "REFER",
			}))
		},
		transferRequest: transferRequest,
		replaced:        f.replacedEvent(cbs),
	}
}

func jsObject(m map[string]any) safejs.Value {
	v, err := safejs.ValueOf(m)
	if err != nil {
		return safejs.Undefined()
	}
	return v
}

// report wraps a call method so that its failure also reaches onError.
func (f *facade) report(m jsbridge.Method) jsbridge.Method {
	return func(args []safejs.Value) (any, error) {
		v, err := m(args)
		if err != nil {
			f.callbacks().error(asUAError(err))
		}
		return v, err
	}
}

// connect(uri, {extraHeaders}) places a call; it resolves with the call
// object once the INVITE is sent.
func (f *facade) connect(args []safejs.Value) (any, error) {
	uri, err := stringArg(args, 0, "uri")
	if err != nil {
		return nil, err
	}
	headers, err := readExtraHeaders(arg(args, 1))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if e := f.lineFree(); e != nil {
		return nil, e
	}
	f.autoHold(ctx, "")
	c, e := f.engine().Dial(ctx, uri, headers)
	if e != nil {
		return nil, e
	}
	obj := f.track(c)
	f.makeCurrent(c)
	f.sharedUpdate(c, false)
	return obj, nil
}

// onCall runs op on the call named by args[0] (call object methods) or,
// when global, on the active call.
func (f *facade) onCall(global bool, op func(ctx context.Context, c phone.Call, args []safejs.Value) (any, error)) jsbridge.Method {
	return func(args []safejs.Value) (any, error) {
		var c phone.Call
		var err error
		if global {
			c, err = f.active()
		} else {
			var id string
			if id, err = stringArg(args, 0, "call"); err == nil {
				c, err = f.byID(id)
			}
			args = args[min(1, len(args)):]
		}
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		return op(ctx, c, args)
	}
}

func opHangup(ctx context.Context, c phone.Call, _ []safejs.Value) (any, error) {
	return nil, nilIfOK(c.Hangup(ctx))
}

// opAccept is call.accept({extraHeaders, others}): with autoHold the
// current call is held first; the answered call becomes current, and
// others says what happens to the other calls still ringing (lines.go).
func (f *facade) opAccept(ctx context.Context, c phone.Call, args []safejs.Value) (any, error) {
	headers, err := readExtraHeaders(arg(args, 0))
	if err != nil {
		return nil, err
	}
	others, err := readOthers(arg(args, 0))
	if err != nil {
		return nil, err
	}
	f.ring(false, c.ID())
	f.autoHold(ctx, c.ID())
	if e := c.AcceptWith(ctx, phone.AcceptOptions{Headers: headers}); e != nil {
		return nil, e
	}
	f.makeCurrent(c)
	f.answered(c)
	if _, elsewhere := c.(*tabs.Call); !elsewhere {
		f.sharedUpdate(c, true) // the other tabs hear that it was answered here
	}
	f.othersRinging(c, others)
	return nil, nil
}

// answered starts what an answered call has: the watch of its audio.
func (f *facade) answered(c phone.Call) {
	f.mu.Lock()
	t := f.calls[c.ID()]
	if t != nil {
		select {
		case <-t.answered:
		default:
			close(t.answered)
		}
	}
	f.mu.Unlock()
	if t != nil {
		answeredObject(t.obj, c)
		_ = t.obj.Set("audioHere", f.audioHere(c))
		f.watch(c)
	}
}

// isPreflight reports whether c is preflight()'s test call.
func (f *facade) isPreflight(c phone.Call) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.calls[c.ID()]
	return t != nil && t.preflight
}

func opReject(ctx context.Context, c phone.Call, args []safejs.Value) (any, error) {
	p := arg(args, 0)
	code := 0
	if !p.IsUndefined() && !p.IsNull() {
		if p.Type() != safejs.TypeNumber {
			return nil, phone.InvalidParameter("code", "must be a SIP status number")
		}
		code, _ = p.Int()
	}
	return nil, nilIfOK(c.Reject(code))
}

// opHold is call.hold(on): hold(false) on a call autoHold held also
// gives it its microphone back, as switchTo does (without making it the
// current call).
func (f *facade) opHold(ctx context.Context, c phone.Call, args []safejs.Value) (any, error) {
	hold, err := boolArg(args, 0, "hold", true)
	if err != nil {
		return nil, err
	}
	if e := c.Hold(ctx, hold); e != nil {
		return nil, e
	}
	f.setHeld(c, hold)
	if !hold {
		return nil, f.lineResumed(c)
	}
	return nil, nil
}

func opDTMF(ctx context.Context, c phone.Call, args []safejs.Value) (any, error) {
	tones, _ := stringArg(args, 0, "tone") // checked by checkTones
	return nil, nilIfOK(c.SendDTMF(ctx, tones))
}

// checkTones rejects bad tones before anything else, call or no call.
func checkTones(m jsbridge.Method, global bool) jsbridge.Method {
	return func(args []safejs.Value) (any, error) {
		i := 0
		if !global {
			i = 1
		}
		tones, err := stringArg(args, i, "tone")
		if err != nil {
			return nil, err
		}
		if e := phone.CheckDTMF(tones); e != nil {
			return nil, e
		}
		return m(args)
	}
}

// muteMicrophone(mute, onSuccess, onError): the kazoo.js form, with its
// own callbacks (the registration's onError when none is given).
func (f *facade) muteMicrophone(args []safejs.Value) (any, error) {
	onSuccess, onError := arg(args, 1), arg(args, 2)
	_, err := f.onCall(true, f.opMute)(args[:min(1, len(args))])
	if err != nil {
		if onError.Type() == safejs.TypeFunction {
			_ = jsbridge.Schedule(onError, errorObject(err))
		} else {
			f.callbacks().error(asUAError(err))
		}
		return nil, err
	}
	_ = jsbridge.Schedule(onSuccess)
	return nil, nil
}

func (f *facade) opMute(ctx context.Context, c phone.Call, args []safejs.Value) (any, error) {
	muted, err := boolArg(args, 0, "mute", true)
	if err != nil {
		return nil, err
	}
	if e := c.SetMuted(muted); e != nil {
		return nil, e
	}
	f.mu.Lock()
	if t := f.calls[c.ID()]; t != nil {
		t.muted = muted
	}
	f.mu.Unlock()
	return nil, nil
}

// opStats summarises the call's getStats() for the page: the fields each
// engine measures (frames and playout on RTMP, RTP and ICE on WebRTC).
func opStats(ctx context.Context, c phone.Call, _ []safejs.Value) (any, error) {
	st, e := c.Stats(ctx)
	if e != nil {
		return nil, e
	}
	return jsObject(statsObject(c, st)), nil
}

// statsObject is the page's view of a call's statistics.
func statsObject(c phone.Call, st phone.MediaStats) map[string]any {
	mode := callMode(c)
	if mode == "rtmp" {
		return map[string]any{
			"inbound": map[string]any{
				"packets": st.InboundPackets, "packetsPlayed": st.InboundPlayed, "packetsDropped": st.InboundDropped,
				"underruns": st.Underruns, "audioEnergy": st.InboundAudioEnergy, "bufferMs": st.BufferMs,
			},
			"outbound": map[string]any{"packets": st.OutboundPackets},
			"codec":    st.Codec, "state": c.State().String(), "mode": mode,
		}
	}
	return map[string]any{
		"inbound": map[string]any{
			"packets": st.InboundPackets, "bytes": st.InboundBytes, "packetsLost": st.InboundPacketsLost,
			"jitter": st.InboundJitter, "audioEnergy": st.InboundAudioEnergy, "audioLevel": st.InboundAudioLevel,
			"samplesDuration": st.InboundSamplesDuration,
		},
		"outbound": map[string]any{
			"packets": st.OutboundPackets, "bytes": st.OutboundBytes,
			"audioEnergy": st.SourceAudioEnergy, "audioLevel": st.SourceAudioLevel,
		},
		"roundTripTime": st.RoundTripTime, "codec": st.Codec, "iceState": st.ICEState,
		"direction": st.Direction, "state": c.State().String(), "mode": mode,
	}
}

// callMode names the engine of a call.
func callMode(c phone.Call) string {
	if _, ok := c.(*rtmpua.Call); ok {
		return "rtmp"
	}
	return "webrtc"
}

// nilIfOK keeps a nil *phone.Error from becoming a non-nil error.
func nilIfOK(e *phone.Error) error {
	if e == nil {
		return nil
	}
	return e
}

func stringArg(args []safejs.Value, i int, name string) (string, error) {
	v := arg(args, i)
	if v.Type() != safejs.TypeString {
		return "", phone.InvalidParameter(name, "must be a string")
	}
	return v.String()
}

func boolArg(args []safejs.Value, i int, name string, def bool) (bool, error) {
	v := arg(args, i)
	switch v.Type() {
	case safejs.TypeUndefined, safejs.TypeNull:
		return def, nil
	case safejs.TypeBoolean:
		return v.Bool()
	}
	return false, phone.InvalidParameter(name, "must be true or false")
}
