package tabs

import (
	"context"
	"sync"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
)

// Call is a call of the leader's user agent seen from a follower: its
// state comes from the leader's snapshots, its operations go to the
// leader; when its audio is in this tab, the audio's own operations
// (levels, stats, devices) run here.
type Call struct {
	f  *Follower
	mu sync.Mutex
	// info is the latest snapshot.
	info CallInfo
}

var _ phone.Call = (*Call)(nil)

func (c *Call) snap() CallInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info
}

func (c *Call) setState(s string) {
	c.mu.Lock()
	c.info.State = s
	c.mu.Unlock()
}

func (c *Call) ID() string                      { return c.snap().ID }
func (c *Call) Outgoing() bool                  { return c.snap().Outgoing }
func (c *Call) CallerName() string              { return c.snap().CallerName }
func (c *Call) CallerNumber() string            { return c.snap().CallerNumber }
func (c *Call) RemoteURI() string               { return c.snap().RemoteURI }
func (c *Call) RemoteName() string              { return c.snap().RemoteName }
func (c *Call) LocalURI() string                { return c.snap().LocalURI }
func (c *Call) State() phone.CallState          { return parseState(c.snap().State) }
func (c *Call) StartedAt() time.Time            { return c.snap().StartedAt }
func (c *Call) AnsweredAt() time.Time           { return c.snap().AnsweredAt }
func (c *Call) ReceivedHeaders() []phone.Header { return c.snap().Received }
func (c *Call) Muted() bool                     { return c.snap().Muted }

// AudioHere reports whether this tab plays and captures the call.
func (c *Call) AudioHere() bool { return c.snap().MediaTab == c.f.t.ID }

// Info is the call's latest snapshot.
func (c *Call) Info() CallInfo { return c.snap() }

// ask sends a request about the call; query also returns its answer's
// data.
func (c *Call) ask(ctx context.Context, op string, a args) *phone.Error {
	_, e := c.query(ctx, op, a)
	return e
}

func (c *Call) query(ctx context.Context, op string, a args) (any, *phone.Error) {
	return c.f.ask(ctx, op, c.ID(), a)
}

// Accept answers the call with this tab's audio.
func (c *Call) Accept(ctx context.Context) *phone.Error {
	return c.AcceptWith(ctx, phone.AcceptOptions{})
}

func (c *Call) AcceptWith(ctx context.Context, o phone.AcceptOptions) *phone.Error {
	return c.ask(ctx, opAccept, args{Headers: o.Headers})
}

func (c *Call) Reject(code int) *phone.Error {
	return c.ask(context.Background(), opReject, args{Code: code})
}

func (c *Call) Hangup(ctx context.Context) *phone.Error { return c.ask(ctx, opHangup, args{}) }

func (c *Call) Hold(ctx context.Context, hold bool) *phone.Error {
	return c.ask(ctx, opHold, args{Flag: hold})
}

func (c *Call) SendDTMF(ctx context.Context, tones string) *phone.Error {
	return c.ask(ctx, opDTMF, args{Text: tones})
}

func (c *Call) Transfer(ctx context.Context, target string) *phone.Error {
	return c.ask(ctx, opTransfer, args{Target: target})
}

func (c *Call) SetMuted(muted bool) *phone.Error {
	e := c.ask(context.Background(), opMute, args{Flag: muted})
	if e == nil {
		c.mu.Lock()
		c.info.Muted = muted
		c.mu.Unlock()
	}
	return e
}

// local is the call's media session when its audio is in this tab.
func (c *Call) local() interface {
	Stats(context.Context) (phone.MediaStats, error)
	Levels(context.Context) (phone.Levels, error)
	SetMicrophone(context.Context, string) error
	SetSpeaker(context.Context, string) error
} {
	info := c.snap()
	if info.MediaTab != c.f.t.ID || info.MediaID == "" {
		return nil
	}
	if m := c.f.t.Media.Session(info.MediaID); m != nil {
		return m
	}
	return nil
}

func (c *Call) Stats(ctx context.Context) (phone.MediaStats, *phone.Error) {
	if m := c.local(); m != nil {
		s, err := m.Stats(ctx)
		if err != nil {
			return s, &phone.Error{Key: phone.KeyMedia, Message: err.Error(), Err: err}
		}
		return s, nil
	}
	v, e := c.query(ctx, opStats, args{})
	if v == nil {
		return phone.MediaStats{}, e
	}
	s, err := decodeStats(v)
	if err != nil && e == nil {
		e = badAnswer(err)
	}
	return s, e
}

func (c *Call) Levels(ctx context.Context) (phone.Levels, *phone.Error) {
	if m := c.local(); m != nil {
		l, err := m.Levels(ctx)
		if err != nil {
			return l, &phone.Error{Key: phone.KeyMedia, Message: err.Error(), Err: err}
		}
		return l, nil
	}
	v, e := c.query(ctx, opLevels, args{})
	if e != nil {
		return phone.Levels{}, e
	}
	w, err := decodeLevels(v)
	if v != nil && err != nil {
		return phone.Levels{}, badAnswer(err)
	}
	return w.levels(), nil
}

func (c *Call) SetMicrophone(ctx context.Context, deviceID string) *phone.Error {
	if m := c.local(); m != nil {
		return phone.DeviceError(m.SetMicrophone(ctx, deviceID))
	}
	return c.ask(ctx, opMic, args{Text: deviceID})
}

func (c *Call) SetSpeaker(ctx context.Context, deviceID string) *phone.Error {
	if m := c.local(); m != nil {
		return phone.DeviceError(m.SetSpeaker(ctx, deviceID))
	}
	return c.ask(ctx, opSpeaker, args{Text: deviceID})
}
