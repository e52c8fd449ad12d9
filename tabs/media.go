package tabs

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/ua"
)

// stepTimeout bounds the media steps ua.Media gives no context
// (direction, DTMF, mute, close).
const stepTimeout = 10 * time.Second

var mediaSeq atomic.Int64

// MediaHost keeps the media sessions whose audio is in this tab and runs
// the steps the leader asks of them.
type MediaHost struct {
	t     *Tab
	local ua.MediaFactory

	mu       sync.Mutex
	sessions map[string]ua.Media
	// sinks take a session's events here instead of the leader over the
	// channel: its call was taken over by this tab (Adopt).
	sinks map[string]ua.MediaEvents
}

func newMediaHost(t *Tab, local ua.MediaFactory) *MediaHost {
	return &MediaHost{t: t, local: local, sessions: map[string]ua.Media{}, sinks: map[string]ua.MediaEvents{}}
}

// Adopt hands this tab's session id to a call this tab now holds the SIP
// of (it became the leader): the session, whose ICE and microphone
// events go to ev from now on. Nil when there is no such session.
func (h *MediaHost) Adopt(id string, ev ua.MediaEvents) ua.Media {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.sessions[id]
	if m != nil {
		h.sinks[id] = ev
	}
	return m
}

// sink is where session id's events go here (ok false: to the leader).
func (h *MediaHost) sink(id string) (ua.MediaEvents, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ev, ok := h.sinks[id]
	return ev, ok
}

// Session is the media session id of this tab (nil when there is none).
func (h *MediaHost) Session(id string) ua.Media {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sessions[id]
}

func (h *MediaHost) closeAll() {
	h.mu.Lock()
	s := h.sessions
	h.sessions = map[string]ua.Media{}
	h.mu.Unlock()
	for _, m := range s {
		m.Close()
	}
}

// serve runs one step the leader asked for and answers it.
func (h *MediaHost) serve(q Msg) {
	a, err := decodeArgs(q.data)
	if err != nil {
		h.t.reply(q, tMediaRep, nil, &WireError{Key: phone.KeyInternal, Message: "bad media step"})
		return
	}
	data, err := h.step(q, a)
	var we *WireError
	if err != nil {
		we = &WireError{Key: phone.KeyMedia, Message: err.Error()}
	}
	h.t.reply(q, tMediaRep, data, we)
}

func (h *MediaHost) step(q Msg, a args) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*stepTimeout)
	defer cancel()
	if q.Op == mediaCreate {
		if h.local == nil {
			return nil, errors.New("this tab cannot make calls' media")
		}
		id := q.Media
		m, err := h.local(ctx, ua.MediaEvents{
			ICEState: func(state string) {
				if ev, ok := h.sink(id); ok {
					if ev.ICEState != nil {
						ev.ICEState(state)
					}
					return
				}
				h.t.send(Msg{T: tMediaEvent, Op: "ice", Media: id, Data: mustJSON(args{Text: state})})
			},
			MicrophoneLost: func(err error) {
				if ev, ok := h.sink(id); ok {
					if ev.MicrophoneLost != nil {
						ev.MicrophoneLost(err)
					}
					return
				}
				h.t.send(Msg{T: tMediaEvent, Op: "mic", Media: id, Data: mustJSON(args{Text: err.Error()})})
			},
		})
		if err != nil {
			return nil, err
		}
		h.mu.Lock()
		h.sessions[id] = m
		h.mu.Unlock()
		return nil, nil
	}
	m := h.Session(q.Media)
	if m == nil {
		if q.Op == mediaClose {
			return nil, nil
		}
		return nil, errors.New("no such media session in this tab")
	}
	switch q.Op {
	case mediaOffer:
		sdp, err := m.Offer(ctx, a.Flag)
		return args{Text: sdp}, err
	case mediaAnswer:
		sdp, err := m.Answer(ctx, a.Text)
		return args{Text: sdp}, err
	case mediaAccept:
		return nil, m.Accept(ctx, a.Text, a.Flag)
	case mediaRollback:
		return nil, m.Rollback(ctx)
	case mediaDirection:
		return nil, m.SetDirection(ua.Direction(a.Text))
	case mediaDTMF:
		return nil, m.SendDTMF(a.Text)
	case mediaMute:
		return nil, m.SetMuted(a.Flag)
	case mediaStats:
		return m.Stats(ctx)
	case mediaMic:
		return nil, wrapDevice(m.SetMicrophone(ctx, a.Text))
	case mediaSpeaker:
		return nil, wrapDevice(m.SetSpeaker(ctx, a.Text))
	case mediaLevels:
		l, err := m.Levels(ctx)
		return toWireLevels(l), err
	case mediaClose:
		h.mu.Lock()
		delete(h.sessions, q.Media)
		h.mu.Unlock()
		m.Close()
		return nil, nil
	}
	return nil, errors.New("unknown media step " + strconv.Quote(q.Op))
}

// Device errors keep their kind across the channel through their text.
const (
	deviceNotFoundText = "audio device not found: "
	notSupportedText   = "not supported by this browser: "
)

func wrapDevice(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, phone.ErrDeviceNotFound):
		return errors.New(deviceNotFoundText + err.Error())
	case errors.Is(err, phone.ErrNotSupported):
		return errors.New(notSupportedText + err.Error())
	}
	return err
}

// RemoteMedia is a ua.Media whose session is in another tab: each
// method is a step sent to that tab's MediaHost.
type RemoteMedia struct {
	l    *Leader // whose channel carries the steps
	tab  string  // where the session is
	id   string
	ev   ua.MediaEvents
	gone atomic.Bool
}

// remoteFactory makes the media of a call whose audio will be in tab.
func (l *Leader) remoteFactory(tab string, made func(*RemoteMedia)) ua.MediaFactory {
	return func(ctx context.Context, ev ua.MediaEvents) (ua.Media, error) {
		m := &RemoteMedia{l: l, tab: tab, id: l.t.ID + "-m" + strconv.FormatInt(mediaSeq.Add(1), 10), ev: ev}
		l.addMedia(m)
		if err := m.run(ctx, mediaCreate, args{}); err != nil {
			l.dropMedia(m.id)
			return nil, err
		}
		if made != nil {
			made(m)
		}
		return m, nil
	}
}

// Tab is where the session is; ID its name there.
func (m *RemoteMedia) Tab() string { return m.tab }
func (m *RemoteMedia) ID() string  { return m.id }

// do runs step op in the session's tab and returns its answer's data
// (nil for none), parsed.
func (m *RemoteMedia) do(ctx context.Context, op string, a args) (any, error) {
	if m.gone.Load() {
		return nil, errors.New("the tab of this call's audio is gone")
	}
	r, err := m.l.t.request(ctx, Msg{T: tMedia, To: m.tab, Op: op, Media: m.id, Data: mustJSON(a)})
	if err != nil {
		return nil, err
	}
	if r.Err != nil {
		msg := r.Err.Message
		switch {
		case strings.HasPrefix(msg, deviceNotFoundText):
			return nil, errors.Join(phone.ErrDeviceNotFound, errors.New(msg))
		case strings.HasPrefix(msg, notSupportedText):
			return nil, errors.Join(phone.ErrNotSupported, errors.New(msg))
		}
		return nil, errors.New(msg)
	}
	return r.data, nil
}

// run is do for a step whose answer has no data.
func (m *RemoteMedia) run(ctx context.Context, op string, a args) error {
	_, err := m.do(ctx, op, a)
	return err
}

func (m *RemoteMedia) quick(op string, a args) error {
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	return m.run(ctx, op, a)
}

// sdp runs an offer or answer step, whose answer is args{Text: sdp}.
func (m *RemoteMedia) sdp(ctx context.Context, op string, a args) (string, error) {
	v, err := m.do(ctx, op, a)
	if err != nil {
		return "", err
	}
	r, err := decodeArgs(v)
	return r.Text, err
}

func (m *RemoteMedia) Offer(ctx context.Context, iceRestart bool) (string, error) {
	return m.sdp(ctx, mediaOffer, args{Flag: iceRestart})
}

func (m *RemoteMedia) Answer(ctx context.Context, offer string) (string, error) {
	return m.sdp(ctx, mediaAnswer, args{Text: offer})
}

func (m *RemoteMedia) Accept(ctx context.Context, answer string, provisional bool) error {
	return m.run(ctx, mediaAccept, args{Text: answer, Flag: provisional})
}

func (m *RemoteMedia) Rollback(ctx context.Context) error {
	return m.run(ctx, mediaRollback, args{})
}

func (m *RemoteMedia) SetDirection(d ua.Direction) error {
	return m.quick(mediaDirection, args{Text: string(d)})
}

func (m *RemoteMedia) SendDTMF(tones string) error { return m.quick(mediaDTMF, args{Text: tones}) }

func (m *RemoteMedia) SetMuted(muted bool) error { return m.quick(mediaMute, args{Flag: muted}) }

func (m *RemoteMedia) Stats(ctx context.Context) (phone.MediaStats, error) {
	v, err := m.do(ctx, mediaStats, args{})
	if err != nil || v == nil {
		return phone.MediaStats{}, err
	}
	return decodeStats(v)
}

func (m *RemoteMedia) SetMicrophone(ctx context.Context, deviceID string) error {
	return m.run(ctx, mediaMic, args{Text: deviceID})
}

func (m *RemoteMedia) SetSpeaker(ctx context.Context, deviceID string) error {
	return m.run(ctx, mediaSpeaker, args{Text: deviceID})
}

func (m *RemoteMedia) Levels(ctx context.Context) (phone.Levels, error) {
	v, err := m.do(ctx, mediaLevels, args{})
	if err != nil {
		return phone.Levels{}, err
	}
	if v == nil {
		return wireLevels{}.levels(), nil
	}
	w, err := decodeLevels(v)
	if err != nil {
		return phone.Levels{}, err
	}
	return w.levels(), nil
}

// Close ends the session in its tab (without waiting when it is gone);
// the leader forgets it.
func (m *RemoteMedia) Close() {
	m.l.dropMedia(m.id)
	if m.gone.Load() {
		return
	}
	go func() { _ = m.quick(mediaClose, args{}) }()
}

// event is a report from the session's tab.
func (m *RemoteMedia) event(op, text string) {
	switch op {
	case "ice":
		if m.ev.ICEState != nil {
			m.ev.ICEState(text)
		}
	case "mic":
		if m.ev.MicrophoneLost != nil {
			m.ev.MicrophoneLost(errors.New(text))
		}
	}
}
