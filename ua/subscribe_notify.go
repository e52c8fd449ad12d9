package ua

import (
	"strconv"
	"strings"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/presence"
)

// handleSubscriptionNotify takes a NOTIFY of one of our subscriptions
// (RFC 6665 §4.1.3): it is answered 200, its body reported as a Presence
// event, and its Subscription-State followed. It reports false when the
// NOTIFY belongs to no subscription (it may be a call's).
func (r *registration) handleSubscriptionNotify(req *sipgo.Request, tx sipgo.ServerTransaction) bool {
	k := subDialogKey(req.CallID().Value(), tagOf(req.To().Params))
	r.subs.mu.Lock()
	s := r.subs.byDialog[k]
	gone := r.subs.gone[k]
	r.subs.mu.Unlock()
	if s == nil {
		if gone {
			// The final NOTIFY of a subscription we ended.
			_ = tx.Respond(r.answerNotify(req, 200, "OK"))
			return true
		}
		return false
	}
	event, _, _ := strings.Cut(headerText(req, "Event"), ";")
	if !strings.EqualFold(strings.TrimSpace(event), s.event) {
		res := r.answerNotify(req, 489, "Bad Event")
		res.AppendHeader(sipgo.NewHeader("Allow-Events", s.event))
		_ = tx.Respond(res)
		return true
	}
	s.mu.Lock()
	if s.dlg == nil {
		s.dlg = dialogFromRequest(req, s.localTag)
		s.dlg.localSeq = s.seq
	} else if s.dlg.remoteTag != tagOf(req.From().Params) {
		// A second notifier (a forked SUBSCRIBE): one dialog is enough.
		s.mu.Unlock()
		_ = tx.Respond(r.answerNotify(req, 481, "Subscription Does Not Exist"))
		return true
	} else if !s.dlg.acceptRemoteSeq(req.CSeq().SeqNo) {
		s.mu.Unlock()
		_ = tx.Respond(r.answerNotify(req, 500, "Server Internal Error (CSeq out of order)"))
		return true
	} else {
		s.dlg.refreshTarget(req.Contact())
	}
	gen := s.gen
	state, note, fresh := s.readBody(req)
	s.mu.Unlock()

	// Answered once followed, so that the state is in place when the
	// server sees the 200.
	defer func() { _ = tx.Respond(r.answerNotify(req, 200, "OK")) }()
	sub := parseSubscriptionState(headerText(req, "Subscription-State"))
	if fresh {
		s.report(state, note)
	}
	if sub.state != "terminated" {
		if sub.expires > 0 {
			s.mu.Lock()
			s.armLocked(gen, refreshBefore(sub.expires), func() { s.refresh(gen) })
			s.mu.Unlock()
		}
		return true
	}
	s.terminated(gen, sub, fresh)
	return true
}

// readBody reads the NOTIFY's body: the state, a note, and whether the
// body said anything (a dialog-info document older than the last is
// ignored). s.mu is held.
func (s *subscription) readBody(req *sipgo.Request) (state, note string, fresh bool) {
	body := req.Body()
	if len(strings.TrimSpace(string(body))) == 0 {
		return phone.PresenceUnknown, "", false
	}
	if s.event != phone.EventDialog {
		state, note = presence.State(s.event, body)
		return state, note, true
	}
	info, err := presence.ParseDialogInfo(body)
	if err != nil {
		return phone.PresenceUnknown, err.Error(), true
	}
	state, fresh = s.dialogs.Apply(info)
	return state, "", fresh
}

// terminated follows a NOTIFY that ends the subscription (RFC 6665
// §4.1.3): deactivated, timeout, probation, giveup or no reason mean
// subscribe again (after retry-after when given); rejected, noresource
// and invariant end it for good.
func (s *subscription) terminated(gen int, sub subscriptionState, reported bool) {
	switch sub.reason {
	case "rejected", "noresource", "invariant":
		if !reported {
			s.report(phone.PresenceUnknown, "the subscription ended: "+sub.reason)
		}
		s.stopFor(gen)
		return
	}
	delay := time.Duration(0)
	switch {
	case sub.retryAfter > 0:
		delay = time.Duration(min(sub.retryAfter, maxSubscribeExpires)) * time.Second
	case sub.reason == "probation" || sub.reason == "giveup":
		delay = subscribeRetry
	}
	s.mu.Lock()
	if s.ended || s.gen != gen {
		s.mu.Unlock()
		return
	}
	s.forget()
	s.dlg = nil
	// A new generation: a 2xx to this dialog's SUBSCRIBE still on its way
	// must not revive it.
	s.gen++
	s.serverEnded = s.callID
	gen = s.gen
	if delay == 0 {
		s.mu.Unlock()
		go s.restartIf(gen)
		return
	}
	s.armLocked(gen, delay, func() { s.restartIf(gen) })
	s.mu.Unlock()
}

// subscriptionState is a Subscription-State header (RFC 6665 §8.2.3).
type subscriptionState struct {
	state, reason       string
	expires, retryAfter int
}

func parseSubscriptionState(v string) subscriptionState {
	parts := strings.Split(v, ";")
	st := subscriptionState{state: strings.ToLower(strings.TrimSpace(parts[0]))}
	for _, p := range parts[1:] {
		name, value, _ := strings.Cut(p, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		switch name {
		case "reason":
			st.reason = strings.ToLower(value)
		case "expires":
			st.expires = seconds(value)
		case "retry-after":
			st.retryAfter = seconds(value)
		}
	}
	return st
}

// seconds reads a delta-seconds value, bounded to a day; -1 when it does
// not parse.
func seconds(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return -1
	}
	return min(n, maxSubscribeExpires)
}

func headerText(req *sipgo.Request, name string) string {
	if h := req.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}

// answerNotify is the response to a NOTIFY of a subscription.
func (r *registration) answerNotify(req *sipgo.Request, code int, reason string) *sipgo.Response {
	res := sipgo.NewResponseFromRequest(req, code, reason, nil)
	res.AppendHeader(sipgo.NewHeader("User-Agent", r.ua.cfg.UserAgent))
	return res
}
