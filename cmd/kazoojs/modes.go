//go:build js && wasm

package main

import (
	"context"
	"errors"
	"sync"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/audiodev"
	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/media"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/rtmpua"
	"github.com/kazoo-softphone/kazoo/ua"
)

// The page's API works the same over two engines: WebRTC (package ua,
// SIP in the browser) and RTMP (package rtmpua, SIP in a gateway reached
// through kazoo-relay). phone.Call and phone.Engine are what the facade
// needs of either; these wrappers make each engine one.

type webrtcPhone struct{ *ua.UserAgent }

func (p webrtcPhone) Dial(ctx context.Context, target string, headers []phone.Header) (phone.Call, *phone.Error) {
	c, e := p.UserAgent.DialWith(ctx, target, ua.DialOptions{Headers: headers})
	if e != nil {
		return nil, e
	}
	return c, nil
}

type rtmpPhone struct{ *rtmpua.Phone }

func (p rtmpPhone) Dial(ctx context.Context, target string, headers []phone.Header) (phone.Call, *phone.Error) {
	c, e := p.Phone.DialWith(ctx, target, headers)
	if e != nil {
		return nil, e
	}
	return c, nil
}

// events are the page-facing callbacks, engine-neutral.
type events struct {
	connected   func()
	err         func(*phone.Error)
	notified    func(phone.Notification)
	incoming    func(phone.Call) // nil: incoming calls are refused
	progress    func(phone.Call, int, bool)
	accepted    func(phone.Call)
	ended       func(phone.Call, phone.End)
	dtmf        func(phone.Call, string)
	transfer    func(phone.Call, *phone.Error)
	transferred func(old, next phone.Call, target string)
	// transferRequest: may we follow the far end's REFER to target? nil:
	// yes (the page has no onTransferRequest).
	transferRequest func(ctx context.Context, c phone.Call, target string) bool
	// message: an instant message received; nil: they are refused (480).
	message  func(phone.Message)
	presence func(phone.Presence) // WebRTC only (presence.go)
	// replaced: an INVITE with Replaces took old's place (WebRTC only).
	replaced func(old, next phone.Call)
}

func (e events) forWebRTC() ua.Events {
	ev := ua.Events{
		Connected: e.connected, Error: e.err, Notified: e.notified,
		CallProgress: func(c *ua.Call, code int, early bool) { e.progress(c, code, early) },
		CallAccepted: func(c *ua.Call) { e.accepted(c) },
		CallEnded:    func(c *ua.Call, end phone.End) { e.ended(c, end) },
		CallDTMF:     func(c *ua.Call, d string) { e.dtmf(c, d) },
		CallTransfer: func(c *ua.Call, err *phone.Error) { e.transfer(c, err) },
		Transferred:  func(old, next *ua.Call, target string) { e.transferred(old, next, target) },
		Message:      e.message,
		Presence:     e.presence,
	}
	if e.incoming != nil {
		ev.Incoming = func(c *ua.Call) { e.incoming(c) }
	}
	if e.replaced != nil {
		ev.Replaced = func(old, next *ua.Call) { e.replaced(old, next) }
	}
	if e.transferRequest != nil {
		ev.TransferRequest = func(ctx context.Context, c *ua.Call, target string) bool { return e.transferRequest(ctx, c, target) }
	}
	return ev
}

func (e events) forRTMP() rtmpua.Events {
	ev := rtmpua.Events{
		Connected: e.connected, Error: e.err, Notified: e.notified,
		CallProgress: func(c *rtmpua.Call, code int, early bool) { e.progress(c, code, early) },
		CallAccepted: func(c *rtmpua.Call) { e.accepted(c) },
		CallEnded:    func(c *rtmpua.Call, end phone.End) { e.ended(c, end) },
		CallTransfer: func(c *rtmpua.Call, err *phone.Error) { e.transfer(c, err) },
		CallDTMF:     func(c *rtmpua.Call, d string) { e.dtmf(c, d) },
	}
	if e.incoming != nil {
		ev.Incoming = func(c *rtmpua.Call) { e.incoming(c) }
	}
	return ev
}

// hasWebRTC reports whether the page has RTCPeerConnection (a policy,
// an extension or an embedded browser may have removed it).
func hasWebRTC() bool {
	pc, err := safejs.Global().Get("RTCPeerConnection")
	return err == nil && pc.Type() == safejs.TypeFunction
}

// hasRTMPAudio reports whether the page can run the RTMP path's audio:
// getUserMedia and AudioWorklet (which need a secure context).
func hasRTMPAudio() bool {
	node, err := safejs.Global().Get("AudioWorkletNode")
	if err != nil || node.Type() != safejs.TypeFunction {
		return false
	}
	md, err := safejs.Global().Get("navigator")
	if err != nil {
		return false
	}
	if md, err = md.Get("mediaDevices"); err != nil || md.Type() != safejs.TypeObject {
		return false
	}
	return true
}

// rtmpAudio is rtmpua's Audio on the browser's AudioWorklet pipe.
type rtmpAudio struct {
	*jsbridge.AudioPipe
	meterMu sync.Mutex // guards the meters (JS runs under it)
	in, out *jsbridge.LevelMeter
	buf     []float32
}

// SetMicrophone implements phone.AudioIO on the pipe.
func (a *rtmpAudio) SetMicrophone(ctx context.Context, id string) error {
	return media.DeviceError(a.AudioPipe.SetMicrophone(ctx, id), "microphone", id)
}

// SetSpeaker implements phone.AudioIO: the pipe's AudioContext plays on id.
func (a *rtmpAudio) SetSpeaker(ctx context.Context, id string) error {
	return media.DeviceError(a.AudioPipe.SetSinkID(ctx, id), "speaker", id)
}

// Levels implements phone.AudioIO from meters on the pipe's input (ahead
// of mute) and playback.
func (a *rtmpAudio) Levels(context.Context) (phone.Levels, error) {
	a.meterMu.Lock()
	defer a.meterMu.Unlock()
	var err error
	if a.in == nil {
		if a.in, err = a.InputMeter(); err != nil {
			return phone.Levels{}, err
		}
	}
	if a.out == nil {
		if a.out, err = a.OutputMeter(); err != nil {
			return phone.Levels{}, err
		}
	}
	if a.buf == nil {
		a.buf = make([]float32, jsbridge.MeterFFTSize)
	}
	return phone.Levels{Input: media.MeterLevel(a.in, a.buf), Output: media.MeterLevel(a.out, a.buf)}, nil
}

// Close closes the meters and the pipe.
func (a *rtmpAudio) Close() {
	a.meterMu.Lock()
	for _, m := range []*jsbridge.LevelMeter{a.in, a.out} {
		if m != nil {
			m.Close()
		}
	}
	a.in, a.out = nil, nil
	a.meterMu.Unlock()
	a.AudioPipe.Close()
}

func (a *rtmpAudio) Stats(ctx context.Context) (rtmpua.AudioStats, error) {
	st, err := a.AudioPipe.Stats(ctx)
	if err != nil {
		return rtmpua.AudioStats{}, err
	}
	// Energy as WebRTC's totalAudioEnergy has it: Σ sample² × duration.
	energy := 0.0
	if st.SampleRate > 0 {
		energy = st.Energy / float64(st.SampleRate)
	}
	return rtmpua.AudioStats{
		FramesCaptured: int64(st.FramesCaptured), FramesReceived: int64(st.FramesReceived),
		FramesPlayed: int64(st.FramesPlayed), FramesDropped: int64(st.FramesDropped),
		Underruns: int64(st.Underruns), Energy: energy, BufferMs: st.BufferMs,
	}, nil
}

// audioFactory opens the AudioWorklet pipe for an RTMP call, on the
// microphone and speaker the page chose (the default ones when a chosen
// device is gone).
func (f *facade) audioFactory(ctx context.Context, law string) (rtmpua.Audio, error) {
	mic := f.pg.devices.Get(audiodev.Microphone)
	p, err := jsbridge.NewAudioPipe(ctx, jsbridge.AudioOptions{Law: law, WorkletURL: f.workletURL(), MicrophoneID: mic})
	if err != nil && mic != "" && errors.Is(media.DeviceError(err, "microphone", mic), phone.ErrDeviceNotFound) {
		p, err = jsbridge.NewAudioPipe(ctx, jsbridge.AudioOptions{Law: law, WorkletURL: f.workletURL()})
	}
	if err != nil {
		return nil, err
	}
	if spk := f.pg.devices.Get(audiodev.Speaker); spk != "" {
		_ = p.SetSinkID(ctx, spk)
	}
	return &rtmpAudio{AudioPipe: p}, nil
}

// workletURL is where the loader says the AudioWorklet module is.
func (f *facade) workletURL() string {
	hooks := f.pg.hooks
	if hooks.Type() != safejs.TypeObject {
		return ""
	}
	v, err := hooks.Get("workletUrl")
	if err != nil || v.Type() != safejs.TypeString {
		return ""
	}
	s, _ := v.String()
	return s
}
