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

// facade is the Go side of the global kazoo object.
type facade struct {
	webrtc *ua.UserAgent // the WebRTC engine
	rtmp   *rtmpua.Phone // the RTMP engine (through kazoo-relay)
	logs   *slog.LevelVar

	hooks safejs.Value // the loader's helpers (newCall)

	unmonitored atomic.Bool // monitorConnectivity(false)
	warm        warmup      // the WebRTC calls' warm-up

	devices *audiodev.Selection // kazoo.audio's choice of devices
	devMu   sync.Mutex          // guards the device watch and the ringer
	devStop func()              // stops watching devicechange; nil when not watching
	ringer  *jsbridge.Ringer    // the incoming ring, made on first use
	conf    conference          // the local conference (conference.go)

	mu            sync.Mutex
	thresholds    quality.Thresholds // of the latest register() call
	ringIncoming  bool               // of the latest register() call
	preflighting  bool               // preflight() is placing its call
	preflightCall phone.Call         // preflight()'s call while it runs
	mediaCfg      media.Config       // the WebRTC calls' media, of the latest register()
	page          pageCallbacks      // of the latest register() call
	setup         initSetup          // of the latest init() call
	phone         phone.Engine       // the engine of the latest register() (WebRTC by default)
	calls         map[string]*tracked
	book          lines.Book   // the page's live calls and the current one (the one the global methods act on)
	lineCfg       lines.Config // of the latest register() call
}

// initSetup is what init() said about the RTMP fallback.
type initSetup struct {
	forceRTMP      bool
	onFlashMissing safejs.Value
	container      safejs.Value // flashContainer as given
}

func newFacade() *facade {
	f := &facade{logs: new(slog.LevelVar), calls: map[string]*tracked{}, devices: audiodev.New(), thresholds: quality.DefaultThresholds()}
	f.logs.Set(slog.LevelWarn)
	logger := slog.New(&jsbridge.ConsoleHandler{Level: f.logs})
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

// exports builds the object wasm/kazoo.js forwards the kazoo methods to.
func (f *facade) exports() (safejs.Value, error) {
	obj, err := safejs.Global().Get("Object")
	if err != nil {
		return obj, err
	}
	if obj, err = obj.New(); err != nil {
		return obj, err
	}
	x := jsbridge.Exporter{
		ToJS: errorObject,
		OnPanic: func(err error) {
			f.consoleError(err.Error())
			f.callbacks().error(&phone.Error{Key: phone.KeyInternal, Message: "kazoo hit an internal error; it is still usable", Err: err})
		},
	}
	for name, m := range map[string]jsbridge.Method{
		"init":                 f.init,
		"register":             f.register,
		"logout":               f.logout,
		"unload":               f.unload,
		"connect":              f.report(f.connect),
		"calls":                f.listCalls,
		"hangup":               f.report(f.onCall(true, opHangup)),
		"sendDTMF":             f.report(checkTones(f.onCall(true, opDTMF), true)),
		"transfer":             f.report(f.onCall(true, f.opTransfer)),
		"hold":                 f.report(f.onCall(true, opHold)),
		"muteMicrophone":       f.muteMicrophone,
		"getStats":             f.onCall(true, opStats),
		"callAccept":           f.report(f.onCall(false, f.opAccept)),
		"callReject":           f.report(f.onCall(false, opReject)),
		"callHangup":           f.report(f.onCall(false, opHangup)),
		"callHold":             f.report(f.onCall(false, opHold)),
		"callSendDTMF":         f.report(checkTones(f.onCall(false, opDTMF), false)),
		"callTransfer":         f.report(f.onCall(false, f.opTransfer)),
		"callMute":             f.report(f.onCall(false, f.opMute)),
		"switchTo":             f.report(f.switchTo),
		"callGetStats":         f.onCall(false, opStats),
		"callGetQualityReport": f.onCall(false, f.opQualityReport),
		"getQualityReport":     f.onCall(true, f.opQualityReport),
		"preflight":            f.preflight,
		"audioDevices":         f.audioDevices,
		"audioSet":             f.audioSet,
		"audioGet":             f.audioGet,
		"reconnect":            f.reconnect,
		"startAutoReconnect":   f.startAutoReconnect,
		"stopAutoReconnect":    f.stopAutoReconnect,
		"monitorConnectivity":  f.monitorConnectivity,
		"network":              f.network,
		"restore":              f.restore,
		"diagnostics":          f.diagnostics,
		"sendMessage":          f.sendMessage,
		"subscribe":            f.report(f.subscribe),
		"unsubscribe":          f.report(f.unsubscribe),
		"conference":           f.report(f.conference),
	} {
		if err := x.Export(obj, name, m); err != nil {
			return obj, err
		}
	}
	return obj, nil
}

// init validates kazoo.init's parameters and calls onLoaded, or
// onFlashMissing when the browser has neither WebRTC nor what the RTMP
// fallback needs (AudioWorklet and getUserMedia in a secure context).
func (f *facade) init(args []safejs.Value) (any, error) {
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
		f.logs.Set(slog.LevelDebug)
	} else {
		f.logs.Set(slog.LevelWarn)
	}
	f.mu.Lock()
	f.setup = initSetup{forceRTMP: forceRTMP, onFlashMissing: onFlashMissing, container: p.Value("flashContainer")}
	f.mu.Unlock()
	if (forceRTMP || !hasWebRTC()) && !hasRTMPAudio() {
		e := errRTMPUnavailable()
		f.flashMissing(e)
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
func (f *facade) flashMissing(e *phone.Error) {
	f.mu.Lock()
	setup := f.setup
	f.mu.Unlock()
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
	forced := f.setup.forceRTMP
	f.mu.Unlock()
	if err != nil {
		e := asUAError(err)
		cbs.error(e)
		return nil, e
	}
	ev := f.callEvents(cbs)
	ev.presence = presenceEvent(cbs)
	if forced || opts.forceRTMP || !hasWebRTC() {
		f.warm.use(nil)
		return nil, nilIfOK(f.registerRTMP(opts.rtmp, ev))
	}
	if opts.web.InstanceID == "" {
		opts.web.InstanceID = storedInstanceID()
	}
	f.watchDevices()
	opts.media.MicrophoneID = func() string { return f.devices.Get(audiodev.Microphone) }
	opts.media.SpeakerID = func() string { return f.devices.Get(audiodev.Speaker) }
	f.mu.Lock()
	f.mediaCfg = opts.media
	f.mu.Unlock()
	w := media.NewWarmer(opts.media)
	opts.web.Media = w.Factory()
	f.warm.use(w)
	connected, ended := ev.connected, ev.ended
	ev.connected = func() { connected(); f.warm.connected() }
	ev.ended = func(c phone.Call, e phone.End) { ended(c, e); f.warm.callEnded(); f.conferenceCallEnded(c) }
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
		f.flashMissing(e)
		return e
	}
	f.watchDevices()
	o.Audio = f.audioFactory
	f.use(rtmpPhone{f.rtmp})
	e := f.rtmp.Register(context.Background(), o, ev.forRTMP())
	if e != nil && e.Key == phone.KeyServerNotReachable {
		f.flashMissing(e)
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
	f.engine().Logout(ctx)
	return nil, nil
}

// unload is called by the loader on pagehide: the un-REGISTER is written
// before the handler returns to the browser.
func (f *facade) unload([]safejs.Value) (any, error) {
	f.engine().Unload()
	f.warm.release()
	return nil, nil
}

func (f *facade) callbacks() pageCallbacks {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.page
}

func (f *facade) consoleError(msg string) {
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
