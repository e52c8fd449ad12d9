//go:build js && wasm

package main

import (
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/lines"
	"github.com/kazoo-softphone/kazoo/media"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/quality"
	"github.com/kazoo-softphone/kazoo/rtmpua"
	"github.com/kazoo-softphone/kazoo/ua"
)

// pageCallbacks are the register() callbacks of the page.
type pageCallbacks struct {
	onConnected, onError, onIncoming, onAccepted, onHangup,
	onCancel, onTransfer, onTransferRequest, onNotified, onRinging, onDTMF,
	onAudioDeviceChange, onVolume, onQualityWarning safejs.Value
	onMessage  safejs.Value // instant messages received (message.go)
	onPresence safejs.Value // presence.go
}

// call schedules a callback with arguments; a missing one is skipped.
func (c pageCallbacks) call(fn safejs.Value, args ...any) {
	_ = jsbridge.Schedule(fn, args...)
}

// error reports e to onError, or to the console when the page has no
// onError (so that no failure is silent).
func (c pageCallbacks) error(e *phone.Error) {
	if c.onError.Type() == safejs.TypeFunction {
		c.call(c.onError, errorObject(e))
		return
	}
	warn(e.Error() + " (give register() an onError callback to handle this)")
}

// warn writes "kazoo: msg" to the console as a warning.
func warn(msg string) {
	if console, err := safejs.Global().Get("console"); err == nil {
		_, _ = console.Call("warn", "kazoo: "+msg)
	}
}

// registration is register()'s parameters for either engine.
type registration struct {
	web       ua.Options
	media     media.Config // the WebRTC calls' media, warm-up included
	rtmp      rtmpua.Options
	forceRTMP bool
	// ringIncoming: kazoo rings incoming calls on the ringtone device.
	ringIncoming bool
	// sharedTabs: one registration for the tabs of the account (shared.go).
	sharedTabs bool
	// lines: maxLines, autoHold (lines.go).
	lines lines.Config
	// thresholds of the quality warnings (defaults with the page's
	// qualityThresholds over them).
	thresholds quality.Thresholds
}

// defaultWarmup is register()'s warmup when the page gives none: the
// microphone and a peer connection are kept ready while registered, so
// calls start at once (the browser shows its recording indicator while
// the microphone is open; warmup 'connection' avoids that).
const defaultWarmup = media.WarmupFull

// readRegister turns register()'s parameter object into the options of
// both engines and the callbacks. onError is read first, so that a bad
// parameter is reported to it.
func readRegister(v safejs.Value) (registration, pageCallbacks, error) {
	var cbs pageCallbacks
	var r registration
	o := &r.web
	p, err := jsbridge.NewParams(v, "register parameters")
	if err != nil {
		return r, cbs, err
	}
	if cbs.onError, err = p.Func("onError"); err != nil {
		return r, cbs, err
	}
	for _, f := range []struct {
		name string
		dst  *safejs.Value
	}{
		{"onConnected", &cbs.onConnected}, {"onIncoming", &cbs.onIncoming},
		{"onAccepted", &cbs.onAccepted}, {"onHangup", &cbs.onHangup},
		{"onCancel", &cbs.onCancel}, {"onTransfer", &cbs.onTransfer},
		{"onNotified", &cbs.onNotified}, {"onRinging", &cbs.onRinging},
		{"onDTMF", &cbs.onDTMF}, {"onTransferRequest", &cbs.onTransferRequest},
		{"onAudioDeviceChange", &cbs.onAudioDeviceChange}, {"onVolume", &cbs.onVolume},
		{"onQualityWarning", &cbs.onQualityWarning},
		{"onMessage", &cbs.onMessage},
		{"onPresence", &cbs.onPresence},
	} {
		if *f.dst, err = p.Func(f.name); err != nil {
			return r, cbs, err
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"wsUrl", &o.WSURL}, {"publicIdentity", &o.PublicIdentity},
		{"privateIdentity", &o.PrivateIdentity}, {"password", &o.Password},
		{"realm", &o.Realm}, {"displayName", &o.DisplayName},
		{"instanceId", &o.InstanceID}, {"rtmpUrl", &r.rtmp.RTMPURL},
		{"relayUrl", &r.rtmp.RelayURL}, {"relayToken", &r.rtmp.Token},
		{"dtmfType", &o.DTMF}, {"warmup", (*string)(&r.media.Warmup)},
		{"transferRequests", &o.TransferRequests},
	} {
		if *f.dst, err = p.String(f.name); err != nil {
			return r, cbs, err
		}
	}
	if o.RegisterExpires, err = p.Int("registerExpires", 0); err != nil {
		return r, cbs, err
	}
	// kazoo.js: reconnectMaxAttempts -1 (default) forever, 0 off;
	// reconnectDelay in ms (default 5000, at least 1000).
	attempts, err := p.Int("reconnectMaxAttempts", -1)
	if err != nil {
		return r, cbs, err
	}
	o.ReconnectOff, o.ReconnectMaxAttempts = attempts == 0, max(attempts, 0)
	delay, err := p.Int("reconnectDelay", int(phone.DefaultReconnectDelay/time.Millisecond))
	if err != nil {
		return r, cbs, err
	}
	o.ReconnectDelay = time.Duration(max(delay, 1)) * time.Millisecond
	// keepaliveInterval in ms (default 25000; 0 turns CRLF pings off).
	keepalive, err := p.Int("keepaliveInterval", int(ua.DefaultKeepaliveInterval/time.Millisecond))
	if err != nil {
		return r, cbs, err
	}
	if keepalive < 0 || (keepalive > 0 && keepalive < 5000) {
		return r, cbs, phone.InvalidParameter("keepaliveInterval", "%d ms: give 0 (off) or at least 5000", keepalive)
	}
	o.KeepaliveInterval = time.Duration(keepalive) * time.Millisecond
	if keepalive == 0 {
		o.KeepaliveInterval = -1
	}
	if r.forceRTMP, err = p.Bool("forceRTMP"); err != nil {
		return r, cbs, err
	}
	if r.lines, err = readLines(p); err != nil {
		return r, cbs, err
	}
	o.MaxLines = r.lines.Max
	if r.ringIncoming, err = p.Bool("ringIncoming"); err != nil {
		return r, cbs, err
	}
	if r.sharedTabs, err = p.Bool("sharedTabs"); err != nil {
		return r, cbs, err
	}
	if r.thresholds, err = readThresholds(p.Value("qualityThresholds")); err != nil {
		return r, cbs, err
	}
	mc := &r.media
	switch mc.Warmup {
	case "":
		mc.Warmup = defaultWarmup
	case media.WarmupNone, media.WarmupConnection, media.WarmupFull:
	default:
		return r, cbs, phone.InvalidParameter("warmup", "%q: give 'none', 'connection' or 'full'", mc.Warmup)
	}
	gather, err := p.Int("iceGatheringTimeout", 0)
	if err != nil {
		return r, cbs, err
	}
	if gather < 0 || gather > 30000 {
		return r, cbs, phone.InvalidParameter("iceGatheringTimeout", "%d is outside 0–30000 ms", gather)
	}
	mc.GatherTimeout = time.Duration(gather) * time.Millisecond
	if mc.ICEServers, err = readICEServers(p.Value("iceServers")); err != nil {
		return r, cbs, err
	}
	r.rtmp.PublicIdentity, r.rtmp.PrivateIdentity, r.rtmp.Password = o.PublicIdentity, o.PrivateIdentity, o.Password
	r.rtmp.Realm, r.rtmp.DisplayName, r.rtmp.DTMF = o.Realm, o.DisplayName, o.DTMF
	r.rtmp.ReconnectOff, r.rtmp.ReconnectMaxAttempts, r.rtmp.ReconnectDelay = o.ReconnectOff, o.ReconnectMaxAttempts, o.ReconnectDelay
	return r, cbs, nil
}

// readICEServers reads iceServers: [{urls: string | string[], username?,
// credential?}], as RTCConfiguration has them.
func readICEServers(v safejs.Value) ([]media.ICEServer, error) {
	if v.IsUndefined() || v.IsNull() {
		return nil, nil
	}
	bad := phone.InvalidParameter("iceServers", "must be an array of {urls, username?, credential?}")
	if !isArray(v) {
		return nil, bad
	}
	n, err := v.Length()
	if err != nil {
		return nil, bad
	}
	var out []media.ICEServer
	for i := 0; i < n; i++ {
		item, err := v.Index(i)
		if err != nil {
			return nil, bad
		}
		p, err := jsbridge.NewParams(item, "iceServers")
		if err != nil {
			return nil, bad
		}
		var s media.ICEServer
		urls := p.Value("urls")
		switch urls.Type() {
		case safejs.TypeString:
			u, _ := urls.String()
			s.URLs = []string{u}
		case safejs.TypeObject:
			m, _ := urls.Length()
			for j := 0; j < m; j++ {
				if u, err := urls.Index(j); err == nil && u.Type() == safejs.TypeString {
					str, _ := u.String()
					s.URLs = append(s.URLs, str)
				}
			}
		}
		if len(s.URLs) == 0 {
			return nil, bad
		}
		for _, u := range s.URLs {
			if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "stuns:") && !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
				return nil, phone.InvalidParameter("iceServers", "%q is not a stun:, stuns:, turn: or turns: URL", u)
			}
		}
		if s.Username, err = p.String("username"); err != nil {
			return nil, bad
		}
		if s.Credential, err = p.String("credential"); err != nil {
			return nil, bad
		}
		out = append(out, s)
	}
	return out, nil
}

func truthy(v safejs.Value) bool {
	b, err := v.Truthy()
	return err == nil && b
}

// storedInstanceID returns the instance id kept at key, creating it on
// first use. Without localStorage (blocked, or an opaque origin) it is
// random per page load.
func storedInstanceID(key string) string {
	storage, err := safejs.Global().Get("localStorage")
	if err == nil && storage.Type() == safejs.TypeObject {
		if v, err := storage.Call("getItem", key); err == nil && v.Type() == safejs.TypeString {
			if s, _ := v.String(); uuid.Validate(s) == nil {
				return s
			}
		}
	}
	id := uuid.NewString()
	if err == nil && storage.Type() == safejs.TypeObject {
		_, _ = storage.Call("setItem", key, id)
	}
	return id
}
