//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"syscall/js"

	"github.com/hack-pad/safejs"
)

// JSValuer is anything that wraps a JS object, such as pion/webrtc's
// PeerConnection, RTPTransceiver and RTPSender on js/wasm. The media
// helpers below take them through it, so their callers never touch
// syscall/js.
type JSValuer interface {
	JSValue() js.Value
}

func safe(v JSValuer) (safejs.Value, error) {
	if v == nil {
		return safejs.Undefined(), errors.New("jsbridge: nil JS object")
	}
	val := safejs.Safe(v.JSValue())
	if val.Type() != safejs.TypeObject {
		return val, errors.New("jsbridge: not a JS object")
	}
	return val, nil
}

// MediaError is a getUserMedia failure: Name is the DOMException name
// (NotAllowedError, NotFoundError, NotReadableError, …, or
// "Unavailable" when the page has no navigator.mediaDevices, e.g. it is
// not a secure context).
type MediaError struct {
	Name    string
	Message string
}

func (e *MediaError) Error() string {
	if e.Message == "" {
		return e.Name
	}
	return e.Name + ": " + e.Message
}

// Microphone is a MediaStream from getUserMedia({audio: true}).
type Microphone struct {
	stream safejs.Value
}

// GetUserMedia opens the microphone. A refusal or failure is a
// *MediaError. If ctx ends before the browser answers, the stream that
// may still arrive later is stopped at once, so the microphone is never
// left open. It must run on a goroutine, never in a js.FuncOf.
func GetUserMedia(ctx context.Context) (*Microphone, error) {
	return OpenMicrophone(ctx, map[string]any{"audio": true, "video": false})
}

// OpenMicrophone calls getUserMedia with constraints. A stream granted
// after ctx ended is stopped at once, never left open.
func OpenMicrophone(ctx context.Context, constraints map[string]any) (*Microphone, error) {
	devices, err := mediaDevices()
	if err != nil {
		return nil, err
	}
	c, err := safejs.ValueOf(constraints)
	if err != nil {
		return nil, err
	}
	promise, err := devices.Call("getUserMedia", c)
	if err != nil {
		return nil, mediaError(err)
	}
	stream, err := Await(ctx, promise)
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		go func() {
			if late, err := Await(context.Background(), promise); err == nil {
				(&Microphone{stream: late}).Stop()
			}
		}()
		return nil, err
	}
	if err != nil {
		return nil, mediaError(err)
	}
	return &Microphone{stream: stream}, nil
}

func mediaError(err error) error {
	var rej *RejectedError
	if errors.As(err, &rej) {
		me := &MediaError{Name: "Error", Message: rej.Message}
		if n, err := rej.Reason.Get("name"); err == nil && n.Type() == safejs.TypeString {
			me.Name, _ = n.String()
		}
		if m, err := rej.Reason.Get("message"); err == nil && m.Type() == safejs.TypeString {
			me.Message, _ = m.String()
		}
		return me
	}
	return &MediaError{Name: "Error", Message: err.Error()}
}

// global reads globalThis.a.b….
func global(path ...string) (safejs.Value, error) {
	v := safejs.Global()
	for _, p := range path {
		var err error
		if v, err = v.Get(p); err != nil {
			return v, err
		}
		if v.IsUndefined() || v.IsNull() {
			return v, errors.New("jsbridge: " + p + " is missing")
		}
	}
	return v, nil
}

// tracks returns the stream's audio tracks.
func (m *Microphone) tracks() []safejs.Value {
	arr, err := m.stream.Call("getAudioTracks")
	if err != nil {
		return nil
	}
	n, _ := arr.Length()
	out := make([]safejs.Value, 0, n)
	for i := 0; i < n; i++ {
		if t, err := arr.Index(i); err == nil {
			out = append(out, t)
		}
	}
	return out
}

// SetEnabled enables or disables (sends silence) every audio track.
func (m *Microphone) SetEnabled(enabled bool) error {
	tracks := m.tracks()
	if len(tracks) == 0 {
		return errors.New("jsbridge: the microphone stream has no audio track")
	}
	for _, t := range tracks {
		if err := t.Set("enabled", enabled); err != nil {
			return err
		}
	}
	return nil
}

// Label is the first track's label (the device name), for logs.
func (m *Microphone) Label() string {
	for _, t := range m.tracks() {
		if l, err := t.Get("label"); err == nil {
			s, _ := l.String()
			return s
		}
	}
	return ""
}

// Clone returns an independent copy of the stream (MediaStream.clone):
// its tracks can be disabled or stopped without touching the original's,
// and stopping the original leaves the clone's running. A warmed-up
// microphone is shared with calls this way. The clone's tracks start
// enabled or disabled as the original's are; Meter taps a clone that it
// enables, so a meter hears the microphone while the sent track is
// muted. Stop the clone when done with it.
func (m *Microphone) Clone() (*Microphone, error) {
	c, err := m.stream.Call("clone")
	if err != nil {
		return nil, err
	}
	return &Microphone{stream: c}, nil
}

// Live reports whether the stream still has an audio track that has not
// ended (the device may have been unplugged or the permission revoked).
func (m *Microphone) Live() bool {
	for _, t := range m.tracks() {
		if st, err := t.Get("readyState"); err == nil {
			if s, _ := st.String(); s == "live" {
				return true
			}
		}
	}
	return false
}

// Stop stops every track (the browser's recording indicator goes off).
func (m *Microphone) Stop() {
	for _, t := range m.tracks() {
		_, _ = t.Call("stop")
	}
}

// ReplaceTrack puts the microphone's first audio track on an
// RTCRtpSender (sender.replaceTrack) and waits for it.
func ReplaceTrack(ctx context.Context, sender JSValuer, m *Microphone) error {
	s, err := safe(sender)
	if err != nil {
		return err
	}
	tracks := m.tracks()
	if len(tracks) == 0 {
		return errors.New("jsbridge: the microphone stream has no audio track")
	}
	p, err := s.Call("replaceTrack", tracks[0])
	if err != nil {
		return err
	}
	_, err = Await(ctx, p)
	return err
}

// SetTransceiverDirection sets an RTCRtpTransceiver's direction
// ("sendrecv", "sendonly", "recvonly", "inactive"); it takes effect at
// the next offer or answer.
func SetTransceiverDirection(transceiver JSValuer, direction string) error {
	t, err := safe(transceiver)
	if err != nil {
		return err
	}
	return t.Set("direction", direction)
}

// TransceiverInfo describes an RTCRtpTransceiver.
type TransceiverInfo struct {
	Kind             string // receiver.track.kind: "audio" or "video"
	Mid              string // "" until negotiated
	Direction        string // what we want
	CurrentDirection string // what was negotiated ("" before)
	Stopped          bool
}

// DescribeTransceiver reads an RTCRtpTransceiver's kind and directions.
func DescribeTransceiver(transceiver JSValuer) (TransceiverInfo, error) {
	t, err := safe(transceiver)
	if err != nil {
		return TransceiverInfo{}, err
	}
	var info TransceiverInfo
	str := func(v safejs.Value, name string) string {
		f, err := v.Get(name)
		if err != nil || f.Type() != safejs.TypeString {
			return ""
		}
		s, _ := f.String()
		return s
	}
	if r, err := t.Get("receiver"); err == nil && r.Type() == safejs.TypeObject {
		if tr, err := r.Get("track"); err == nil && tr.Type() == safejs.TypeObject {
			info.Kind = str(tr, "kind")
		}
	}
	info.Mid = str(t, "mid")
	info.Direction = str(t, "direction")
	info.CurrentDirection = str(t, "currentDirection")
	if st, err := t.Get("stopped"); err == nil && st.Type() == safejs.TypeBoolean {
		info.Stopped, _ = st.Bool()
	}
	if info.Direction == "stopped" || info.CurrentDirection == "stopped" {
		info.Stopped = true
	}
	return info, nil
}

// ErrNoDTMF means the sender has no usable DTMF sender: telephone-event
// was not negotiated, or the transceiver does not send (on hold).
var ErrNoDTMF = errors.New("no DTMF sender (telephone-event not negotiated, or not sending)")

// InsertDTMF queues tones on an RTCRtpSender's RTCDTMFSender
// (sender.dtmf.insertDTMF(tones, durationMs, gapMs)) after those still
// waiting in its toneBuffer (insertDTMF alone would replace them, losing
// fast key presses). It returns ErrNoDTMF when canInsertDTMF is false.
func InsertDTMF(sender JSValuer, tones string, durationMs, gapMs int) error {
	s, err := safe(sender)
	if err != nil {
		return err
	}
	dtmf, err := s.Get("dtmf")
	if err != nil || dtmf.Type() != safejs.TypeObject {
		return ErrNoDTMF
	}
	if can, err := dtmf.Get("canInsertDTMF"); err == nil && can.Type() == safejs.TypeBoolean {
		if ok, _ := can.Bool(); !ok {
			return ErrNoDTMF
		}
	}
	if buf, err := dtmf.Get("toneBuffer"); err == nil && buf.Type() == safejs.TypeString {
		pending, _ := buf.String()
		tones = pending + tones
	}
	_, err = dtmf.Call("insertDTMF", tones, durationMs, gapMs)
	return err
}

// SameObject reports whether a and b wrap the same JS object.
func SameObject(a, b JSValuer) bool {
	x, errA := safe(a)
	y, errB := safe(b)
	return errA == nil && errB == nil && x.Equal(y)
}
