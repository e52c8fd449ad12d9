package proxy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Presence states of SetPresence (Kazoo's manual_presence).
const (
	PresenceIdle    = "idle"
	PresenceRinging = "ringing"
	PresenceBusy    = "busy"
)

// Subscription lifetimes (RFC 6665 §4.1.2.1), in seconds.
const (
	defaultSubscribeExpires = 3600
	maxSubscribeExpires     = 86400
)

// presenceAgent is the proxy's presence server: the state of each
// presence id and who watches it. The zero value is ready.
type presenceAgent struct {
	mu     sync.Mutex
	states map[string]string // set by SetPresence, until a call's change
	subs   map[string]map[*subscription]bool

	calls     map[string]*callPresence // by Call-ID, until over (callstate.go)
	users     map[string]*userCalls    // the calls of each id
	dropped   int                      // call sides whose WebSocket closed
	flowGrace time.Duration            // tests: flowGrace when 0
}

// SetPresence sets the state of presenceID (a user, or any id: a
// conference, a parking slot, "sip:1002@<domain>" is the same as 1002)
// to idle, ringing or busy, and NOTIFYs every subscriber of it: the
// dialog event gets a dialog-info document (RFC 4235) with one dialog,
// confirmed for busy, early for ringing, terminated for idle; the
// presence event a PIDF document (RFC 3863), open, with the state as a
// note (and the RPID activity on-the-phone when busy). Once set, the id
// can be subscribed to even if it is no user. Calls through the proxy
// set the state of their users too (callstate.go): whichever changed it
// last, SetPresence or a call, is what the watchers see.
func (p *Proxy) SetPresence(presenceID, state string) error {
	switch state {
	case PresenceIdle, PresenceRinging, PresenceBusy:
	default:
		return fmt.Errorf("proxy: presence state %q is not idle, ringing or busy", state)
	}
	id := p.presenceID(presenceID)
	if id == "" {
		return errors.New("proxy: empty presence id")
	}
	a := &p.pres
	a.mu.Lock()
	if a.states == nil {
		a.states = map[string]string{}
	}
	a.states[id] = state
	subs := a.watchersLocked(id)
	a.mu.Unlock()
	p.log.Info("presence", "id", id, "state", state, "subscribers", len(subs))
	p.wakeAll(subs)
	return nil
}

// presenceID is the id a presence id or URI names: the user part of a
// URI of our domain, the whole of another.
func (p *Proxy) presenceID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "sip:"), "sips:")
	if user, host, ok := strings.Cut(s, "@"); ok && strings.EqualFold(host, p.cfg.Domain) {
		return user
	}
	return s
}

// presenceState is the state of id and the direction of its dialog:
// idle until SetPresence or a call says more.
func (p *Proxy) presenceState(id string) (state, direction string) {
	p.pres.mu.Lock()
	defer p.pres.mu.Unlock()
	return p.pres.shownLocked(id)
}

// subscribe answers a SUBSCRIBE outside a dialog (RFC 6665 §4.2.1) for
// the presence or dialog event of user: any id of our domain (a user, an
// extension, or a name a callflow's manual_presence sets, such as a park
// slot, which reads idle until set). It is answered 200 with the granted
// Expires, then NOTIFYed its current state.
func (p *Proxy) subscribe(req *sip.Request, tx sip.ServerTransaction, user string) {
	event := eventOf(req)
	if event != "presence" && event != "dialog" {
		p.respond(tx, req, 489, "Bad Event", sip.NewHeader("Allow-Events", "presence, dialog"))
		return
	}
	id := p.presenceID(user)
	if id == "" {
		p.respond(tx, req, 404, "Not Found")
		return
	}
	expires, ok := subscribeExpires(req)
	if !ok {
		p.respond(tx, req, 400, "Bad Expires")
		return
	}
	s := &subscription{p: p, leg: p.uasLeg(req), id: id, event: event, kick: make(chan struct{}, 1)}
	if expires > 0 && !p.registerEndpoint(s.leg.callID, s) {
		p.respond(tx, req, 500, "Call-ID in use")
		return
	}
	res := s.leg.response(req, 200, "OK")
	res.AppendHeader(sip.NewHeader("Expires", strconv.Itoa(expires)))
	if err := tx.Respond(res); err != nil {
		p.endDialog(s.leg.callID)
		return
	}
	go s.run()
	if expires == 0 { // a fetch: one NOTIFY, terminated
		s.terminate("timeout")
		return
	}
	p.pres.mu.Lock()
	if p.pres.subs == nil {
		p.pres.subs = map[string]map[*subscription]bool{}
	}
	if p.pres.subs[id] == nil {
		p.pres.subs[id] = map[*subscription]bool{}
	}
	p.pres.subs[id][s] = true
	p.pres.mu.Unlock()
	s.arm(expires)
	s.wake()
}

// eventOf is the event package of a SUBSCRIBE, lower case.
func eventOf(req *sip.Request) string {
	h := req.GetHeader("Event")
	if h == nil {
		return ""
	}
	e, _, _ := strings.Cut(h.Value(), ";")
	return strings.ToLower(strings.TrimSpace(e))
}

// subscribeExpires is the lifetime granted: the Expires asked (default
// 3600), at most a day.
func subscribeExpires(req *sip.Request) (int, bool) {
	h := req.GetHeader("Expires")
	if h == nil {
		return defaultSubscribeExpires, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(h.Value()))
	if err != nil || n < 0 {
		return 0, false
	}
	return min(n, maxSubscribeExpires), true
}

// subscription is one watcher's dialog: we are its notifier.
type subscription struct {
	p     *Proxy
	leg   *leg
	id    string
	event string
	kick  chan struct{} // a NOTIFY is due

	mu       sync.Mutex
	version  int // the next dialog-info version
	deadline time.Time
	timer    *time.Timer
	reason   string // why it ended; "" while active
}

// arm (re)starts the subscription's lifetime.
func (s *subscription) arm(expires int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
	}
	s.deadline = time.Now().Add(time.Duration(expires) * time.Second)
	s.timer = time.AfterFunc(time.Duration(expires)*time.Second, func() { s.terminate("timeout") })
}

func (s *subscription) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// run sends the NOTIFYs, one at a time (so their CSeqs arrive in
// order), each with the state of the moment, until the final one.
func (s *subscription) run() {
	for {
		select {
		case <-s.kick:
		case <-s.p.ctx.Done():
			return
		}
		if s.notify() {
			return
		}
	}
}

// notify sends one NOTIFY; true when the subscription is over.
func (s *subscription) notify() bool {
	state, direction := s.p.presenceState(s.id)
	s.mu.Lock()
	version := s.version
	s.version++
	reason := s.reason
	left := int(time.Until(s.deadline).Round(time.Second) / time.Second)
	s.mu.Unlock()
	req := s.leg.request(sip.NOTIFY)
	req.AppendHeader(sip.NewHeader("Event", s.event))
	if reason != "" {
		req.AppendHeader(sip.NewHeader("Subscription-State", "terminated;reason="+reason))
	} else {
		req.AppendHeader(sip.NewHeader("Subscription-State", "active;expires="+strconv.Itoa(max(left, 1))))
	}
	entity := "sip:" + s.id
	if !strings.Contains(s.id, "@") {
		entity += "@" + s.p.cfg.Domain
	}
	if s.event == "dialog" {
		req.AppendHeader(sip.NewHeader("Content-Type", "application/dialog-info+xml"))
		req.SetBody(dialogInfoBody(entity, s.id, direction, version, state))
	} else {
		req.AppendHeader(sip.NewHeader("Content-Type", "application/pidf+xml"))
		req.SetBody(pidfBody(entity, state))
	}
	res, err := s.leg.send(s.p.ctx, req)
	if reason != "" {
		return true
	}
	if err != nil || !res.IsSuccess() {
		// 481, a timeout or a dead flow: the watcher is gone (RFC 6665
		// §4.2.2).
		why := "no answer"
		if res != nil {
			why = strconv.Itoa(res.StatusCode)
		}
		s.p.log.Info("subscription dropped: NOTIFY failed", "id", s.id, "event", s.event, "answer", why)
		s.stop("")
		return true
	}
	return false
}

// terminate ends the subscription with a final NOTIFY saying why.
func (s *subscription) terminate(reason string) {
	if s.stop(reason) {
		s.wake()
	}
}

// stop forgets the subscription; false when it already was.
func (s *subscription) stop(reason string) bool {
	s.mu.Lock()
	if s.reason != "" {
		s.mu.Unlock()
		return false
	}
	s.reason = reason
	if reason == "" {
		s.reason = "gone"
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	s.mu.Unlock()
	p := s.p
	p.pres.mu.Lock()
	delete(p.pres.subs[s.id], s)
	if len(p.pres.subs[s.id]) == 0 {
		delete(p.pres.subs, s.id)
	}
	p.pres.mu.Unlock()
	p.mu.Lock()
	if d := p.dialogs[s.leg.callID]; d != nil && d.local == endpoint(s) {
		delete(p.dialogs, s.leg.callID)
	}
	p.mu.Unlock()
	return true
}

func (s *subscription) end()             { s.stop("") }
func (s *subscription) ack(*sip.Request) {}

// handle answers the watcher's requests in the dialog: a SUBSCRIBE
// refreshes (and is NOTIFYed), or ends it with Expires 0.
func (s *subscription) handle(req *sip.Request, tx sip.ServerTransaction) {
	p := s.p
	s.leg.refresh(req)
	switch req.Method {
	case sip.SUBSCRIBE:
		if eventOf(req) != s.event {
			p.respond(tx, req, 489, "Bad Event", sip.NewHeader("Allow-Events", s.event))
			return
		}
		expires, ok := subscribeExpires(req)
		if !ok {
			p.respond(tx, req, 400, "Bad Expires")
			return
		}
		res := s.leg.response(req, 200, "OK")
		res.AppendHeader(sip.NewHeader("Expires", strconv.Itoa(expires)))
		_ = tx.Respond(res)
		if expires == 0 {
			// Worded as the lab's Kamailio logs it, for the tests.
			p.log.Info("unsubscribe " + s.leg.remote.String() + " from " + s.leg.local.String() + " event " + s.event)
			s.terminate("timeout")
			return
		}
		s.arm(expires)
		s.wake()
	case sip.OPTIONS:
		p.respond(tx, req, 200, "OK")
	default:
		p.respond(tx, req, 405, "Method Not Allowed", sip.NewHeader("Allow", "SUBSCRIBE, OPTIONS"))
	}
}
