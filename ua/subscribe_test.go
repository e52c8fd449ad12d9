package ua

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/clock"
	"github.com/kazoo-softphone/kazoo/internal/siptest"
	"github.com/kazoo-softphone/kazoo/phone"
)

// watcher is a user agent registered on a fake clock whose SUBSCRIBEs
// the test answers itself, as a presence server.
type watcher struct {
	t     *testing.T
	reg   *siptest.Registrar
	u     *UserAgent
	clock *clock.Fake
	rec   *recorder
	seen  chan phone.Presence
	seq   atomic.Int64
}

func newWatcher(t *testing.T) *watcher {
	t.Helper()
	w := &watcher{t: t, reg: newRegistrar(t), clock: clock.NewFake(), rec: newRecorder(), seen: make(chan phone.Presence, 20)}
	w.reg.Hold(sipgo.SUBSCRIBE)
	w.u = New(Config{Clock: w.clock, WakeCheck: -1})
	o := options(w.reg, "1001", "pw-1001")
	o.KeepaliveInterval = -1
	o.RegisterExpires = 7200 // its refresh comes after the subscriptions'
	ev := w.rec.events()
	ev.Presence = func(p phone.Presence) { w.seen <- p }
	if err := w.u.Register(context.Background(), o, ev); err != nil {
		t.Fatal(err)
	}
	w.reg.Next(t, wait)
	w.reg.Next(t, wait)
	t.Cleanup(func() {
		w.reg.SetSilent(true)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		w.u.Logout(ctx)
	})
	return w
}

// nextSubscribe returns the next SUBSCRIBE the user agent sent.
func (w *watcher) nextSubscribe() *sipgo.Request {
	w.t.Helper()
	for {
		req := w.reg.Next(w.t, wait)
		if req.Method == sipgo.SUBSCRIBE {
			return req
		}
	}
}

// answer sends the response to req, with a To tag and extra headers.
func (w *watcher) answer(req *sipgo.Request, code int, reason string, headers ...string) {
	res := sipgo.NewResponseFromRequest(req, code, reason, nil)
	if tagOf(req.To().Params) == "" {
		res.To().Params.Remove("tag")
		res.To().Params.Add("tag", "srv")
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ": ")
		res.AppendHeader(sipgo.NewHeader(name, value))
	}
	w.reg.Send(res.String())
}

// accept answers an initial SUBSCRIBE: 407, then 202 to the one with
// credentials, granting expires. It returns the SUBSCRIBE accepted.
func (w *watcher) accept(expires int) *sipgo.Request {
	w.t.Helper()
	sub := w.nextSubscribe()
	if ch := w.reg.ProxyChallenge(sub); ch != nil {
		w.reg.Send(ch.String())
		sub = w.nextSubscribe()
		if ch := w.reg.ProxyChallenge(sub); ch != nil {
			w.t.Fatalf("the SUBSCRIBE's credentials were refused: %s", sub.GetHeader("Proxy-Authorization"))
		}
	}
	w.answer(sub, 202, "Accepted", fmt.Sprintf("Expires: %d", expires))
	w.settled()
	return sub
}

// notify sends a NOTIFY in sub's dialog and returns the user agent's
// answer.
func (w *watcher) notify(sub *sipgo.Request, state, body string) *sipgo.Response {
	w.t.Helper()
	n := w.seq.Add(1)
	contact := sub.Contact().Address.String()
	event := sub.GetHeader("Event").Value()
	ctype := "application/dialog-info+xml"
	if event == phone.EventPresence {
		ctype = "application/pidf+xml"
	}
	raw := fmt.Sprintf("NOTIFY %s SIP/2.0\r\nVia: SIP/2.0/WS server.invalid;branch=z9hG4bKn%d\r\nMax-Forwards: 70\r\n"+
		"From: <%s>;tag=srv\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d NOTIFY\r\nContact: <sip:presence@127.0.0.1>\r\n"+
		"Event: %s\r\nSubscription-State: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s",
		contact, n, sub.To().Address.String(), sub.From().Value(), sub.CallID().Value(), n, event, state, ctype, len(body), body)
	w.reg.Send(raw)
	for {
		res := w.reg.NextResponse(w.t, wait)
		if res.CSeq().MethodName == sipgo.NOTIFY {
			return res
		}
	}
}

// settled waits until no SUBSCRIBE waits for its answer (the user agent
// took the last answer in).
func (w *watcher) settled() {
	w.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		busy := false
		if r := w.u.registration(); r != nil {
			r.subs.mu.Lock()
			for _, s := range r.subs.byKey {
				s.mu.Lock()
				busy = busy || s.inflight
				s.mu.Unlock()
			}
			r.subs.mu.Unlock()
		}
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatal("a SUBSCRIBE is still waiting for its answer")
		}
		time.Sleep(time.Millisecond) // polling state, not timing
	}
}

// presence waits for the next Presence event.
func (w *watcher) presence() phone.Presence {
	w.t.Helper()
	return siptest.Recv(w.t, w.seen, "a Presence event", wait)
}

func dialogInfo(version int, state string) string {
	return fmt.Sprintf(`<?xml version="1.0"?><dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="%d" state="full" entity="sip:1002@lab.test"><dialog id="d1" direction="recipient"><state>%s</state></dialog></dialog-info>`, version, state)
}

func TestSubscribeDialogReportsPresence(t *testing.T) {
	w := newWatcher(t)
	if err := w.u.Subscribe(context.Background(), []string{"1002"}, phone.EventDialog, 600); err != nil {
		t.Fatal(err)
	}
	sub := w.accept(600)
	if sub.Recipient.String() != "sip:1002@lab.test" || sub.GetHeader("Event").Value() != "dialog" ||
		sub.GetHeader("Accept").Value() != "application/dialog-info+xml" || sub.GetHeader("Expires").Value() != "600" ||
		sub.Contact() == nil || tagOf(sub.To().Params) != "" {
		t.Fatalf("SUBSCRIBE:\n%s", sub)
	}
	for i, tc := range []struct{ dialog, want string }{
		{"early", phone.PresenceRinging}, {"confirmed", phone.PresenceBusy}, {"terminated", phone.PresenceIdle},
	} {
		if res := w.notify(sub, "active;expires=599", dialogInfo(i, tc.dialog)); res.StatusCode != 200 {
			t.Fatalf("NOTIFY answered %d", res.StatusCode)
		}
		p := w.presence()
		if p != (phone.Presence{URI: "1002", State: tc.want, Event: phone.EventDialog}) {
			t.Fatalf("%s: presence %+v", tc.dialog, p)
		}
	}
}

func TestNotifyBeforeTheAcceptAndPIDF(t *testing.T) {
	w := newWatcher(t)
	if err := w.u.Subscribe(context.Background(), []string{"sip:1002@lab.test"}, phone.EventPresence, 0); err != nil {
		t.Fatal(err)
	}
	sub := w.nextSubscribe()
	if ch := w.reg.ProxyChallenge(sub); ch != nil {
		w.reg.Send(ch.String())
		sub = w.nextSubscribe()
	}
	if sub.GetHeader("Accept").Value() != "application/pidf+xml" || sub.GetHeader("Expires").Value() != "3600" {
		t.Fatalf("SUBSCRIBE:\n%s", sub)
	}
	// The first NOTIFY overtakes the 202 (RFC 6665 §4.1.2.4).
	res := w.notify(sub, "active;expires=3600", `<presence xmlns="urn:ietf:params:xml:ns:pidf"><tuple id="a"><status><basic>open</basic></status><note>On the phone</note></tuple></presence>`)
	if res.StatusCode != 200 {
		t.Fatalf("early NOTIFY answered %d", res.StatusCode)
	}
	if p := w.presence(); p.State != phone.PresenceBusy || p.Note != "On the phone" || p.Event != phone.EventPresence {
		t.Fatalf("presence %+v", p)
	}
	w.answer(sub, 202, "Accepted", "Expires: 3600")
	_ = w.notify(sub, "active;expires=3500", `<presence><tuple id="a"><status><basic>closed</basic></status></tuple></presence>`)
	if p := w.presence(); p.State != phone.PresenceOffline {
		t.Fatalf("presence %+v", p)
	}
}

func TestSubscriptionRefreshedBeforeItExpires(t *testing.T) {
	w := newWatcher(t)
	if err := w.u.Subscribe(context.Background(), []string{"1002"}, phone.EventDialog, 600); err != nil {
		t.Fatal(err)
	}
	sub := w.accept(100) // the server grants less than asked
	w.notify(sub, "active;expires=100", dialogInfo(0, "terminated"))
	w.presence()
	waitPending(t, w.clock, 2) // the registration's refresh and the subscription's
	w.clock.Advance(84 * time.Second)
	w.reg.NoRequest(t, 50*time.Millisecond)
	w.clock.Advance(time.Second)
	ref := w.nextSubscribe()
	if ref.CallID().Value() != sub.CallID().Value() || tagOf(ref.To().Params) != "srv" || tagOf(ref.From().Params) != tagOf(sub.From().Params) ||
		ref.CSeq().SeqNo <= sub.CSeq().SeqNo || ref.Recipient.String() != "sip:presence@127.0.0.1" || ref.GetHeader("Expires").Value() != "600" {
		t.Fatalf("refresh is not in the dialog:\n%s", ref)
	}
	w.answer(ref, 200, "OK", "Expires: 600")
	w.settled()
	waitPending(t, w.clock, 2)
	w.clock.Advance(509 * time.Second)
	w.reg.NoRequest(t, 50*time.Millisecond)
	w.clock.Advance(time.Second)
	if again := w.nextSubscribe(); again.CallID().Value() != sub.CallID().Value() {
		t.Fatalf("second refresh:\n%s", again)
	}
}

func TestUnsubscribeAndLogoutSendExpiresZero(t *testing.T) {
	w := newWatcher(t)
	if err := w.u.Subscribe(context.Background(), []string{"1002", "1003"}, phone.EventDialog, 600); err != nil {
		t.Fatal(err)
	}
	subs := map[string]*sipgo.Request{}
	for len(subs) < 2 {
		s := w.nextSubscribe()
		if ch := w.reg.ProxyChallenge(s); ch != nil {
			w.reg.Send(ch.String())
			continue
		}
		w.answer(s, 202, "Accepted", "Expires: 600")
		subs[s.Recipient.User] = s
	}
	done := make(chan struct{})
	go func() { w.u.Unsubscribe(context.Background(), []string{"1002"}); close(done) }()
	un := w.nextSubscribe()
	if un.GetHeader("Expires").Value() != "0" || un.CallID().Value() != subs["1002"].CallID().Value() || tagOf(un.To().Params) != "srv" {
		t.Fatalf("un-SUBSCRIBE:\n%s", un)
	}
	w.answer(un, 200, "OK", "Expires: 0")
	siptest.Recv(t, done, "Unsubscribe to return", wait)
	// The final NOTIFY of the ended subscription is answered, and not reported.
	if res := w.notify(subs["1002"], "terminated;reason=timeout", dialogInfo(5, "terminated")); res.StatusCode != 200 {
		t.Fatalf("final NOTIFY answered %d", res.StatusCode)
	}
	select {
	case p := <-w.seen:
		t.Fatalf("an ended subscription reported %+v", p)
	case <-time.After(50 * time.Millisecond):
	}

	// Logout ends the other one before the un-REGISTER.
	done = make(chan struct{})
	go func() { w.u.Logout(context.Background()); close(done) }()
	un = w.nextSubscribe()
	if un.GetHeader("Expires").Value() != "0" || un.CallID().Value() != subs["1003"].CallID().Value() {
		t.Fatalf("un-SUBSCRIBE on logout:\n%s", un)
	}
	w.answer(un, 200, "OK")
	if unreg := w.reg.Next(t, wait); unreg.Method != sipgo.REGISTER || unreg.GetHeader("Expires").Value() != "0" {
		t.Fatalf("after the un-SUBSCRIBE: %s", unreg.StartLine())
	}
	siptest.Recv(t, done, "Logout to return", wait)
}

func TestTerminatedNotifySubscribesAgainAfterRetryAfter(t *testing.T) {
	w := newWatcher(t)
	if err := w.u.Subscribe(context.Background(), []string{"1002"}, phone.EventDialog, 600); err != nil {
		t.Fatal(err)
	}
	sub := w.accept(600)
	if res := w.notify(sub, "terminated;reason=probation;retry-after=30", ""); res.StatusCode != 200 {
		t.Fatalf("terminated NOTIFY answered %d", res.StatusCode)
	}
	waitPending(t, w.clock, 2)
	w.clock.Advance(29 * time.Second)
	w.reg.NoRequest(t, 50*time.Millisecond)
	w.clock.Advance(time.Second)
	next := w.accept(600)
	if next.CallID().Value() == sub.CallID().Value() || tagOf(next.To().Params) != "" {
		t.Fatalf("not a new subscription:\n%s", next)
	}
	w.notify(next, "active;expires=600", dialogInfo(0, "confirmed"))
	if p := w.presence(); p.State != phone.PresenceBusy {
		t.Fatalf("presence %+v", p)
	}
	// Rejected: the subscription ends for good.
	w.notify(next, "terminated;reason=rejected", "")
	if p := w.presence(); p.State != phone.PresenceUnknown {
		t.Fatalf("presence after rejected %+v", p)
	}
	waitPending(t, w.clock, 1)
}

func TestBadNotifyBodyIsUnknown(t *testing.T) {
	w := newWatcher(t)
	if err := w.u.Subscribe(context.Background(), []string{"1002"}, phone.EventDialog, 600); err != nil {
		t.Fatal(err)
	}
	sub := w.accept(600)
	for _, body := range []string{"<dialog-info><dialog>", "\x00\xff<<>>", `<dialog-info><dialog id="a"><state>confirmed</state></dialog></dialog-info>trailing`} {
		if res := w.notify(sub, "active", body); res.StatusCode != 200 {
			t.Fatalf("NOTIFY answered %d", res.StatusCode)
		}
		if p := w.presence(); p.State != phone.PresenceUnknown || p.Note == "" {
			t.Fatalf("%q: presence %+v", body, p)
		}
	}
	// A NOTIFY of another event in the dialog is refused.
	bad := sub.Clone()
	bad.ReplaceHeader(sipgo.NewHeader("Event", "presence"))
	if res := w.notify(bad, "active", dialogInfo(9, "confirmed")); res.StatusCode != 489 {
		t.Fatalf("wrong-event NOTIFY answered %d", res.StatusCode)
	}
}

func TestSubscribeValidatesAndNeedsARegistration(t *testing.T) {
	u := New(Config{})
	if err := u.Subscribe(context.Background(), []string{"1002"}, phone.EventDialog, 0); err == nil || err.Key != phone.KeyNotRegistered {
		t.Fatalf("unregistered: %v", err)
	}
	w := newWatcher(t)
	for _, tc := range []struct {
		uris    []string
		event   string
		expires int
	}{{[]string{"1002"}, "message-summary", 0}, {nil, "dialog", 0}, {[]string{"bad uri<"}, "dialog", 0}, {[]string{"1002"}, "dialog", -1}} {
		if err := w.u.Subscribe(context.Background(), tc.uris, tc.event, tc.expires); err == nil || err.Key != phone.KeyInvalidParameter {
			t.Fatalf("%+v: %v", tc, err)
		}
	}
	w.reg.NoRequest(t, 50*time.Millisecond)
}

func TestRefusedSubscribeIsUnknown(t *testing.T) {
	w := newWatcher(t)
	if err := w.u.Subscribe(context.Background(), []string{"1002"}, phone.EventDialog, 600); err != nil {
		t.Fatal(err)
	}
	w.answer(w.nextSubscribe(), 489, "Bad Event")
	if p := w.presence(); p.State != phone.PresenceUnknown || !strings.Contains(p.Note, "489") {
		t.Fatalf("presence %+v", p)
	}
	waitPending(t, w.clock, 1) // no retry of a refusal for good
}

func TestSubscribeAgainAfterAReconnect(t *testing.T) {
	w := newWatcher(t)
	if err := w.u.Subscribe(context.Background(), []string{"1002"}, phone.EventDialog, 600); err != nil {
		t.Fatal(err)
	}
	sub := w.accept(600)
	w.reg.DropConnections()
	if e := w.rec.nextError(t); e.Key != phone.KeyDisconnected {
		t.Fatalf("error %v", e)
	}
	waitPending(t, w.clock, 2) // the reconnect attempt and the subscription's refresh
	w.clock.Advance(phone.DefaultReconnectDelay)
	next := w.accept(600)
	if next.CallID().Value() == sub.CallID().Value() || tagOf(next.To().Params) != "" {
		t.Fatalf("not a new subscription after the reconnect:\n%s", next)
	}
	if !w.u.Registered() {
		t.Fatal("subscribed before registering again")
	}
	w.notify(next, "active;expires=600", dialogInfo(0, "early"))
	if p := w.presence(); p.State != phone.PresenceRinging {
		t.Fatalf("presence %+v", p)
	}
}
