package ua

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/internal/siptest"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

// leaderGone makes p's user agent vanish as a closed tab does: its
// connection closes without BYE or un-REGISTER, and the registrar forgets
// its binding, so that only the next registration of the user is reached.
func leaderGone(t *testing.T, reg *siptest.Registrar, p *testPhone, user string) {
	t.Helper()
	r := p.ua.detach()
	if r == nil {
		t.Fatal("not registered")
	}
	r.close()
	reg.Unbind(user)
}

// viaJSON sends h through JSON as tabs broadcast it: encoding/json
// writes it, the page reads it back as a parsed tree (HandoverFromTree;
// here encoding/json into an any stands for the browser's JSON.parse).
func viaJSON(t *testing.T, h Handover) Handover {
	t.Helper()
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"callId"`, `"localTag"`, `"remoteTag"`, `"target"`, `"routes"`, `"localSeq"`, `"remoteSeq"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON %s lacks %s", b, key)
		}
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		t.Fatal(err)
	}
	back, err := HandoverFromTree(tree)
	if err != nil {
		t.Fatal(err)
	}
	if !back.StartedAt.Equal(h.StartedAt) || !back.AnsweredAt.Equal(h.AnsweredAt) {
		t.Errorf("times %v %v came back as %v %v", h.StartedAt, h.AnsweredAt, back.StartedAt, back.AnsweredAt)
	}
	back.StartedAt, back.AnsweredAt = h.StartedAt, h.AnsweredAt
	if !reflect.DeepEqual(back, h) {
		t.Errorf("handover\n%+v\ncame back as\n%+v", h, back)
	}
	return back
}

// nextOf returns the next request of method with a CSeq from seq on
// that the server received, skipping others (the call's set-up, read
// only as far as their method: the proxy is forwarding them meanwhile).
func nextOf(t *testing.T, reg *siptest.Registrar, method sipgo.RequestMethod, seq uint32) *sipgo.Request {
	t.Helper()
	for {
		if req := reg.Next(t, wait); req.Method == method && req.CSeq().SeqNo >= seq {
			return req
		}
	}
}

func TestHandoverCarriesTheDialogThroughJSON(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	out, in := establish(t, a, b, "1002")
	if err := out.Hold(context.Background(), true); err != nil {
		t.Fatal(err)
	}

	ho, ok := out.Handover()
	if !ok {
		t.Fatal("no handover of an established outgoing call")
	}
	hi, ok := in.Handover()
	if !ok {
		t.Fatal("no handover of an established incoming call")
	}
	ho, hi = viaJSON(t, ho), viaJSON(t, hi)

	// The two ends describe the same dialog from each side.
	if ho.CallID == "" || ho.CallID != hi.CallID || ho.LocalTag != hi.RemoteTag || ho.RemoteTag != hi.LocalTag {
		t.Errorf("dialog ids %s/%s/%s and %s/%s/%s", ho.CallID, ho.LocalTag, ho.RemoteTag, hi.CallID, hi.LocalTag, hi.RemoteTag)
	}
	if hi.LocalTag != in.localTag || hi.RemoteTag != tagOf(in.invite.From().Params) {
		t.Errorf("incoming tags %s/%s", hi.LocalTag, hi.RemoteTag)
	}
	// Route set: the proxy's Record-Route.
	if want := []string{"sip:proxy.invalid;lr"}; !reflect.DeepEqual(ho.Routes, want) || !reflect.DeepEqual(hi.Routes, want) {
		t.Errorf("routes %q / %q", ho.Routes, hi.Routes)
	}
	// Targets: each side's Contact.
	if want := in.invite.Contact().Address.String(); hi.Target != want {
		t.Errorf("incoming target %s, want %s", hi.Target, want)
	}
	if !strings.Contains(ho.Target, "gr=urn:uuid:") || !strings.HasPrefix(ho.Target, "sip:1002@") {
		t.Errorf("outgoing target %s is not the callee's GRUU", ho.Target)
	}
	// CSeq: the INVITE (1) then the hold re-INVITE (2) from the caller.
	if ho.LocalSeq != 2 || ho.RemoteSeq != 0 || hi.LocalSeq != 0 || hi.RemoteSeq != 2 {
		t.Errorf("CSeq out %d/%d in %d/%d", ho.LocalSeq, ho.RemoteSeq, hi.LocalSeq, hi.RemoteSeq)
	}
	if !ho.Outgoing || hi.Outgoing || ho.ID != out.ID() || hi.ID != in.ID() || !ho.Held || hi.Held {
		t.Errorf("outgoing %v/%v ids %s/%s held %v/%v", ho.Outgoing, hi.Outgoing, ho.ID, hi.ID, ho.Held, hi.Held)
	}
	if hi.Peer != in.RemoteURI() || !strings.HasPrefix(hi.LocalURI, "sip:1002@") || !strings.HasPrefix(hi.RemoteURI, "sip:1001@") {
		t.Errorf("URIs peer %s local %s remote %s", hi.Peer, hi.LocalURI, hi.RemoteURI)
	}
	if hi.AnsweredAt.IsZero() || len(hi.Received) == 0 {
		t.Errorf("answered %v received %v", hi.AnsweredAt, hi.Received)
	}
}

func TestHandoverOfACallNotUp(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	out, err := a.ua.Dial(context.Background(), "1002")
	if err != nil {
		t.Fatal(err)
	}
	in := recv(t, b.incoming, "incoming call")
	recv(t, a.progress, "ringing")
	if _, ok := in.Handover(); ok {
		t.Error("handover of a call ringing in")
	}
	if _, ok := out.Handover(); ok {
		t.Error("handover of a call ringing out")
	}
	if err := in.Reject(0); err != nil {
		t.Fatal(err)
	}
	recv(t, b.ended, "rejected")
	if _, ok := in.Handover(); ok {
		t.Error("handover of an ended call")
	}
}

// TestResumeRefreshesTheTarget: the callee's tab goes; a new user agent of
// the same account takes the call over, checked on the wire.
func TestResumeRefreshesTheTarget(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	out, in := establish(t, a, b, "1002")
	h, ok := in.Handover()
	if !ok {
		t.Fatal("no handover")
	}
	h = viaJSON(t, h)
	leaderGone(t, reg, b, "1002")
	b2 := newPhone(t, reg, "1002", nil)
	tab := &fakeMediaSet{name: "tab"}

	reg.Hold(sipgo.INVITE) // the test plays the far end for the re-INVITE
	reg.Hold(sipgo.ACK)
	type result struct {
		c *Call
		e *phone.Error
	}
	done := make(chan result, 1)
	go func() {
		c, e := b2.ua.Resume(context.Background(), h, tab.factory)
		done <- result{c, e}
	}()
	req := nextOf(t, reg, sipgo.INVITE, h.LocalSeq+1000)
	if req.CallID().Value() != h.CallID || tagOf(req.From().Params) != h.LocalTag || tagOf(req.To().Params) != h.RemoteTag {
		t.Errorf("re-INVITE dialog %s %s %s", req.CallID().Value(), req.From().Value(), req.To().Value())
	}
	if req.Recipient.String() != h.Target {
		t.Errorf("Request-URI %s, want the target %s", req.Recipient.String(), h.Target)
	}
	var routes []string
	for _, r := range req.GetHeaders("Route") {
		routes = append(routes, r.Value())
	}
	if want := []string{"<sip:proxy.invalid;lr>"}; !reflect.DeepEqual(routes, want) {
		t.Errorf("Route %q, want %q", routes, want)
	}
	if cs := req.CSeq(); cs.SeqNo != h.LocalSeq+1000 || cs.MethodName != sipgo.INVITE {
		t.Errorf("CSeq %s, want %d INVITE", cs.Value(), h.LocalSeq+1000)
	}
	if want := b2.ua.current().contactHeader().Address.String(); req.Contact() == nil || req.Contact().Address.String() != want {
		t.Errorf("Contact %v, want the new registration's %s", req.Contact(), want)
	}
	if string(req.Body()) != sdpOf("tab", SendRecv) {
		t.Errorf("offer %q is not the given media's", req.Body())
	}
	answer := sdpOf("far", SendRecv)
	res := sipgo.NewResponseFromRequest(req, 200, "OK", []byte(answer))
	res.AppendHeader(&sipgo.ContactHeader{Address: req.Recipient})
	ct := sipgo.ContentTypeHeader("application/sdp")
	res.AppendHeader(&ct)
	reg.Send(res.String())

	ack := nextOf(t, reg, sipgo.ACK, h.LocalSeq+1000)
	if ack.CSeq().SeqNo != h.LocalSeq+1000 || tagOf(ack.To().Params) != h.RemoteTag {
		t.Errorf("ACK %s / %s", ack.CSeq().Value(), ack.To().Value())
	}
	got := recv(t, done, "Resume")
	if got.e != nil {
		t.Fatal(got.e)
	}
	c := got.c
	if c.ID() != in.ID() || c.State() != phone.CallEstablished || c.RemoteURI() != in.RemoteURI() || c.Outgoing() {
		t.Errorf("resumed call %s %s %s outgoing %v", c.ID(), c.State(), c.RemoteURI(), c.Outgoing())
	}
	if m := tab.last(); m == nil || m.lastAnswer() != answer || c.Media() != m {
		t.Error("the given media did not get the answer")
	}
	if b2.media.last() != nil {
		t.Error("the registration's media factory was used")
	}

	// The far end hangs up: its BYE reaches the resumed call.
	if err := out.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := recv(t, b2.ended, "the resumed call's end")
	if e.c != c || e.e.Originator != phone.ByRemote || !e.e.Established {
		t.Errorf("end %+v of %v", e.e, e.c)
	}
	if !tab.last().isClosed() {
		t.Error("media not closed")
	}
}

// TestResumeOutgoingThenHangup: the caller's tab goes; the call resumed
// elsewhere goes on with the real far end, and our hangup reaches it.
func TestResumeOutgoingThenHangup(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	out, in := establish(t, a, b, "1002")
	h, ok := out.Handover()
	if !ok {
		t.Fatal("no handover")
	}
	h = viaJSON(t, h)
	leaderGone(t, reg, a, "1001")
	a2 := newPhone(t, reg, "1001", nil)

	c, e := a2.ua.Resume(context.Background(), h, nil) // nil: the registration's media
	if e != nil {
		t.Fatal(e)
	}
	m := a2.media.last()
	if m == nil || c.Media() != m || m.lastAnswer() != sdpOf("1002", SendRecv) {
		t.Fatal("the registration's media did not get the far end's answer")
	}
	if got := b.media.last().lastOffer(); got != sdpOf("1001", SendRecv) {
		t.Errorf("the far end got the offer %q", got)
	}
	in.dlg.mu.Lock()
	target, seq := in.dlg.target.String(), in.dlg.remSeq
	in.dlg.mu.Unlock()
	if want := a2.ua.current().contactHeader().Address.String(); target != want || seq != h.LocalSeq+1000 {
		t.Errorf("far end: target %s CSeq %d, want %s %d", target, seq, want, h.LocalSeq+1000)
	}
	if !c.Outgoing() || c.ID() != out.ID() || c.CallerNumber() != "1002" {
		t.Errorf("resumed call %s outgoing %v number %s", c.ID(), c.Outgoing(), c.CallerNumber())
	}

	if err := c.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, b.ended, "the far end's end"); e.c != in || e.e.Originator != phone.ByRemote {
		t.Errorf("far end %+v", e.e)
	}
	if e := recv(t, a2.ended, "the resumed call's end"); e.c != c || e.e.Originator != phone.ByLocal {
		t.Errorf("resumed end %+v", e.e)
	}
	in.dlg.mu.Lock()
	seq = in.dlg.remSeq
	in.dlg.mu.Unlock()
	if seq != h.LocalSeq+1001 {
		t.Errorf("BYE CSeq %d, want %d", seq, h.LocalSeq+1001)
	}
}

func TestResumeEndsTheCallOn481(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	_, in := establish(t, a, b, "1002")
	h, _ := in.Handover()
	leaderGone(t, reg, b, "1002")
	b2 := newPhone(t, reg, "1002", nil)

	reg.Hold(sipgo.INVITE)
	reg.Hold(sipgo.ACK)
	done := make(chan *phone.Error, 1)
	var c *Call
	go func() {
		var e *phone.Error
		c, e = b2.ua.Resume(context.Background(), h, nil)
		done <- e
	}()
	req := nextOf(t, reg, sipgo.INVITE, h.LocalSeq+1000)
	reg.Send(sipgo.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil).String())
	e := recv(t, done, "Resume")
	if e == nil || e.Key != phone.KeyCallState || e.Code != 481 {
		t.Fatalf("error %v", e)
	}
	end := recv(t, b2.ended, "the call's end")
	if end.c != c || end.e.Originator != phone.BySystem || end.e.Code != 481 || c.State() != phone.CallEnded {
		t.Errorf("end %+v, state %s", end.e, c.State())
	}
	if len(b2.ua.current().liveCalls()) != 0 {
		t.Error("the call is still known")
	}
}

func TestResumeNeedsARegistration(t *testing.T) {
	h := Handover{CallID: "c", LocalTag: "l", RemoteTag: "r", LocalURI: "sip:1@lab.test",
		RemoteURI: "sip:2@lab.test", Target: "sip:2@h.invalid", Peer: "sip:2@lab.test"}
	if _, e := New(Config{}).Resume(context.Background(), h, nil); e == nil || e.Key != phone.KeyNotRegistered {
		t.Errorf("error %v", e)
	}
	h.Target = ""
	if _, e := New(Config{}).Resume(context.Background(), h, nil); e == nil || e.Key != phone.KeyInvalidParameter {
		t.Errorf("error %v", e)
	}
}

func TestAcceptWithMediaUsesTheGivenFactory(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	if _, err := a.ua.Dial(context.Background(), "1002"); err != nil {
		t.Fatal(err)
	}
	in := recv(t, b.incoming, "incoming call")
	tab := &fakeMediaSet{name: "tab"}
	if err := in.AcceptWithMedia(context.Background(), phone.AcceptOptions{}, tab.factory); err != nil {
		t.Fatal(err)
	}
	recv(t, a.accepted, "accepted")
	if m := tab.last(); m == nil || in.Media() != m || m.lastOffer() != sdpOf("1001", SendRecv) {
		t.Error("the given media did not answer the offer")
	}
	if b.media.last() != nil {
		t.Error("the registration's media factory was used")
	}
	if got := a.media.last().lastAnswer(); got != sdpOf("tab", SendRecv) {
		t.Errorf("the caller got the answer %q", got)
	}
}

func TestDialogGoneAfterAFailedReinvite(t *testing.T) {
	for _, tc := range []struct {
		e    *phone.Error
		code int
		gone bool
	}{
		{&phone.Error{Key: phone.KeyRequestFailed, Code: 481}, 481, true},
		{&phone.Error{Key: phone.KeyRequestFailed, Code: 408}, 408, true},
		{&phone.Error{Key: phone.KeyRequestFailed, Err: context.DeadlineExceeded}, 408, true},
		{&phone.Error{Key: phone.KeyRequestFailed, Err: sipgo.ErrTransactionTimeout}, 408, true},
		{&phone.Error{Key: phone.KeyRequestFailed, Code: 488}, 0, false},
		{&phone.Error{Key: phone.KeyRequestFailed, Err: context.Canceled}, 0, false},
		{&phone.Error{Key: phone.KeyRequestFailed, Err: sip.ErrConnectionLost}, 0, false},
		{&phone.Error{Key: phone.KeyMedia, Err: context.DeadlineExceeded}, 0, false},
	} {
		if code, gone := dialogGone(tc.e); code != tc.code || gone != tc.gone {
			t.Errorf("%+v: %d %v, want %d %v", tc.e, code, gone, tc.code, tc.gone)
		}
	}
}
