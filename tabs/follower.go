package tabs

import (
	"context"
	"sync"

	"github.com/kazoo-softphone/kazoo/internal/jsontree"
	"github.com/kazoo-softphone/kazoo/phone"
)

// Events are what a follower tells its page, as a user agent would.
type Events struct {
	Connected   func()
	Error       func(*phone.Error)
	Notified    func(phone.Notification)
	Incoming    func(phone.Call) // nil: incoming calls are not shown here
	Progress    func(phone.Call, int, bool)
	Accepted    func(phone.Call)
	Ended       func(phone.Call, phone.End)
	DTMF        func(phone.Call, string)
	Transfer    func(phone.Call, *phone.Error)
	Transferred func(old, next phone.Call, target string)
	Message     func(phone.Message) // nil: not shown here
}

// Follower is a tab that reaches the registration through the leader:
// a phone.Engine whose calls are the leader's, seen from here.
type Follower struct {
	t  *Tab
	ev Events

	mu         sync.Mutex
	calls      map[string]*Call
	registered bool
	leader     bool   // a leader answered
	leaderTab  string // the tab that leads (or led last)
	left       bool
}

// Follow makes t a follower reporting to ev, and asks for the leader's
// state (it comes when a leader is there, now or later).
func Follow(t *Tab, ev Events) *Follower {
	f := &Follower{t: t, ev: ev, calls: map[string]*Call{}}
	t.setRole(f)
	t.send(Msg{T: tHello})
	return f
}

// Calls are the live calls this tab knows, for a tab about to lead.
func (f *Follower) Calls() []CallInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []CallInfo
	for _, c := range f.calls {
		c.mu.Lock()
		info := c.info
		c.mu.Unlock()
		if info.State != "ended" {
			out = append(out, info)
		}
	}
	return out
}

// LeaderTab is the tab that leads, or led last ("" before any answered).
func (f *Follower) LeaderTab() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.leaderTab
}

// Call is the follower's view of the call id (nil when unknown).
func (f *Follower) Call(id string) *Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[id]
}

// Stop ends following (the tab becomes leader, or leaves) without
// ending any call.
func (f *Follower) Stop() {
	f.mu.Lock()
	f.left = true
	f.mu.Unlock()
	f.t.dropRole(f)
}

// upsert updates the call of info, made on first sight; isNew says so.
func (f *Follower) upsert(info CallInfo) (c *Call, isNew bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c = f.calls[info.ID]
	if c == nil {
		c = &Call{f: f}
		f.calls[info.ID] = c
		isNew = true
	}
	c.mu.Lock()
	c.info = info
	c.mu.Unlock()
	return c, isNew
}

// handle takes a message from the tab (until Stop or leave).
func (f *Follower) handle(m Msg) {
	switch m.T {
	case tState:
		if s, err := decodeState(m.data); err == nil {
			f.mu.Lock()
			f.leaderTab = m.From
			f.mu.Unlock()
			f.applyState(s)
		}
	case tEvent:
		if d, err := decodeEvent(m.data); err == nil {
			f.applyEvent(m.Op, d)
		}
	case tBye:
		if m.Leader {
			f.mu.Lock()
			f.leader = false
			f.mu.Unlock()
		}
	case tHello:
		// another follower; the leader answers it
	}
}

// applyState takes the leader's whole state: calls it no longer has
// ended (their end was missed while there was no leader).
func (f *Follower) applyState(s stateData) {
	f.mu.Lock()
	f.leader = true
	was := f.registered
	f.registered = s.Registered
	seen := map[string]bool{}
	for _, info := range s.Calls {
		seen[info.ID] = true
	}
	var gone []*Call
	for id, c := range f.calls {
		if !seen[id] {
			gone = append(gone, c)
			delete(f.calls, id)
		}
	}
	f.mu.Unlock()
	for _, c := range gone {
		c.setState("ended")
		call(f.ev.Ended, c, phone.End{Originator: phone.BySystem, Reason: "the tab that held the call went away"})
	}
	for _, info := range s.Calls {
		c, isNew := f.upsert(info)
		if isNew && info.State == "ringing" && !info.Outgoing && f.ev.Incoming != nil {
			f.ev.Incoming(c)
		}
	}
	if s.Registered && !was && f.ev.Connected != nil {
		f.ev.Connected()
	}
}

func call[T any](fn func(phone.Call, T), c phone.Call, v T) {
	if fn != nil {
		fn(c, v)
	}
}

func (f *Follower) applyEvent(op string, d eventData) {
	var c *Call
	var isNew bool
	if d.Call != nil {
		c, isNew = f.upsert(*d.Call)
	}
	switch op {
	case evConnected:
		f.mu.Lock()
		f.registered = true
		f.mu.Unlock()
		if f.ev.Connected != nil {
			f.ev.Connected()
		}
	case evError:
		if f.ev.Error != nil && d.Error != nil {
			f.ev.Error(d.Error.phone())
		}
	case evNotified:
		if f.ev.Notified != nil && d.Notification != nil {
			f.ev.Notified(phone.Notification{Key: d.Notification.Key, Message: d.Notification.Message, Fields: d.Notification.Fields})
		}
	case evMessage:
		if f.ev.Message != nil && d.Message != nil {
			f.ev.Message(*d.Message)
		}
	}
	if c == nil {
		return
	}
	switch op {
	case evIncoming:
		if isNew && f.ev.Incoming != nil {
			f.ev.Incoming(c)
		}
	case evProgress:
		if f.ev.Progress != nil {
			f.ev.Progress(c, d.Code, d.Early)
		}
	case evAccepted:
		// The tab that answered an incoming call knows (as with a user
		// agent, the page hears of the calls it answers from accept()).
		if f.ev.Accepted != nil && (c.Outgoing() || !c.AudioHere()) {
			f.ev.Accepted(c)
		}
	case evEnded:
		f.mu.Lock()
		delete(f.calls, c.ID())
		f.mu.Unlock()
		call(f.ev.Ended, c, d.End.end())
	case evDTMF:
		call(f.ev.DTMF, c, d.Digit)
	case evTransfer:
		call(f.ev.Transfer, c, d.Error.phone())
	case evTransferred:
		if d.Other != nil && f.ev.Transferred != nil {
			next, _ := f.upsert(*d.Other)
			f.ev.Transferred(c, next, d.Target)
		}
	}
}

// badAnswer is the error of an answer that cannot be read.
func badAnswer(err error) *phone.Error {
	return &phone.Error{Key: phone.KeyInternal, Message: "bad answer from the leading tab", Err: err}
}

// ask sends a request to the leader and returns its answer's data (nil
// for none), parsed.
func (f *Follower) ask(ctx context.Context, op, callID string, a args) (any, *phone.Error) {
	f.mu.Lock()
	leader := f.leader
	f.mu.Unlock()
	if !leader {
		return nil, &phone.Error{Key: phone.KeyNotRegistered, Message: "the tab that holds this account's registration is not answering; another takes over"}
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	r, err := f.t.request(ctx, Msg{T: tReq, Op: op, Call: callID, Data: mustJSON(a)})
	if err != nil {
		return nil, &phone.Error{Key: phone.KeyNotRegistered, Message: "the tab that holds this account's registration did not answer", Err: err}
	}
	if r.Err != nil {
		return nil, r.Err.phone()
	}
	return r.data, nil
}

// Dial asks the leader to call target with this tab's audio.
func (f *Follower) Dial(ctx context.Context, target string, headers []phone.Header) (phone.Call, *phone.Error) {
	v, e := f.ask(ctx, opDial, "", args{Target: target, Headers: headers})
	if e != nil {
		return nil, e
	}
	info, err := decodeCallInfo(v)
	if err != nil || info.ID == "" {
		return nil, badAnswer(err)
	}
	c, _ := f.upsert(info)
	return c, nil
}

// SendMessage asks the leader to send an instant message.
func (f *Follower) SendMessage(ctx context.Context, target, body, contentType string, headers []phone.Header) (*phone.MessageResult, *phone.Error) {
	v, e := f.ask(ctx, opMessage, "", args{Target: target, Text: body, ContentType: contentType, Headers: headers})
	if e != nil {
		return nil, e
	}
	var res phone.MessageResult
	if v != nil {
		o := jsontree.Obj(v)
		if o == nil {
			return nil, badAnswer(errNotObject)
		}
		res = decodeMessageResult(o)
	}
	return &res, nil
}

// Logout takes this tab out of the group; the registration stays with
// the other tabs.
func (f *Follower) Logout(context.Context) { f.leave() }

// Unload is Logout for a page going away.
func (f *Follower) Unload() { f.leave() }

func (f *Follower) leave() {
	f.mu.Lock()
	if f.left {
		f.mu.Unlock()
		return
	}
	f.left = true
	f.mu.Unlock()
	f.t.dropRole(f)
	f.t.send(Msg{T: tBye})
}

// Reconnection is the leader's business.
func (f *Follower) Reconnect()          {}
func (f *Follower) StartAutoReconnect() {}
func (f *Follower) StopAutoReconnect()  {}
func (f *Follower) Wake()               {}

var _ phone.Engine = (*Follower)(nil)
