package ua

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/clock"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/presence"
	"github.com/kazoo-softphone/kazoo/sip"
)

// Subscription defaults and bounds (RFC 6665).
const (
	// DefaultSubscribeExpires is the lifetime asked when the page gives none.
	DefaultSubscribeExpires = 3600
	// maxSubscribeExpires bounds the lifetime asked or granted (a day).
	maxSubscribeExpires = 86400
	// subscribeRetry is the wait before subscribing again after a failure
	// or a termination that gave no retry-after.
	subscribeRetry = 60 * time.Second
	// subscribeTimeout bounds one SUBSCRIBE exchange.
	subscribeTimeout = 32 * time.Second
	// maxSubscriptions bounds the URIs watched at once.
	maxSubscriptions = 200
)

// subscription is one (URI, event) watched: one SUBSCRIBE dialog at a
// time (RFC 6665 §4.1). A new dialog replaces the old one after a
// termination, a failed refresh or a reconnect; gen tells their timers
// and answers apart.
type subscription struct {
	r     *registration
	uri   sipgo.Uri
	page  string // the URI as the page gave it, for Presence.URI
	event string

	mu       sync.Mutex
	expires  int // lifetime asked
	gen      int
	callID   string
	localTag string
	seq      uint32      // CSeq of our last SUBSCRIBE before the dialog exists
	dlg      *dialog     // nil until the 2xx or the first NOTIFY
	timer    clock.Timer // the next refresh or retry
	dialogs  presence.Dialogs
	ended    bool
	inflight bool // a SUBSCRIBE waits for its answer
	// serverEnded is the Call-ID of the last dialog the server
	// terminated (no un-SUBSCRIBE for it).
	serverEnded string
}

// subscriptions are a registration's subscriptions, by (URI, event) and
// by dialog (Call-ID and our tag: a NOTIFY may come before the 2xx, when
// their tag is not known yet).
type subscriptions struct {
	mu       sync.Mutex
	byKey    map[string]*subscription
	byDialog map[string]*subscription
	gone     map[string]bool // dialogs we ended: their last NOTIFY gets 200, quietly
}

func subKey(uri sipgo.Uri, event string) string {
	return event + "\x00" + uri.User + "@" + strings.ToLower(uri.Host)
}

func subDialogKey(callID, localTag string) string { return callID + "\x00" + localTag }

// Subscribe watches uris (SIP URIs, user@host or bare users of our
// domain) for event, phone.EventDialog (busy lamp field, RFC 4235) or
// phone.EventPresence (PIDF), asking for expires seconds (0: the
// default). It returns once the SUBSCRIBEs are on their way; each state,
// and each failure (as phone.PresenceUnknown), comes as a Presence event.
// Subscriptions are refreshed before they expire, renewed after a
// reconnect or a termination, and ended (Expires: 0) by Unsubscribe and
// Logout. A URI already watched for event is refreshed with the new
// lifetime.
func (u *UserAgent) Subscribe(ctx context.Context, uris []string, event string, expires int) *phone.Error {
	r := u.current()
	if r == nil {
		return &phone.Error{Key: phone.KeyNotRegistered, Message: "register before subscribing"}
	}
	if event != phone.EventDialog && event != phone.EventPresence {
		return phone.InvalidParameter("event", "%q is not %q or %q", event, phone.EventDialog, phone.EventPresence)
	}
	if expires < 0 || expires > maxSubscribeExpires {
		return phone.InvalidParameter("expires", "must be between 0 (the default, %d) and %d seconds", DefaultSubscribeExpires, maxSubscribeExpires)
	}
	if expires == 0 {
		expires = DefaultSubscribeExpires
	}
	if len(uris) == 0 {
		return phone.InvalidParameter("uris", "is empty: give the URIs or extensions to watch")
	}
	targets := make([]sipgo.Uri, len(uris))
	for i, s := range uris {
		t, err := r.parseTarget("uris", s)
		if err != nil {
			return err
		}
		targets[i] = t
	}
	r.subs.mu.Lock()
	if r.subs.byKey == nil {
		r.subs.byKey = map[string]*subscription{}
		r.subs.byDialog = map[string]*subscription{}
		r.subs.gone = map[string]bool{}
	}
	if len(r.subs.byKey)+len(targets) > maxSubscriptions {
		r.subs.mu.Unlock()
		return phone.InvalidParameter("uris", "too many subscriptions (at most %d)", maxSubscriptions)
	}
	var fresh, again []*subscription
	for i, t := range targets {
		k := subKey(t, event)
		if s := r.subs.byKey[k]; s != nil {
			s.mu.Lock()
			s.expires = expires
			s.mu.Unlock()
			again = append(again, s)
			continue
		}
		s := &subscription{r: r, uri: t, page: strings.TrimSpace(uris[i]), event: event, expires: expires}
		r.subs.byKey[k] = s
		fresh = append(fresh, s)
	}
	r.subs.mu.Unlock()
	for _, s := range fresh {
		go s.restart()
	}
	for _, s := range again {
		go s.refresh(s.generation())
	}
	return nil
}

// Unsubscribe ends the subscriptions to uris (all of them when uris is
// empty), for both events: SUBSCRIBE with Expires: 0 in each dialog,
// waiting for the answers until ctx ends.
func (u *UserAgent) Unsubscribe(ctx context.Context, uris []string) *phone.Error {
	r := u.registration()
	if r == nil {
		return nil
	}
	var keys map[string]bool
	if len(uris) > 0 {
		keys = map[string]bool{}
		for _, s := range uris {
			t, err := r.parseTarget("uris", s)
			if err != nil {
				return err
			}
			keys[subKey(t, phone.EventDialog)] = true
			keys[subKey(t, phone.EventPresence)] = true
		}
	}
	r.unsubscribe(ctx, keys, true)
	return nil
}

// unsubscribe ends the subscriptions whose keys are in keys (all when
// nil). With wait, it waits for the answers to the un-SUBSCRIBEs until
// ctx ends; without, it only writes them (a page going away).
func (r *registration) unsubscribe(ctx context.Context, keys map[string]bool, wait bool) {
	r.subs.mu.Lock()
	var subs []*subscription
	for k, s := range r.subs.byKey {
		if keys == nil || keys[k] {
			subs = append(subs, s)
			delete(r.subs.byKey, k)
		}
	}
	r.subs.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range subs {
		req := s.end()
		if req == nil {
			continue
		}
		if !wait {
			_ = r.cur().tr.WriteMsg(req)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.exchange(ctx, req, 0, nil)
		}()
	}
	wg.Wait()
}

// resubscribe renews every subscription in a new dialog: after a
// reconnect, the server's NOTIFYs would go to the old connection.
func (r *registration) resubscribe() {
	r.subs.mu.Lock()
	subs := make([]*subscription, 0, len(r.subs.byKey))
	for _, s := range r.subs.byKey {
		subs = append(subs, s)
	}
	r.subs.mu.Unlock()
	for _, s := range subs {
		go s.restart()
	}
}

// generation is the current dialog's generation.
func (s *subscription) generation() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen
}

// end stops the subscription for good and returns the un-SUBSCRIBE to
// send (nil when no dialog exists yet).
func (s *subscription) end() *sipgo.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return nil
	}
	s.ended = true
	s.gen++
	if s.timer != nil {
		s.timer.Stop()
	}
	s.forget()
	if s.dlg == nil {
		return nil
	}
	return s.newSubscribe(0)
}

// forget moves the current dialog to the registry's gone set; s.mu is
// held.
func (s *subscription) forget() {
	if s.callID == "" {
		return
	}
	k := subDialogKey(s.callID, s.localTag)
	reg := &s.r.subs
	reg.mu.Lock()
	if reg.byDialog[k] == s {
		delete(reg.byDialog, k)
	}
	if len(reg.gone) >= 4*maxSubscriptions {
		clear(reg.gone)
	}
	reg.gone[k] = true
	reg.mu.Unlock()
}

// restart subscribes in a new dialog.
func (s *subscription) restart() {
	defer s.r.ua.recoverPanic(s.r.ev, "subscribe")
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	s.forget()
	s.gen++
	gen := s.gen
	s.callID = sip.RandomToken(22)
	s.localTag = sip.RandomToken(10)
	s.seq = 0
	s.dlg = nil
	s.dialogs = presence.Dialogs{}
	expires := s.expires
	req := s.newSubscribe(expires)
	reg := &s.r.subs
	reg.mu.Lock()
	reg.byDialog[subDialogKey(s.callID, s.localTag)] = s
	reg.mu.Unlock()
	s.inflight = true
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), subscribeTimeout)
	defer cancel()
	s.answered(gen, s.exchange(ctx, req, expires, nil))
}

// refresh renews the subscription in its dialog (RFC 6665 §4.1.2.1); a
// refresh refused with 481 or another failure starts a new dialog.
func (s *subscription) refresh(gen int) {
	defer s.r.ua.recoverPanic(s.r.ev, "subscription refresh")
	s.mu.Lock()
	if s.ended || s.gen != gen {
		s.mu.Unlock()
		return
	}
	if s.dlg == nil {
		s.mu.Unlock()
		s.restart()
		return
	}
	expires := s.expires
	req := s.newSubscribe(expires)
	s.inflight = true
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), subscribeTimeout)
	defer cancel()
	s.answered(gen, s.exchange(ctx, req, expires, nil))
}

// newSubscribe builds a SUBSCRIBE asking for expires seconds, in the
// dialog once there is one; s.mu is held.
func (s *subscription) newSubscribe(expires int) *sipgo.Request {
	return s.subscribeIn(s.dlg, expires)
}

// subscribeIn builds a SUBSCRIBE in d, or an initial one when d is nil.
func (s *subscription) subscribeIn(d *dialog, expires int) *sipgo.Request {
	r := s.r
	var req *sipgo.Request
	if d != nil {
		req = d.newRequest(r, sipgo.SUBSCRIBE, 0)
	} else {
		s.seq++
		req = r.outOfDialog(sipgo.SUBSCRIBE, s.uri, s.uri, s.callID, s.localTag, s.seq)
		req.AppendHeader(sipgo.NewHeader("User-Agent", r.ua.cfg.UserAgent))
	}
	// Our contact, not our GRUU: a presence server sends its NOTIFYs to
	// the Contact itself (Kamailio's does, without asking the registrar,
	// which alone can resolve a GRUU). The subscription is renewed on
	// every new connection anyway.
	r.mu.Lock()
	contact := &sipgo.ContactHeader{Address: r.contact}
	r.mu.Unlock()
	req.RemoveHeader("Contact")
	req.AppendHeader(contact)
	req.AppendHeader(sipgo.NewHeader("Event", s.event))
	accept := "application/pidf+xml"
	if s.event == phone.EventDialog {
		accept = "application/dialog-info+xml"
	}
	req.AppendHeader(sipgo.NewHeader("Accept", accept))
	exp := sipgo.ExpiresHeader(expires)
	req.AppendHeader(&exp)
	req.AppendHeader(sipgo.NewHeader("Allow", allowMethods))
	req.SetBody(nil)
	return req
}

// answered takes the outcome of a SUBSCRIBE of generation gen: a 2xx
// makes the dialog (if no NOTIFY did) and arms the refresh; a failure is
// reported and, when worth it, retried later in a new dialog.
func (s *subscription) answered(gen int, o outcome) {
	s.mu.Lock()
	s.inflight = false
	if s.ended || s.gen != gen {
		s.mu.Unlock()
		s.orphaned(o)
		return
	}
	if o.res != nil && o.res.IsSuccess() {
		if s.dlg == nil && tagOf(o.res.To().Params) != "" {
			s.dlg = dialogFromResponse(o.req, o.res)
			s.dlg.localSeq = max(s.dlg.localSeq, o.req.CSeq().SeqNo)
		}
		if o.granted == 0 {
			// The server ended it at once; a NOTIFY says why, else retry.
			s.armLocked(gen, subscribeRetry, func() { s.restartIf(gen) })
		} else {
			s.armLocked(gen, refreshBefore(o.granted), func() { s.refresh(gen) })
		}
		s.mu.Unlock()
		return
	}
	inDialog := s.dlg != nil
	s.mu.Unlock()
	code, why := 0, "the SUBSCRIBE got no answer"
	if o.res != nil {
		code = o.res.StatusCode
		why = "the SUBSCRIBE was refused: " + strconv.Itoa(code) + " " + o.res.Reason
	}
	if inDialog && code != 0 && code != 481 && code < 500 && code != 408 && code != 480 {
		// A refresh refused for good (403, 489, …): the subscription ends.
		s.report(phone.PresenceUnknown, why)
		s.stopFor(gen)
		return
	}
	switch {
	case inDialog:
		// 481, 408, 5xx or no answer to a refresh: start again now.
		go s.restartIf(gen)
		return
	case code == 0 || code == 408 || code == 480 || code >= 500:
		s.report(phone.PresenceUnknown, why)
		delay := subscribeRetry
		if o.res != nil {
			if v := headerInt(o.res, "Retry-After"); v > 0 {
				delay = time.Duration(min(v, maxSubscribeExpires)) * time.Second
			}
		}
		s.mu.Lock()
		s.armLocked(gen, delay, func() { s.restartIf(gen) })
		s.mu.Unlock()
	default:
		s.report(phone.PresenceUnknown, why)
		s.stopFor(gen)
	}
}

// orphaned ends the dialog an initial SUBSCRIBE made when the
// subscription was ended or replaced while it waited for its 2xx: the
// server would keep notifying it otherwise.
func (s *subscription) orphaned(o outcome) {
	if o.res == nil || !o.res.IsSuccess() || tagOf(o.res.To().Params) == "" || tagOf(o.req.To().Params) != "" {
		return
	}
	s.mu.Lock()
	dead := o.req.CallID().Value() == s.serverEnded
	s.mu.Unlock()
	if dead {
		return
	}
	d := dialogFromResponse(o.req, o.res)
	d.localSeq = max(d.localSeq, o.req.CSeq().SeqNo)
	req := s.subscribeIn(d, 0)
	ctx, cancel := context.WithTimeout(context.Background(), subscribeTimeout)
	defer cancel()
	s.exchange(ctx, req, 0, d)
}

// restartIf starts a new dialog if gen is still the current one.
func (s *subscription) restartIf(gen int) {
	if s.generation() == gen {
		s.restart()
	}
}

// stopFor ends a subscription the server refused for good, if gen is
// still the current one: it is forgotten (Subscribe may try again).
func (s *subscription) stopFor(gen int) {
	s.mu.Lock()
	if s.ended || s.gen != gen {
		s.mu.Unlock()
		return
	}
	s.ended = true
	s.gen++
	if s.timer != nil {
		s.timer.Stop()
	}
	s.forget()
	s.mu.Unlock()
	reg := &s.r.subs
	reg.mu.Lock()
	if k := subKey(s.uri, s.event); reg.byKey[k] == s {
		delete(reg.byKey, k)
	}
	reg.mu.Unlock()
}

// armLocked arms the subscription's next refresh or retry; s.mu is held.
func (s *subscription) armLocked(gen int, d time.Duration, f func()) {
	if s.ended || s.gen != gen {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	s.timer = s.r.ua.cfg.Clock.AfterFunc(d, f)
}

// refreshBefore is when to refresh a subscription granted for granted
// seconds: at 85 % of it, so the refresh has time to arrive, and never
// sooner than a second.
func refreshBefore(granted int) time.Duration {
	d := time.Duration(granted) * time.Second * 85 / 100
	return max(d, time.Second)
}

// report sends a state to the page.
func (s *subscription) report(state, note string) {
	if s.r.ev.Presence != nil {
		s.r.ev.Presence(phone.Presence{URI: s.page, State: state, Event: s.event, Note: note})
	}
}
