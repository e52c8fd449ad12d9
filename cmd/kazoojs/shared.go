//go:build js && wasm

package main

import (
	"context"
	"errors"
	"sync"

	"github.com/google/uuid"

	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/tabs"
	"github.com/kazoo-softphone/kazoo/ua"
)

// shared is a phone's part in a registration shared by the tabs of its
// account (register({sharedTabs: true}), package tabs): this tab follows
// until the browser grants it the account's Web Lock, then leads.
type shared struct {
	tab  *tabs.Tab
	ch   *jsbridge.TabChannel
	lock *jsbridge.TabLock

	mu       sync.Mutex
	follower *tabs.Follower
	leader   *tabs.Leader
	over     bool
}

// registerShared joins the tabs of the account: it follows the leader,
// if there is one, and asks for the lock; when it gets it, this tab
// registers and leads (lead).
func (f *facade) registerShared(opts registration, ev events) *phone.Error {
	name := tabs.ChannelName(opts.web.PublicIdentity, opts.web.WSURL)
	s := &shared{}
	var ch *jsbridge.TabChannel
	var chMu sync.Mutex
	post := func(b []byte) error {
		chMu.Lock()
		c := ch
		chMu.Unlock()
		if c == nil {
			return nil
		}
		return c.Post(string(b))
	}
	s.tab = tabs.NewTab(uuid.NewString(), post, opts.web.Media, f.pg.logger, jsbridge.ParseJSON)
	c, err := jsbridge.OpenTabChannel(name, func(text string) { s.tab.Receive([]byte(text)) })
	if err != nil {
		s.tab.Close()
		return &phone.Error{Key: phone.KeyInternal, Message: "cannot open the tabs' channel: " + err.Error(), Err: err}
	}
	chMu.Lock()
	ch = c
	chMu.Unlock()
	s.ch = c
	s.follower = tabs.Follow(s.tab, ev.forTabs())
	f.sh.Store(s)
	f.use(s.follower)
	lock, err := jsbridge.RequestTabLock(name, func() { f.lead(s, opts, ev) })
	if err != nil {
		f.leaveShared()
		return &phone.Error{Key: phone.KeyInternal, Message: "cannot ask for the tabs' lock: " + err.Error(), Err: err}
	}
	s.mu.Lock()
	s.lock = lock
	s.mu.Unlock()
	return nil
}

// lead makes this tab the leader: it registers (with the instance id
// every tab of the account shares, so the binding of the tab that led
// before is replaced), takes over the established calls the old leader
// published, and tells the other tabs.
func (f *facade) lead(s *shared, opts registration, ev events) {
	s.mu.Lock()
	if s.over {
		s.mu.Unlock()
		return
	}
	handed := s.follower.Calls()
	oldLeader := s.follower.LeaderTab()
	s.follower.Stop()
	var pev events // the page's events, published too (set below)
	l := tabs.Lead(s.tab, tabHost{u: f.webrtc, answered: func(c phone.Call) { pev.accepted(c) }})
	pev = ev.publishedBy(l)
	s.leader = l
	s.mu.Unlock()
	f.use(webrtcPhone{f.webrtc})
	if e := f.webrtc.Register(context.Background(), opts.web, pev.forWebRTC()); e != nil {
		l.Announce() // the followers learn that nobody is registered
		return
	}
	for _, info := range handed {
		f.takeOver(s, l, info, oldLeader, opts.web.Media)
	}
	l.Announce()
}

// takeOver resumes a call the old leader held: its audio stays where it
// is (this tab's session or another follower's), or, when it was in the
// old leader's tab, which is gone, this tab's new media picks it up.
func (f *facade) takeOver(s *shared, l *tabs.Leader, info tabs.CallInfo, oldLeader string, local ua.MediaFactory) {
	if info.State != phone.CallEstablished.String() || info.Dialog == nil {
		return
	}
	h, err := ua.HandoverFromTree(info.Dialog)
	if err != nil {
		return
	}
	media := local
	switch {
	case info.MediaTab == s.tab.ID && s.tab.Media.Session(info.MediaID) != nil:
		id := info.MediaID
		media = func(_ context.Context, ev ua.MediaEvents) (ua.Media, error) {
			if m := s.tab.Media.Adopt(id, ev); m != nil {
				return m, nil
			}
			return nil, errors.New("the call's audio in this tab is gone")
		}
	case info.MediaTab != "" && info.MediaTab != oldLeader && info.MediaID != "":
		media = l.AdoptMedia(info.MediaTab, info.MediaID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	c, e := f.webrtc.Resume(ctx, h, media)
	if c != nil {
		if media != nil && info.MediaTab != oldLeader {
			l.Own(c, info.MediaTab, info.MediaID)
		}
		f.rebind(c)
	}
	if e != nil {
		f.callbacks().error(e)
	}
}

// leaveShared takes this tab out of the account's tabs: a leader with
// followers hands the registration over (no un-REGISTER, no BYE: the
// next leader takes the calls over). It reports whether it handed over.
func (f *facade) leaveShared() (handedOver bool) {
	s := f.sh.Swap(nil)
	if s == nil {
		return false
	}
	s.mu.Lock()
	s.over = true
	l, fo, lock := s.leader, s.follower, s.lock
	s.mu.Unlock()
	if l != nil && l.Followers() {
		l.Close()
		f.webrtc.Relinquish()
		handedOver = true
	} else if l != nil {
		l.Close()
	} else if fo != nil {
		fo.Unload()
	}
	if lock != nil {
		lock.Release()
	}
	s.ch.Close()
	s.tab.Close()
	return handedOver
}

// audioHere reports whether c's audio plays in this tab.
func (f *facade) audioHere(c phone.Call) bool {
	if tc, ok := c.(*tabs.Call); ok {
		return tc.AudioHere()
	}
	s := f.sh.Load()
	if s == nil {
		return true
	}
	s.mu.Lock()
	l := s.leader
	s.mu.Unlock()
	return l == nil || l.AudioHere(c)
}

// sharedUpdate tells the other tabs that c changed here (placed, held,
// muted by this page; accepted: answered by this page).
func (f *facade) sharedUpdate(c phone.Call, accepted bool) {
	s := f.sh.Load()
	if s == nil {
		return
	}
	s.mu.Lock()
	l := s.leader
	s.mu.Unlock()
	switch {
	case l != nil && accepted:
		l.Accepted(c)
	case l != nil:
		l.Update(c)
	}
}

// rebind makes the page's object of a call taken over act on c.
func (f *facade) rebind(c phone.Call) {
	f.mu.Lock()
	t := f.calls[c.ID()]
	if t != nil {
		t.call = c
	}
	f.mu.Unlock()
}

// tabHost is the leader's user agent as the tabs see it.
type tabHost struct {
	u *ua.UserAgent
	// answered: an incoming call was answered in another tab (ua has no
	// event for the calls it answers; the leader's page and the other
	// tabs hear it as onAccepted).
	answered func(phone.Call)
}

func (h tabHost) Dial(ctx context.Context, target string, headers []phone.Header, media ua.MediaFactory) (phone.Call, *phone.Error) {
	c, e := h.u.DialWith(ctx, target, ua.DialOptions{Media: media, Headers: headers})
	if e != nil {
		return nil, e
	}
	return c, nil
}

func (h tabHost) Accept(ctx context.Context, c phone.Call, o phone.AcceptOptions, media ua.MediaFactory) *phone.Error {
	uc, ok := c.(*ua.Call)
	if !ok {
		return &phone.Error{Key: phone.KeyCallState, Message: "this call cannot be answered from another tab"}
	}
	if e := uc.AcceptWithMedia(ctx, o, media); e != nil {
		return e
	}
	h.answered(c)
	return nil
}

func (h tabHost) SendMessage(ctx context.Context, target, body, contentType string, headers []phone.Header) (*phone.MessageResult, *phone.Error) {
	return h.u.SendMessage(ctx, target, body, contentType, headers)
}

func (h tabHost) Registered() bool { return h.u.Registered() }

func (h tabHost) Dialog(c phone.Call) any {
	uc, ok := c.(*ua.Call)
	if !ok {
		return nil
	}
	ho, ok := uc.Handover()
	if !ok {
		return nil
	}
	return ho
}

// forTabs are the follower's events.
func (e events) forTabs() tabs.Events {
	return tabs.Events{
		Connected: e.connected, Error: e.err, Notified: e.notified, Incoming: e.incoming,
		Progress: e.progress, Accepted: e.accepted, Ended: e.ended, DTMF: e.dtmf,
		Transfer: e.transfer, Transferred: e.transferred, Message: e.message,
	}
}

// publishedBy are e, each also published to the other tabs by l. The
// leader takes incoming calls and messages even when its own page does
// not show them: another tab may.
func (e events) publishedBy(l *tabs.Leader) events {
	out := e
	out.connected = func() { e.connected(); l.Connected() }
	out.err = func(x *phone.Error) { e.err(x); l.Error(x) }
	out.notified = func(n phone.Notification) { e.notified(n); l.Notified(n) }
	out.incoming = func(c phone.Call) {
		if e.incoming != nil {
			e.incoming(c)
		}
		l.Incoming(c)
	}
	out.progress = func(c phone.Call, code int, early bool) { e.progress(c, code, early); l.Progress(c, code, early) }
	out.accepted = func(c phone.Call) { l.Accepted(c); e.accepted(c) }
	out.ended = func(c phone.Call, end phone.End) { e.ended(c, end); l.Ended(c, end) }
	out.dtmf = func(c phone.Call, d string) { e.dtmf(c, d); l.DTMF(c, d) }
	out.transfer = func(c phone.Call, err *phone.Error) { e.transfer(c, err); l.Transfer(c, err) }
	out.transferred = func(old, next phone.Call, target string) {
		e.transferred(old, next, target)
		l.Transferred(old, next, target)
	}
	out.message = func(m phone.Message) {
		if e.message != nil {
			e.message(m)
		}
		l.Message(m)
	}
	return out
}
