//go:build js && wasm

package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/media"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/ua"
)

// mixStartTimeout bounds waiting for the conference's AudioContext to run.
const mixStartTimeout = 5 * time.Second

// conference is the page's local conference (kazoo.conference): calls
// whose audio the page mixes (jsbridge.Mixer), each sent our microphone
// and the other members instead of the microphone alone.
type conference struct {
	op sync.Mutex // serialises starting and ending; held across JS calls

	mu      sync.Mutex // guards the fields below; never held across JS calls
	mixer   *jsbridge.Mixer
	members map[string]*confMember // by call ID
}

type confMember struct {
	call    phone.Call
	session *media.Session
	mix     *jsbridge.MixMember
}

// conference(calls) mixes the calls' audio in the page (at least two
// established WebRTC calls); conference([]) ends it. It resolves once the
// mix is sent (or, with [], once every call sends its microphone again).
// A new conference replaces the one running.
func (f *facade) conference(args []safejs.Value) (any, error) {
	ids, err := callIDs(arg(args, 0))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	f.conf.op.Lock()
	defer f.conf.op.Unlock()
	if len(ids) == 0 {
		f.endConference(ctx)
		return nil, nil
	}
	members := make([]*confMember, 0, len(ids))
	for _, id := range ids {
		m, e := f.conferenceMember(id)
		if e != nil {
			return nil, e
		}
		members = append(members, m)
	}
	f.endConference(ctx)
	if e := f.startConference(ctx, members); e != nil {
		return nil, e
	}
	// A member that ended while the mix was being set up leaves now.
	for _, m := range members {
		if m.call.State() == phone.CallEnded {
			f.leaveConference(ctx, m.call.ID())
		}
	}
	return nil, nil
}

// callIDs reads conference()'s argument: an array of call objects (or
// call IDs), none twice, none or at least two.
func callIDs(v safejs.Value) ([]string, error) {
	bad := phone.InvalidParameter("calls", "must be an array of at least two calls (or [] to end the conference)")
	if !isArray(v) {
		return nil, bad
	}
	n, err := v.Length()
	if err != nil {
		return nil, bad
	}
	ids := make([]string, 0, n)
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		c, err := v.Index(i)
		if err != nil {
			return nil, bad
		}
		if c.Type() == safejs.TypeObject {
			if c, err = c.Get("id"); err != nil {
				return nil, bad
			}
		}
		id, err := c.String()
		if c.Type() != safejs.TypeString || err != nil {
			return nil, phone.InvalidParameter("calls", "element %d is not a call", i)
		}
		if seen[id] {
			return nil, phone.InvalidParameter("calls", "the same call is given twice")
		}
		seen[id] = true
		ids = append(ids, id)
	}
	if n == 1 {
		return nil, bad
	}
	return ids, nil
}

// conferenceMember checks that the call can join: known, established,
// on the WebRTC path with its media in the page.
func (f *facade) conferenceMember(id string) (*confMember, *phone.Error) {
	f.mu.Lock()
	t, ok := f.calls[id]
	f.mu.Unlock()
	if !ok { // the page knows only its calls: this one is over
		return nil, &phone.Error{Key: phone.KeyCallState, Message: "a conference takes established calls; call " + id + " is over"}
	}
	c := t.call
	if st := c.State(); st != phone.CallEstablished {
		return nil, &phone.Error{Key: phone.KeyCallState, Message: "a conference takes established calls; call " + id + " is " + st.String()}
	}
	if f.following() {
		return nil, errFollowing("a local conference")
	}
	uc, ok := c.(*ua.Call)
	if !ok {
		return nil, &phone.Error{Key: phone.KeyNotSupported, Message: "a local conference mixes WebRTC calls only; call " + id + " is on the RTMP path"}
	}
	s, ok := uc.Media().(*media.Session)
	if !ok || s == nil {
		return nil, &phone.Error{Key: phone.KeyNotSupported, Message: "call " + id + " has no browser media to mix"}
	}
	return &confMember{call: c, session: s}, nil
}

// startConference builds the mix of members and sends it; on failure
// every call keeps (or gets back) its microphone. Called with f.conf.op
// held and no conference running.
func (f *facade) startConference(ctx context.Context, members []*confMember) *phone.Error {
	fail := func(err error) *phone.Error {
		var pe *phone.Error
		if errors.As(err, &pe) {
			return pe
		}
		if errors.Is(err, media.ErrClosed) {
			return &phone.Error{Key: phone.KeyCallState, Message: "a call of the conference ended", Err: err}
		}
		return &phone.Error{Key: phone.KeyMedia, Message: "cannot mix the conference: " + err.Error(), Err: err}
	}
	mic := members[0].session.Microphone()
	if mic == nil {
		return fail(errors.New("the call has no microphone"))
	}
	mixer, err := jsbridge.NewMixer(mic)
	if err != nil {
		return fail(err)
	}
	for _, m := range members {
		ra := m.session.RemoteAudio()
		if ra == nil {
			mixer.Close()
			return fail(media.ErrNoRemoteAudio)
		}
		if m.mix, err = mixer.Add(ra.Stream()); err != nil {
			mixer.Close()
			return fail(err)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, mixStartTimeout)
	err = mixer.Run(rctx)
	cancel()
	if err != nil {
		mixer.Close()
		return fail(err)
	}
	for i, m := range members {
		mix := m.mix
		if err := m.session.SendInstead(ctx, mix.Stream(), func(muted bool) { _ = mix.SetMicEnabled(!muted) }); err != nil {
			for _, done := range members[:i] {
				_ = done.session.SendMicrophone(ctx)
			}
			mixer.Close()
			return fail(err)
		}
	}
	byID := make(map[string]*confMember, len(members))
	for _, m := range members {
		byID[m.call.ID()] = m
	}
	f.conf.mu.Lock()
	f.conf.mixer, f.conf.members = mixer, byID
	f.conf.mu.Unlock()
	return nil
}

// endConference gives every member its microphone back and closes the
// mix. Called with f.conf.op held.
func (f *facade) endConference(ctx context.Context) {
	f.conf.mu.Lock()
	mixer, members := f.conf.mixer, f.conf.members
	f.conf.mixer, f.conf.members = nil, nil
	f.conf.mu.Unlock()
	for _, m := range members {
		if m.call.State() != phone.CallEnded {
			if err := m.session.SendMicrophone(ctx); err != nil && !errors.Is(err, media.ErrClosed) {
				warn("conference: call " + m.call.ID() + " could not get its microphone back: " + err.Error())
			}
		}
	}
	if mixer != nil {
		mixer.Close()
	}
}

// leaveConference takes a call out of the conference; with fewer than two
// members left the conference ends. Called with f.conf.op held.
func (f *facade) leaveConference(ctx context.Context, id string) {
	f.conf.mu.Lock()
	m, ok := f.conf.members[id]
	if ok {
		delete(f.conf.members, id)
	}
	left := len(f.conf.members)
	f.conf.mu.Unlock()
	if !ok {
		return
	}
	m.mix.Remove()
	if left < 2 {
		f.endConference(ctx)
	}
}

// conferenceCallEnded is told of every ended call: a member leaves the
// conference (on its own goroutine: it waits on the browser).
func (f *facade) conferenceCallEnded(c phone.Call) {
	f.conf.mu.Lock()
	_, ok := f.conf.members[c.ID()]
	f.conf.mu.Unlock()
	if !ok {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		f.conf.op.Lock()
		defer f.conf.op.Unlock()
		f.leaveConference(ctx, c.ID())
	}()
}
