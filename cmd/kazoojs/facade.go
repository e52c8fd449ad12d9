//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/audiodev"
	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/lines"
	"github.com/kazoo-softphone/kazoo/media"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/quality"
	"github.com/kazoo-softphone/kazoo/rtmpua"
	"github.com/kazoo-softphone/kazoo/ua"
)

// logoutTimeout bounds waiting for the registrar's answer to logout().
const logoutTimeout = 5 * time.Second

// facade is the Go side of one phone: the global kazoo (phone 0) or one
// made by kazoo.createPhone(). What the phones of a page share is in pg.
type facade struct {
	pg     *page
	id     int           // 0 for the global kazoo
	webrtc *ua.UserAgent // the WebRTC engine
	rtmp   *rtmpua.Phone // the RTMP engine (through kazoo-relay)

	warm warmup     // the WebRTC calls' warm-up
	conf conference // the local conference (conference.go)

	destroyed atomic.Bool // destroy() ran
	// sh is the registration shared with other tabs, if any (shared.go);
	// atomic, because call objects read it while f.mu is held.
	sh        atomic.Pointer[shared]
	releaseMu sync.Mutex
	release   []func() // frees the exported functions of a created phone

	mu            sync.Mutex
	thresholds    quality.Thresholds // of the latest register() call
	ringIncoming  bool               // of the latest register() call
	preflighting  bool               // preflight() is placing its call
	preflightCall phone.Call         // preflight()'s call while it runs
	mediaCfg      media.Config       // the WebRTC calls' media, of the latest register()
	page          pageCallbacks      // of the latest register() call
	phone         phone.Engine       // the engine of the latest register() (WebRTC by default)
	calls         map[string]*tracked
	book          lines.Book   // the phone's live calls and the current one (the one its global methods act on)
	lineCfg       lines.Config // of the latest register() call
}

// initSetup is what init() said about the RTMP fallback.
type initSetup struct {
	forceRTMP      bool
	onFlashMissing safejs.Value
	container      safejs.Value // flashContainer as given
}

func newFacade(pg *page, id int) *facade {
	f := &facade{pg: pg, id: id, calls: map[string]*tracked{}, thresholds: quality.DefaultThresholds()}
	logger := pg.logger
	if id != 0 {
		logger = logger.With("phone", id)
	}
	f.webrtc = ua.New(ua.Config{
		Logger:    logger,
		Explain:   explainDialFailure,
		UserAgent: "kazoo/" + ua.Version + " (wasm)",
		OnPanic:   func(err error) { logger.Error(err.Error()) },
	})
	f.rtmp = rtmpua.New(rtmpua.Config{Logger: logger, ParseJSON: jsbridge.ParseJSON})
	f.phone = webrtcPhone{f.webrtc}
	f.warm.start()
	return f
}

// exporter puts this phone's methods on JS objects; a panic in one is
// reported to this phone's onError.
func (f *facade) exporter() jsbridge.Exporter {
	return jsbridge.Exporter{
		ToJS: errorObject,
		OnPanic: func(err error) {
			consoleError(err.Error())
			f.callbacks().error(&phone.Error{Key: phone.KeyInternal, Message: "kazoo hit an internal error; it is still usable", Err: err})
		},
	}
}

// methods are a phone's own methods, by the names the loader calls.
func (f *facade) methods() map[string]jsbridge.Method {
	return map[string]jsbridge.Method{
		"register":             f.register,
		"logout":               f.logout,
		"connect":              f.report(f.connect),
		"calls":                f.listCalls,
		"currentCall":          f.currentCallObject,
		"hangup":               f.report(f.onCall(true, opHangup)),
		"sendDTMF":             f.report(checkTones(f.onCall(true, opDTMF), true)),
		"transfer":             f.report(f.onCall(true, f.opTransfer)),
		"hold":                 f.report(f.onCall(true, f.opHold)),
		"muteMicrophone":       f.muteMicrophone,
		"getStats":             f.onCall(true, opStats),
		"callAccept":           f.report(f.onCall(false, f.opAccept)),
		"callReject":           f.report(f.onCall(false, opReject)),
		"callHangup":           f.report(f.onCall(false, opHangup)),
		"callHold":             f.report(f.onCall(false, f.opHold)),
		"callSendDTMF":         f.report(checkTones(f.onCall(false, opDTMF), false)),
		"callTransfer":         f.report(f.onCall(false, f.opTransfer)),
		"callMute":             f.report(f.onCall(false, f.opMute)),
		"switchTo":             f.report(f.switchTo),
		"callGetStats":         f.onCall(false, opStats),
		"callGetQualityReport": f.onCall(false, f.opQualityReport),
		"getQualityReport":     f.onCall(true, f.opQualityReport),
		"preflight":            f.preflight,
		"reconnect":            f.reconnect,
		"startAutoReconnect":   f.startAutoReconnect,
		"stopAutoReconnect":    f.stopAutoReconnect,
		"sendMessage":          f.sendMessage,
		"subscribe":            f.report(f.subscribe),
		"unsubscribe":          f.report(f.unsubscribe),
		"conference":           f.report(f.conference),
	}
}

// exportPhone builds the JS object of a created phone: {id} and its
// methods plus destroy, whose functions destroy() releases.
func (f *facade) exportPhone() (safejs.Value, error) {
	obj, err := newJSObject()
	if err != nil {
		return obj, err
	}
	if err := obj.Set("id", f.id); err != nil {
		return obj, err
	}
	x := f.exporter()
	ms := f.methods()
	ms["destroy"] = func([]safejs.Value) (any, error) { f.destroy(); return nil, nil }
	for name, m := range ms {
		release, err := x.ExportReleasable(obj, name, m)
		if err != nil {
			return obj, err
		}
		f.releaseMu.Lock()
		f.release = append(f.release, release)
		f.releaseMu.Unlock()
	}
	return obj, nil
}

// destroy ends a created phone: it leaves the page, its conference and
// calls end, it unregisters (its subscriptions end with it), it lets go
// of the microphone and its listeners, and its exported functions are
// released. Only the first call does anything.
func (f *facade) destroy() {
	if f.destroyed.Swap(true) {
		return
	}
	f.pg.remove(f)
	ctx, cancel := context.WithTimeout(context.Background(), logoutTimeout)
	defer cancel()
	f.conf.op.Lock()
	f.endConference(ctx)
	f.conf.op.Unlock()
	f.warm.release()
	f.warm.stop()
	f.webrtc.Logout(ctx)
	f.rtmp.Logout(ctx)
	f.warm.use(nil) // drops the warmer a call's end may have woken
	f.pg.ring(false, "")
	f.releaseMu.Lock()
	release := f.release
	f.release = nil
	f.releaseMu.Unlock()
	for _, r := range release {
		r()
	}
}

// init validates kazoo.init's parameters and calls onLoaded, or
// onFlashMissing when the browser has neither WebRTC nor what the RTMP
// fallback needs (AudioWorklet and getUserMedia in a secure context).
func (pg *page) init(args []safejs.Value) (any, error) {
	p, err := jsbridge.NewParams(arg(args, 0), "init parameters")
	if err != nil {
		return nil, err
	}
	onLoaded, err := p.Func("onLoaded")
	if err != nil {
		return nil, err
	}
	onFlashMissing, err := p.Func("onFlashMissing")
	if err != nil {
		return nil, err
	}
	forceRTMP, err := p.Bool("forceRTMP")
	if err != nil {
		return nil, err
	}
	if _, err := p.String("wasmUrl"); err != nil {
		return nil, err
	}
	if _, err := p.Func("onProgress"); err != nil { // the loader's, during the download
		return nil, err
	}
	debug, err := p.Bool("debug")
	if err != nil {
		return nil, err
	}
	if debug {
		pg.logs.Set(slog.LevelDebug)
	} else {
		pg.logs.Set(slog.LevelWarn)
	}
	pg.mu.Lock()
	pg.setup = initSetup{forceRTMP: forceRTMP, onFlashMissing: onFlashMissing, container: p.Value("flashContainer")}
	pg.mu.Unlock()
	if (forceRTMP || !hasWebRTC()) && !hasRTMPAudio() {
		e := errRTMPUnavailable()
		pg.flashMissing(e)
		return nil, e
	}
	_ = jsbridge.Schedule(onLoaded)
	return nil, nil
}

func errRTMPUnavailable() *phone.Error {
	return &phone.Error{Key: phone.KeyRTMPUnavailable, Message: "the RTMP path (forceRTMP, or a browser without WebRTC) needs AudioWorklet and microphone access, which this page lacks (they need a secure context: https:// or localhost)"}
}

// flashMissing tells the page that the RTMP path cannot work: its
// onFlashMissing(container, error), or a message in the container.
func (pg *page) flashMissing(e *phone.Error) {
	pg.mu.Lock()
	setup := pg.setup
	pg.mu.Unlock()
	container := flashContainer(setup.container)
	if setup.onFlashMissing.Type() == safejs.TypeFunction {
		_ = jsbridge.Schedule(setup.onFlashMissing, container, errorObject(e))
		return
	}
	defaultFlashMissing(container, e)
}

// register reads kazoo.register's parameters and registers, over WebRTC
// or, when forced or when the browser has no RTCPeerConnection, over
// RTMP through kazoo-relay.
func (f *facade) register(args []safejs.Value) (any, error) {
	opts, cbs, err := readRegister(arg(args, 0))
	f.mu.Lock()
	f.page = cbs
	if err == nil {
		f.thresholds, f.ringIncoming, f.lineCfg = opts.thresholds, opts.ringIncoming, opts.lines
	}
	f.mu.Unlock()
	f.pg.mu.Lock()
	forced := f.pg.setup.forceRTMP
	f.pg.mu.Unlock()
	if err != nil {
		e := asUAError(err)
		cbs.error(e)
		return nil, e
	}
	f.leaveShared()
	ev := f.callEvents(cbs)
	ev.presence = presenceEvent(cbs)
	if forced || opts.forceRTMP || !hasWebRTC() {
		f.warm.use(nil)
		return nil, nilIfOK(f.registerRTMP(opts.rtmp, ev))
	}
	if opts.web.InstanceID == "" {
		opts.web.InstanceID = storedInstanceID(instanceStoreKey(f.id, opts.web.PublicIdentity))
	}
	f.pg.watchDevices()
	opts.media.MicrophoneID = func() string { return f.pg.devices.Get(audiodev.Microphone) }
	opts.media.SpeakerID = func() string { return f.pg.devices.Get(audiodev.Speaker) }
	f.mu.Lock()
	f.mediaCfg = opts.media
	f.mu.Unlock()
	w := media.NewWarmer(opts.media)
	opts.web.Media = w.Factory()
	f.warm.use(w)
	connected, ended := ev.connected, ev.ended
	ev.connected = func() { connected(); f.warm.connected() }
	ev.ended = func(c phone.Call, e phone.End) { ended(c, e); f.warm.callEnded(); f.conferenceCallEnded(c) }
	if opts.sharedTabs {
		if jsbridge.HasTabSharing() {
			return nil, nilIfOK(f.registerShared(opts, ev))
		}
		warn("sharedTabs needs BroadcastChannel and Web Locks (a secure context); this tab registers on its own")
	}
	f.use(webrtcPhone{f.webrtc})
	return nil, nilIfOK(f.webrtc.Register(context.Background(), opts.web, ev.forWebRTC()))
}

// registerRTMP registers through kazoo-relay; a relay that cannot be
// reached is also reported to onFlashMissing, as kazoo.js did when the
// Flash movie could not connect.
func (f *facade) registerRTMP(o rtmpua.Options, ev events) *phone.Error {
	if !hasRTMPAudio() {
		e := errRTMPUnavailable()
		ev.err(e)
		f.pg.flashMissing(e)
		return e
	}
	f.pg.watchDevices()
	o.Audio = f.audioFactory
	f.use(rtmpPhone{f.rtmp})
	e := f.rtmp.Register(context.Background(), o, ev.forRTMP())
	if e != nil && e.Key == phone.KeyServerNotReachable {
		f.pg.flashMissing(e)
	}
	return e
}

// use makes p the engine of the page's calls, logging the other one out.
func (f *facade) use(p phone.Engine) {
	f.mu.Lock()
	old := f.phone
	f.phone = p
	f.mu.Unlock()
	if old != p {
		ctx, cancel := context.WithTimeout(context.Background(), logoutTimeout)
		defer cancel()
		old.Logout(ctx)
	}
}

// engine is the engine of the latest register().
func (f *facade) engine() phone.Engine {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.phone
}

// logout unregisters and closes the socket.
func (f *facade) logout([]safejs.Value) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), logoutTimeout)
	defer cancel()
	f.warm.release()
	f.leaveShared()
	f.engine().Logout(ctx)
	return nil, nil
}

// unload is pagehide for this phone: the un-REGISTER is written before
// the handler returns to the browser.
func (f *facade) unload() {
	if !f.leaveShared() {
		f.engine().Unload()
	}
	f.warm.release()
}

func (f *facade) callbacks() pageCallbacks {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.page
}

func consoleError(msg string) {
	if console, err := safejs.Global().Get("console"); err == nil {
		_, _ = console.Call("error", "kazoo: "+msg)
	}
}

func arg(args []safejs.Value, i int) safejs.Value {
	if i < len(args) {
		return args[i]
	}
	return safejs.Undefined()
}

// flashContainer resolves init's flashContainer (an element or its id) to
// an element, creating a div when the page gave none.
func flashContainer(v safejs.Value) safejs.Value {
	doc, err := safejs.Global().Get("document")
	if err != nil {
		return safejs.Null()
	}
	if v.Type() == safejs.TypeString {
		id, _ := v.String()
		if el, err := doc.Call("getElementById", id); err == nil && !el.IsNull() {
			return el
		}
	} else if v.Type() == safejs.TypeObject {
		return v
	}
	el, err := doc.Call("createElement", "div")
	if err != nil {
		return safejs.Null()
	}
	if body, err := doc.Get("body"); err == nil && !body.IsNull() {
		_, _ = body.Call("appendChild", el)
	}
	return el
}

// defaultFlashMissing explains in the container why nothing works, for
// pages that gave no onFlashMissing.
func defaultFlashMissing(container safejs.Value, e *phone.Error) {
	if container.IsNull() {
		return
	}
	_ = container.Set("textContent", fmt.Sprintf("kazoo %s: calls cannot work in this browser: %s.", ua.Version, e.Message))
}
