package proxy

import (
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/registrar"
)

// Calls set the presence of the users in them, as Kamailio's
// pua_dialoginfo does for every INVITE dialog: from the INVITE until the
// answer the caller and the callee are ringing (dialog-info "early",
// the caller as initiator, the callee as recipient), answered both are
// busy (confirmed), and the call's end makes them idle. A user counts
// its calls: busy while any is answered, else ringing while any rings.
// A call's change is a write to its users' state, as SetPresence is:
// the last write wins.

// flowGrace is how long a call outlives the WebSocket of one of its
// users: a browser that reconnects sends a target refresh in the
// dialog within it; otherwise the call is over for its lamps.
const flowGrace = 30 * time.Second

// callSide is a user whose state a call sets.
type callSide struct {
	id        string         // presence id
	initiator bool           // the caller
	tag       string         // its dialog tag, once known
	flow      registrar.Flow // its connection, when it is a client of ours
	dropped   bool           // its WebSocket closed
}

// callPresence is what one call (proxied, to an extension, or placed by
// Dial) adds to the state of its users.
type callPresence struct {
	callID string
	sides  []*callSide
	state  string // ringing, busy, or idle once over
	timer  *time.Timer
}

// userCalls counts a user's calls by state and direction.
type userCalls struct{ ringIn, ringOut, busyIn, busyOut int }

func (u *userCalls) add(state string, initiator bool, n int) {
	switch {
	case state == PresenceRinging && initiator:
		u.ringOut += n
	case state == PresenceRinging:
		u.ringIn += n
	case state == PresenceBusy && initiator:
		u.busyOut += n
	case state == PresenceBusy:
		u.busyIn += n
	}
}

// startCall makes a call's users ring; sides with no id are left out.
// It returns nil (on which the other methods do nothing) when no side
// is left.
func (p *Proxy) startCall(callID string, sides ...callSide) *callPresence {
	c := &callPresence{callID: callID, state: PresenceIdle}
	for _, s := range sides {
		if s.id = p.presenceID(s.id); s.id != "" {
			c.sides = append(c.sides, &s)
		}
	}
	if len(c.sides) == 0 {
		return nil
	}
	a := &p.pres
	a.mu.Lock()
	if a.calls == nil {
		a.calls = map[string]*callPresence{}
	}
	a.calls[callID] = c
	wake := a.moveLocked(c, PresenceRinging)
	a.mu.Unlock()
	p.wakeAll(wake)
	return c
}

// callAnswered makes a ringing call's users busy; calleeTag and flow are
// the callee's dialog tag and connection (flow empty when it is not a
// client of ours).
func (p *Proxy) callAnswered(c *callPresence, calleeTag string, flow registrar.Flow) {
	if c == nil {
		return
	}
	a := &p.pres
	a.mu.Lock()
	if c.state != PresenceRinging {
		a.mu.Unlock()
		return
	}
	for _, s := range c.sides {
		if !s.initiator {
			s.tag, s.flow = calleeTag, flow
		}
	}
	wake := a.moveLocked(c, PresenceBusy)
	a.mu.Unlock()
	p.wakeAll(wake)
}

// endCall makes a call's users idle (unless other calls keep them
// busy or ringing); once.
func (p *Proxy) endCall(c *callPresence) {
	if c == nil {
		return
	}
	a := &p.pres
	a.mu.Lock()
	if c.state == PresenceIdle {
		a.mu.Unlock()
		return
	}
	wake := a.moveLocked(c, PresenceIdle)
	for _, s := range c.sides {
		if s.dropped {
			s.dropped = false
			a.dropped--
		}
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	if a.calls[c.callID] == c {
		delete(a.calls, c.callID)
	}
	a.mu.Unlock()
	p.wakeAll(wake)
}

// moveLocked moves a call's users to state and returns the watchers of
// those whose state shows differently now. a.mu is held.
func (a *presenceAgent) moveLocked(c *callPresence, state string) []*subscription {
	var wake []*subscription
	for _, s := range c.sides {
		before, beforeDir := a.shownLocked(s.id)
		delete(a.states, s.id) // the last write wins
		if a.users == nil {
			a.users = map[string]*userCalls{}
		}
		u := a.users[s.id]
		if u == nil {
			u = &userCalls{}
			a.users[s.id] = u
		}
		u.add(c.state, s.initiator, -1)
		u.add(state, s.initiator, 1)
		if *u == (userCalls{}) {
			delete(a.users, s.id)
		}
		if now, dir := a.shownLocked(s.id); now != before || dir != beforeDir {
			wake = append(wake, a.watchersLocked(s.id)...)
		}
	}
	c.state = state
	return wake
}

// shownLocked is the state id shows, and the direction of its dialog:
// the one SetPresence set last, else that of its calls. a.mu is held.
func (a *presenceAgent) shownLocked(id string) (state, direction string) {
	if s, ok := a.states[id]; ok {
		return s, "recipient"
	}
	u := a.users[id]
	switch {
	case u == nil:
		return PresenceIdle, "recipient"
	case u.busyIn > 0:
		return PresenceBusy, "recipient"
	case u.busyOut > 0:
		return PresenceBusy, "initiator"
	case u.ringIn > 0:
		return PresenceRinging, "recipient"
	case u.ringOut > 0:
		return PresenceRinging, "initiator"
	}
	return PresenceIdle, "recipient"
}

// watchersLocked are the subscriptions to id. a.mu is held.
func (a *presenceAgent) watchersLocked(id string) []*subscription {
	var subs []*subscription
	for s := range a.subs[id] {
		subs = append(subs, s)
	}
	return subs
}

func (p *Proxy) wakeAll(subs []*subscription) {
	for _, s := range subs {
		s.wake()
	}
}

// byeCall ends the proxied call a BYE is for: the dialog of the answer
// that went upstream (not another device's whose 2xx crossed it).
func (p *Proxy) byeCall(req *sip.Request) {
	fromTag, toTag := tagsOf(req)
	a := &p.pres
	a.mu.Lock()
	c := a.calls[callIDOf(req)]
	match := false
	if c != nil {
		for _, s := range c.sides {
			if !s.initiator && s.tag != "" && (s.tag == fromTag || s.tag == toTag) {
				match = true
			}
		}
	}
	a.mu.Unlock()
	if match {
		p.endCall(c)
	}
}

// callFlowClosed starts the grace of the calls whose user was connected
// over a WebSocket that closed.
func (p *Proxy) callFlowClosed(f registrar.Flow) {
	a := &p.pres
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range a.calls {
		for _, s := range c.sides {
			if s.dropped || s.flow != f {
				continue
			}
			s.dropped = true
			a.dropped++
			if c.timer == nil {
				c.timer = time.AfterFunc(a.grace(), func() { p.callFlowGone(c) })
			}
		}
	}
}

// callRefreshed notes a request in a call from a user whose WebSocket
// had closed, over a new one: its call goes on. Cheap when no flow
// dropped, which is the rule.
func (p *Proxy) callRefreshed(req *sip.Request) {
	a := &p.pres
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.dropped == 0 {
		return
	}
	c := a.calls[callIDOf(req)]
	if c == nil {
		return
	}
	tag, _ := tagsOf(req)
	f := flowOf(req)
	for _, s := range c.sides {
		if s.dropped && tag != "" && s.tag == tag && f != s.flow {
			s.dropped, s.flow = false, f
			a.dropped--
		}
	}
}

// callFlowGone ends a call whose user has not come back.
func (p *Proxy) callFlowGone(c *callPresence) {
	a := &p.pres
	a.mu.Lock()
	c.timer = nil
	gone := false
	for _, s := range c.sides {
		gone = gone || s.dropped
	}
	a.mu.Unlock()
	if gone {
		p.log.Info("call over for presence: a user's connection closed", "call_id", c.callID)
		p.endCall(c)
	}
}

func (a *presenceAgent) grace() time.Duration {
	if a.flowGrace > 0 {
		return a.flowGrace
	}
	return flowGrace
}

// tagsOf are the From and To tags of a request.
func tagsOf(req *sip.Request) (from, to string) {
	if h := req.From(); h != nil {
		from, _ = h.Params.Get("tag")
	}
	if h := req.To(); h != nil {
		to, _ = h.Params.Get("tag")
	}
	return from, to
}

// toTag is the To tag of a response: the callee's, in an answer.
func toTag(res *sip.Response) string {
	if h := res.To(); h != nil {
		tag, _ := h.Params.Get("tag")
		return tag
	}
	return ""
}
