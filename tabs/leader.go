package tabs

import (
	"context"
	"time"

	"sync"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/ua"
)

// requestTimeout bounds what a follower's request may take at the leader
// (an answer waits for the answering tab's microphone).
const requestTimeout = 40 * time.Second

// Host is what the leader's user agent does for the other tabs.
type Host interface {
	// Dial places a call whose media comes from media.
	Dial(ctx context.Context, target string, headers []phone.Header, media ua.MediaFactory) (phone.Call, *phone.Error)
	// Accept answers c with media from media.
	Accept(ctx context.Context, c phone.Call, o phone.AcceptOptions, media ua.MediaFactory) *phone.Error
	SendMessage(ctx context.Context, target, body, contentType string, headers []phone.Header) (*phone.MessageResult, *phone.Error)
	Registered() bool
	// Dialog is the handover of an established call (nil when there is
	// none), carried in its snapshot, as JSON, for the tab that may take
	// over.
	Dialog(c phone.Call) any
}

// Leader is the tab that holds the registration: it publishes what its
// user agent does and serves the followers' requests.
type Leader struct {
	t    *Tab
	host Host

	mu     sync.Mutex
	calls  map[string]*leaderCall
	media  map[string]*RemoteMedia
	tabs   map[string]bool // followers that said hello and not bye
	closed bool
}

type leaderCall struct {
	c        phone.Call
	mediaTab string
	mediaID  string
}

// Lead makes t the leader, serving host to the other tabs, and tells
// them so (a follower that was waiting for a leader asks for the state).
func Lead(t *Tab, host Host) *Leader {
	l := &Leader{t: t, host: host, calls: map[string]*leaderCall{}, media: map[string]*RemoteMedia{}, tabs: map[string]bool{}}
	t.setRole(l)
	return l
}

// Announce sends the whole state to every tab: a new leader's first
// word, once it is registered and has taken the calls over.
func (l *Leader) Announce() {
	l.t.send(Msg{T: tState, Leader: true, Data: mustJSON(l.state())})
}

// Followers reports whether another tab follows this one.
func (l *Leader) Followers() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.tabs) > 0
}

// Close stops leading: the other tabs are told that the leader leaves.
func (l *Leader) Close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	l.mu.Unlock()
	l.t.dropRole(l)
	l.t.send(Msg{T: tBye, Leader: true})
}

func (l *Leader) addMedia(m *RemoteMedia) {
	l.mu.Lock()
	l.media[m.id] = m
	l.mu.Unlock()
}

func (l *Leader) dropMedia(id string) {
	l.mu.Lock()
	delete(l.media, id)
	l.mu.Unlock()
}

// AdoptMedia is the factory of a call taken over whose audio stays in
// another tab's existing session.
func (l *Leader) AdoptMedia(tab, id string) ua.MediaFactory {
	return func(_ context.Context, ev ua.MediaEvents) (ua.Media, error) {
		m := &RemoteMedia{l: l, tab: tab, id: id, ev: ev}
		l.addMedia(m)
		return m, nil
	}
}

// Own records that c's audio is in tab's session id (a follower placed,
// answered or kept it).
func (l *Leader) Own(c phone.Call, tab, id string) {
	l.mu.Lock()
	lc := l.callLocked(c)
	lc.mediaTab, lc.mediaID = tab, id
	l.mu.Unlock()
}

// callLocked returns c's record, made on first sight. l.mu is held.
func (l *Leader) callLocked(c phone.Call) *leaderCall {
	lc := l.calls[c.ID()]
	if lc == nil {
		lc = &leaderCall{c: c}
		l.calls[c.ID()] = lc
	}
	lc.c = c
	return lc
}

// Info is c's snapshot.
func (l *Leader) Info(c phone.Call) CallInfo {
	l.mu.Lock()
	lc := l.callLocked(c)
	tab, id := lc.mediaTab, lc.mediaID
	l.mu.Unlock()
	st := c.State()
	if st != phone.CallRinging && tab == "" {
		tab = l.t.ID // answered or placed here
	}
	info := CallInfo{
		ID: c.ID(), Outgoing: c.Outgoing(), CallerName: c.CallerName(), CallerNumber: c.CallerNumber(),
		RemoteURI: c.RemoteURI(), RemoteName: c.RemoteName(), LocalURI: c.LocalURI(), State: st.String(),
		StartedAt: c.StartedAt(), AnsweredAt: c.AnsweredAt(), Received: c.ReceivedHeaders(), Muted: c.Muted(),
		MediaTab: tab, MediaID: id,
	}
	if st == phone.CallEstablished {
		info.Dialog = l.host.Dialog(c)
	}
	return info
}

// AudioHere reports whether c's audio is in the leader's tab.
func (l *Leader) AudioHere(c phone.Call) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	lc := l.calls[c.ID()]
	return lc == nil || lc.mediaTab == "" || lc.mediaTab == l.t.ID
}

func (l *Leader) state() stateData {
	l.mu.Lock()
	list := make([]phone.Call, 0, len(l.calls))
	for _, lc := range l.calls {
		if lc.c.State() != phone.CallEnded {
			list = append(list, lc.c)
		}
	}
	l.mu.Unlock()
	s := stateData{Registered: l.host.Registered(), Calls: []CallInfo{}}
	for _, c := range list {
		s.Calls = append(s.Calls, l.Info(c))
	}
	return s
}

// publish sends event op about c (nil: none) to every tab.
func (l *Leader) publish(op string, c phone.Call, d eventData) {
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return // what a leaving leader's user agent says is not news
	}
	if c != nil {
		info := l.Info(c)
		d.Call = &info
	}
	l.t.send(Msg{T: tEvent, Op: op, Data: mustJSON(d)})
}

// The user agent's events, published to the other tabs. The leader's
// page hears them from its own user agent.

func (l *Leader) Connected()              { l.publish(evConnected, nil, eventData{}) }
func (l *Leader) Error(e *phone.Error)    { l.publish(evError, nil, eventData{Error: wireError(e)}) }
func (l *Leader) Incoming(c phone.Call)   { l.publish(evIncoming, c, eventData{}) }
func (l *Leader) Accepted(c phone.Call)   { l.publish(evAccepted, c, eventData{}) }
func (l *Leader) Update(c phone.Call)     { l.publish(evUpdate, c, eventData{}) }
func (l *Leader) Message(m phone.Message) { l.publish(evMessage, nil, eventData{Message: &m}) }

func (l *Leader) Notified(n phone.Notification) {
	l.publish(evNotified, nil, eventData{Notification: &wireNotification{Key: n.Key, Message: n.Message, Fields: n.Fields}})
}

func (l *Leader) Progress(c phone.Call, code int, early bool) {
	l.publish(evProgress, c, eventData{Code: code, Early: early})
}

func (l *Leader) Ended(c phone.Call, e phone.End) {
	l.publish(evEnded, c, eventData{End: toWireEnd(e)})
	l.mu.Lock()
	delete(l.calls, c.ID())
	l.mu.Unlock()
}

func (l *Leader) DTMF(c phone.Call, digit string) { l.publish(evDTMF, c, eventData{Digit: digit}) }

func (l *Leader) Transfer(c phone.Call, err *phone.Error) {
	l.publish(evTransfer, c, eventData{Error: wireError(err)})
}

func (l *Leader) Transferred(old, next phone.Call, target string) {
	info := l.Info(next)
	l.publish(evTransferred, old, eventData{Other: &info, Target: target})
}

// handle serves the other tabs (until Close).
func (l *Leader) handle(m Msg) {
	switch m.T {
	case tHello:
		l.mu.Lock()
		l.tabs[m.From] = true
		l.mu.Unlock()
		l.t.send(Msg{T: tState, To: m.From, Leader: true, Data: mustJSON(l.state())})
	case tBye:
		l.tabLeft(m.From)
	case tReq:
		go l.serve(m)
	case tMediaEvent:
		a, _ := decodeArgs(m.data)
		l.mu.Lock()
		rm := l.media[m.Media]
		l.mu.Unlock()
		if rm != nil {
			rm.event(m.Op, a.Text)
		}
	}
}

// tabLeft ends the calls whose audio was in a tab that left: nobody can
// hear them any more.
func (l *Leader) tabLeft(tab string) {
	l.mu.Lock()
	delete(l.tabs, tab)
	var orphans []phone.Call
	for _, lc := range l.calls {
		if lc.mediaTab == tab {
			orphans = append(orphans, lc.c)
		}
	}
	for _, rm := range l.media {
		if rm.tab == tab {
			rm.gone.Store(true)
		}
	}
	l.mu.Unlock()
	for _, c := range orphans {
		ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
		if c.State() == phone.CallRinging && !c.Outgoing() {
			_ = c.Reject(480)
		} else {
			_ = c.Hangup(ctx)
		}
		cancel()
	}
}

// serve runs a follower's request and answers it.
func (l *Leader) serve(q Msg) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	a, err := decodeArgs(q.data)
	if err != nil {
		l.t.reply(q, tRep, nil, &WireError{Key: phone.KeyInvalidParameter, Message: "bad request"})
		return
	}
	data, e := l.run(ctx, q, a)
	l.t.reply(q, tRep, data, wireError(e))
}

func (l *Leader) find(id string) (phone.Call, *phone.Error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lc := l.calls[id]; lc != nil && lc.c.State() != phone.CallEnded {
		return lc.c, nil
	}
	return nil, &phone.Error{Key: phone.KeyNoCall, Message: "this call is over"}
}

func (l *Leader) run(ctx context.Context, q Msg, a args) (any, *phone.Error) {
	switch q.Op {
	case opDial:
		var owned *RemoteMedia
		c, e := l.host.Dial(ctx, a.Target, a.Headers, l.remoteFactory(q.From, func(m *RemoteMedia) { owned = m }))
		if e != nil {
			return nil, e
		}
		if owned != nil {
			l.Own(c, owned.tab, owned.id)
		}
		info := l.Info(c)
		l.publish(evUpdate, c, eventData{})
		return info, nil
	case opMessage:
		res, e := l.host.SendMessage(ctx, a.Target, a.Text, a.ContentType, a.Headers)
		return res, e
	}
	c, e := l.find(q.Call)
	if e != nil {
		return nil, e
	}
	switch q.Op {
	case opAccept:
		// The host publishes the answer (Accepted) once the 200 OK is sent.
		return nil, l.host.Accept(ctx, c, phone.AcceptOptions{Headers: a.Headers}, l.remoteFactory(q.From, func(m *RemoteMedia) {
			l.Own(c, m.tab, m.id)
		}))
	case opReject:
		return nil, c.Reject(a.Code)
	case opHangup:
		return nil, c.Hangup(ctx)
	case opHold:
		e := c.Hold(ctx, a.Flag)
		l.publish(evUpdate, c, eventData{})
		return nil, e
	case opDTMF:
		return nil, c.SendDTMF(ctx, a.Text)
	case opTransfer:
		return nil, c.Transfer(ctx, a.Target)
	case opMute:
		e := c.SetMuted(a.Flag)
		l.publish(evUpdate, c, eventData{})
		return nil, e
	case opStats:
		return c.Stats(ctx)
	case opLevels:
		lv, e := c.Levels(ctx)
		return toWireLevels(lv), e
	case opMic:
		return nil, c.SetMicrophone(ctx, a.Text)
	case opSpeaker:
		return nil, c.SetSpeaker(ctx, a.Text)
	}
	return nil, &phone.Error{Key: phone.KeyInvalidParameter, Message: "unknown request " + q.Op}
}
