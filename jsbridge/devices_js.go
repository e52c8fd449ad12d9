//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"fmt"

	"github.com/hack-pad/safejs"
)

// Audio devices: listing them (navigator.mediaDevices.enumerateDevices),
// following their changes ('devicechange'), opening a given microphone
// (getUserMedia with deviceId {exact}) and choosing a speaker
// (HTMLMediaElement.setSinkId, AudioContext.setSinkId).

// Device kinds, as MediaDeviceInfo.kind names them.
const (
	KindAudioInput  = "audioinput"
	KindAudioOutput = "audiooutput"
)

// Device is an audio input or output the browser knows of
// (MediaDeviceInfo). Until the page holds the microphone permission,
// browsers hide the details: Chromium lists one device of each kind with
// an empty ID and Label, Firefox and Safari list fewer.
type Device struct {
	ID      string // deviceId, stable for this origin; "default" and "communications" are Chromium's aliases
	GroupID string // groupId: devices of one physical unit (a headset's microphone and earpiece) share it
	Kind    string // KindAudioInput or KindAudioOutput
	Label   string // the device's name, "" before the permission is granted
}

// ErrNoSinkSelection means the browser cannot send audio to a chosen
// output device: HTMLMediaElement.setSinkId (Chromium, Firefox 116+,
// Safari 18.4+) or AudioContext.setSinkId (Chromium 110+) is missing.
// Audio keeps playing on the default device.
var ErrNoSinkSelection = errors.New("jsbridge: this browser cannot choose the audio output device (no setSinkId)")

// mediaDevices returns navigator.mediaDevices, or a *MediaError named
// "Unavailable".
func mediaDevices() (safejs.Value, error) {
	devices, err := global("navigator", "mediaDevices")
	if err != nil || devices.Type() != safejs.TypeObject {
		return safejs.Undefined(), &MediaError{Name: "Unavailable", Message: "navigator.mediaDevices is missing (the page must be served over https or from localhost)"}
	}
	return devices, nil
}

// EnumerateDevices lists the audio inputs and outputs
// (navigator.mediaDevices.enumerateDevices), in the browser's order;
// video devices are left out. Without navigator.mediaDevices it returns a
// *MediaError named "Unavailable". It must run on a goroutine, never in
// a js.FuncOf.
func EnumerateDevices(ctx context.Context) ([]Device, error) {
	md, err := mediaDevices()
	if err != nil {
		return nil, err
	}
	promise, err := md.Call("enumerateDevices")
	if err != nil {
		return nil, mediaError(err)
	}
	list, err := Await(ctx, promise)
	if err != nil {
		return nil, mediaError(err)
	}
	n, err := list.Length()
	if err != nil {
		return nil, fmt.Errorf("jsbridge: enumerateDevices: %w", err)
	}
	out := make([]Device, 0, n)
	for i := 0; i < n; i++ {
		info, err := list.Index(i)
		if err != nil {
			continue
		}
		d := Device{
			ID:      audioString(info, "deviceId"),
			GroupID: audioString(info, "groupId"),
			Kind:    audioString(info, "kind"),
			Label:   audioString(info, "label"),
		}
		if d.Kind == KindAudioInput || d.Kind == KindAudioOutput {
			out = append(out, d)
		}
	}
	return out, nil
}

// ListenDeviceChange calls fn on every 'devicechange' event of
// navigator.mediaDevices (a device plugged in or out, a permission
// granted: the list from EnumerateDevices changed). fn runs inside the
// JS event and must not block: start a goroutine for the work (such as
// EnumerateDevices). release removes the listener; it is safe to call
// more than once.
func ListenDeviceChange(fn func()) (release func(), err error) {
	md, err := mediaDevices()
	if err != nil {
		return nil, err
	}
	l := &listeners{}
	if err := l.add(md, "devicechange", func(safejs.Value) { fn() }); err != nil {
		return nil, err
	}
	return l.release, nil
}

// MicrophoneConstraints builds getUserMedia constraints for one
// microphone: audio holds the audio track's constraints (nil for none,
// e.g. map[string]any{"echoCancellation": true}), deviceID the device
// ("" = the browser's default), requested as {deviceId: {exact: id}} so
// that a missing device fails (OverconstrainedError) instead of silently
// opening another one. The audio map is copied, never changed.
func MicrophoneConstraints(deviceID string, audio map[string]any) map[string]any {
	var a any = true
	if deviceID != "" || len(audio) > 0 {
		m := make(map[string]any, len(audio)+1)
		for k, v := range audio {
			m[k] = v
		}
		if deviceID != "" {
			m["deviceId"] = map[string]any{"exact": deviceID}
		}
		a = m
	}
	return map[string]any{"audio": a, "video": false}
}

// OpenMicrophoneDevice opens the microphone deviceID ("" = the default)
// with the audio track constraints audio (see MicrophoneConstraints). A
// device that is gone gives a *MediaError named "OverconstrainedError"
// (or "NotFoundError"); the caller may then fall back to "". Like
// OpenMicrophone, a stream granted after ctx ended is stopped at once.
func OpenMicrophoneDevice(ctx context.Context, deviceID string, audio map[string]any) (*Microphone, error) {
	return OpenMicrophone(ctx, MicrophoneConstraints(deviceID, audio))
}

// Stream is the microphone's MediaStream.
func (m *Microphone) Stream() safejs.Value { return m.stream }

// Track is the stream's first audio track (the one ReplaceTrack sends),
// or undefined when it has none.
func (m *Microphone) Track() safejs.Value {
	if t := m.tracks(); len(t) > 0 {
		return t[0]
	}
	return safejs.Undefined()
}

// DeviceID is the deviceId of the device actually in use
// (track.getSettings().deviceId): with "" asked, the default device's
// ID. It is "" when the browser does not tell.
func (m *Microphone) DeviceID() string {
	t := m.Track()
	if t.Type() != safejs.TypeObject {
		return ""
	}
	settings, err := t.Call("getSettings")
	if err != nil {
		return ""
	}
	return audioString(settings, "deviceId")
}

// OnEnded calls fn when one of the microphone's audio tracks ends by
// itself ('ended': the device was unplugged, or the permission revoked;
// Stop does not fire it). fn runs inside the JS event and must not
// block: start a goroutine for the work (opening another device). release
// removes the listeners; it is safe to call more than once.
func (m *Microphone) OnEnded(fn func()) (release func(), err error) {
	tracks := m.tracks()
	if len(tracks) == 0 {
		return nil, errors.New("jsbridge: the microphone stream has no audio track")
	}
	l := &listeners{}
	for _, t := range tracks {
		if err := l.add(t, "ended", func(safejs.Value) { fn() }); err != nil {
			l.release()
			return nil, err
		}
	}
	return l.release, nil
}

// setSinkID calls target.setSinkId(id) and waits for it; a target
// without setSinkId gives ErrNoSinkSelection.
func setSinkID(ctx context.Context, target safejs.Value, id string) error {
	if target.Type() != safejs.TypeObject {
		return ErrNoSinkSelection
	}
	fn, err := target.Get("setSinkId")
	if err != nil || fn.Type() != safejs.TypeFunction {
		return ErrNoSinkSelection
	}
	promise, err := target.Call("setSinkId", id)
	if err != nil {
		return mediaError(err)
	}
	if _, err := Await(ctx, promise); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return err
		}
		return mediaError(err)
	}
	return nil
}

// sinkID reads target.sinkId: "" for the default device, and also when
// the property is missing or not a string (an AudioSinkInfo of type
// "none").
func sinkID(target safejs.Value) string { return audioString(target, "sinkId") }

// SetSinkID sends the call's audio to the output device id ("" = the
// default) with HTMLMediaElement.setSinkId, waiting until the browser
// switched. A browser without it gives ErrNoSinkSelection; a device that
// is gone, a *MediaError (NotFoundError). The choice stays with the
// element when the remote stream changes. It must run on a goroutine.
func (ra *RemoteAudio) SetSinkID(ctx context.Context, id string) error {
	return setSinkID(ctx, ra.el, id)
}

// SinkID is the output device in use ("" = the default).
func (ra *RemoteAudio) SinkID() string { return sinkID(ra.el) }

// Stream is the MediaStream the element plays (its srcObject), or null
// before the first remote audio track arrived. It changes when the far
// end's stream does; RemoteAudio.Meter follows it.
func (ra *RemoteAudio) Stream() safejs.Value {
	s, err := ra.el.Get("srcObject")
	if err != nil {
		return safejs.Null()
	}
	return s
}

// CanChooseOutput reports whether the browser lets a page choose the
// output device of its audio elements (HTMLMediaElement.setSinkId;
// Firefox before 116 and Safari before 17.5 lack it).
func CanChooseOutput() bool {
	el, err := global("HTMLMediaElement", "prototype")
	if err != nil {
		return false
	}
	fn, err := el.Get("setSinkId")
	return err == nil && fn.Type() == safejs.TypeFunction
}
