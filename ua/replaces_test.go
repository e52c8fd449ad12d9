package ua

import (
	"context"
	"testing"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

// dialReplacing makes p call user with a Replaces header of value rep.
func dialReplacing(t *testing.T, p *testPhone, user, rep string) *Call {
	t.Helper()
	r := p.ua.current()
	to, err := r.parseTarget("uri", user)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.placeCall(context.Background(), to, []sipgo.Header{sipgo.NewHeader("Replaces", rep)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// replacesOf is the Replaces value naming c's dialog as c's far end sees it.
func replacesOf(c *Call) sip.Replaces {
	c.mu.Lock()
	d := c.dlg
	c.mu.Unlock()
	return sip.Replaces{CallID: d.callID, ToTag: d.remoteTag, FromTag: d.localTag}
}

// noCall checks that p was offered no call.
func noCall(t *testing.T, p *testPhone) {
	t.Helper()
	if len(p.incoming) != 0 {
		t.Fatal("an INVITE with Replaces rang as a new call")
	}
}

func TestAttendedTransfer(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	c := newPhone(t, reg, "1003", nil)

	// A calls B and holds; A calls C (consultation).
	toB, atB := establish(t, a, b, "1002")
	if err := toB.Hold(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	toC, atC := establish(t, a, c, "1003")
	if err := toB.TransferTo(context.Background(), toC); err != nil {
		t.Fatal(err)
	}

	// B follows the REFER: a new call to C, carrying Replaces.
	next := recv(t, b.transferred, "B calls the target")
	rep := recv(t, c.replaced, "C's call is replaced")
	if rep[0] != atC {
		t.Fatal("C replaced another call than its call with A")
	}
	fromB := rep[1]
	h := fromB.invite.GetHeader("Replaces")
	if h == nil {
		t.Fatal("B's INVITE has no Replaces")
	}
	got, err := sip.ParseReplaces(h.Value())
	if err != nil || got != replacesOf(toC) {
		t.Fatalf("B's INVITE Replaces %q, want %q", h.Value(), replacesOf(toC))
	}
	// Like any incoming call, the new one shows its INVITE's header fields.
	if v, ok := header(fromB.ReceivedHeaders(), "Replaces"); !ok || v != h.Value() {
		t.Fatalf("the replacing call's received headers: %v", fromB.ReceivedHeaders())
	}
	noCall(t, c)

	// A learns that it worked; every old leg ends.
	if e := recv(t, a.transfer, "transfer result"); e != nil {
		t.Fatalf("transfer failed: %v", e)
	}
	ends := map[*Call]bool{}
	for range 2 {
		ends[recv(t, a.ended, "A's calls end").c] = true
	}
	if !ends[toB] || !ends[toC] {
		t.Fatal("A's two calls did not both end")
	}
	if e := recv(t, c.ended, "C's call with A ends"); e.c != atC {
		t.Fatal("C ended the new call instead of the old one")
	}
	if e := recv(t, b.ended, "B's call with A ends"); e.c != atB {
		t.Fatal("B ended the new call instead of the old one")
	}

	// B and C talk in one dialog.
	if next.State() != phone.CallEstablished || fromB.State() != phone.CallEstablished {
		t.Fatalf("B %s, C %s", next.State(), fromB.State())
	}
	if next.dlg.callID != fromB.dlg.callID || next.dlg.localTag != fromB.dlg.remoteTag {
		t.Fatal("B and C are not in the same dialog")
	}
	if err := next.SendDTMF(context.Background(), "5"); err != nil {
		t.Fatal(err)
	}
	if err := next.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, c.ended, "the new call ends at C"); e.c != fromB {
		t.Fatal("C ended another call")
	}
}

func TestAttendedTransferNeedsTwoAnsweredCalls(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	toB, _ := establish(t, a, b, "1002")
	for _, other := range []*Call{nil, toB} {
		if e := toB.TransferTo(context.Background(), other); e == nil || e.Key != phone.KeyInvalidParameter {
			t.Fatalf("TransferTo(%v): %v, want invalid_parameter", other, e)
		}
	}
	ringing, err := a.ua.Dial(context.Background(), "1003") // nobody there: 480
	if err != nil {
		t.Fatal(err)
	}
	if e := toB.TransferTo(context.Background(), ringing); e == nil || e.Key != phone.KeyCallState {
		t.Fatalf("TransferTo(unanswered call): %v, want invalid_call_state", e)
	}
}

func TestReplacesRefused(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	c := newPhone(t, reg, "1003", nil)
	toC, atC := establish(t, a, c, "1003")
	live := replacesOf(toC)

	for _, tc := range []struct {
		name string
		rep  string
		code int
	}{
		{"no such dialog", "nosuch@host;to-tag=1;from-tag=2", 481},
		{"tags swapped", sip.Replaces{CallID: live.CallID, ToTag: live.FromTag, FromTag: live.ToTag}.String(), 481},
		{"early-only, answered dialog", sip.Replaces{CallID: live.CallID, ToTag: live.ToTag, FromTag: live.FromTag, EarlyOnly: true}.String(), 486},
		{"malformed", "nosuch;to-tag=1", 400},
	} {
		dialReplacing(t, b, "1003", tc.rep)
		if e := recv(t, b.ended, tc.name).e; e.Code != tc.code || e.Established {
			t.Fatalf("%s: end %+v, want %d", tc.name, e, tc.code)
		}
	}
	noCall(t, c)
	if atC.State() != phone.CallEstablished {
		t.Fatalf("refused Replaces touched the call: %s", atC.State())
	}

	// Once the call is over, replacing it is declined (603).
	if err := toC.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	recv(t, c.ended, "the call ends")
	dialReplacing(t, b, "1003", live.String())
	if e := recv(t, b.ended, "replacing an ended call").e; e.Code != 603 {
		t.Fatalf("end %+v, want 603", e)
	}
}

// An early dialog can be replaced by its caller's side only (RFC 3891
// §3): C's outgoing call ringing at A is picked up by B; the far end's
// own early dialog (A ringing) is 481.
func TestReplacesEarlyDialog(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	c := newPhone(t, reg, "1003", nil)
	out, err := c.ua.Dial(context.Background(), "1001")
	if err != nil {
		t.Fatal(err)
	}
	ringing := recv(t, a.incoming, "A rings")
	recv(t, c.progress, "C hears the ringing")
	early := sip.Replaces{CallID: out.invite.CallID().Value(), ToTag: tagOf(out.invite.From().Params), FromTag: ringing.localTag, EarlyOnly: true}

	// At A, the early dialog is C's: not A's to replace.
	dialReplacing(t, b, "1001", sip.Replaces{CallID: early.CallID, ToTag: early.FromTag, FromTag: early.ToTag}.String())
	if e := recv(t, b.ended, "replacing the far end's early dialog").e; e.Code != 481 {
		t.Fatalf("end %+v, want 481", e)
	}

	// At C, it is C's own: B takes its place, and C cancels its INVITE.
	pickup := dialReplacing(t, b, "1003", early.String())
	rep := recv(t, c.replaced, "C's ringing call is replaced")
	if rep[0] != out {
		t.Fatal("another call was replaced")
	}
	recv(t, b.accepted, "B's call is answered")
	if e := recv(t, a.ended, "A stops ringing"); e.c != ringing || e.e.Code != 487 {
		t.Fatalf("A's end %+v", e.e)
	}
	if e := recv(t, c.ended, "C's INVITE ends"); e.c != out {
		t.Fatal("C ended another call")
	}
	noCall(t, c)
	if pickup.State() != phone.CallEstablished || rep[1].State() != phone.CallEstablished {
		t.Fatalf("B %s, C %s", pickup.State(), rep[1].State())
	}
}

// A REFER whose Refer-To carries a Replaces the transferee cannot read is
// refused with 400; the call goes on.
func TestReferWithBadReplaces(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	toB, atB := establish(t, a, b, "1002")
	_, d, _ := toB.requireEstablished("test")
	if e := toB.refer(context.Background(), d, "<sip:1003@lab.test?Replaces=abc%3Bto-tag%3D1>", nil); e == nil || e.Code != 400 {
		t.Fatalf("REFER with a bad Replaces: %v, want 400", e)
	}
	if atB.State() != phone.CallEstablished || len(b.transferred) != 0 {
		t.Fatal("the transferee followed a bad REFER")
	}
}

// The Refer-To of an attended transfer is the target's GRUU when its
// Contact is one, else its address of record (a bare Contact, e.g. a
// WebSocket client's .invalid host, reaches no one through a proxy).
func TestReplacesTarget(t *testing.T) {
	var aor, gruu, bare sipgo.Uri
	for s, u := range map[string]*sipgo.Uri{
		"sip:1003@lab.test":                          &aor,
		"sip:1003@lab.test;gr=urn:uuid:1?Foo=bar":    &gruu,
		"sip:x7k2@df7jal23ls0d.invalid;transport=ws": &bare,
	} {
		if err := sipgo.ParseUri(s, u); err != nil {
			t.Fatal(err)
		}
	}
	if got := replacesTarget(&dialog{remote: aor, target: gruu}); got.String() != "sip:1003@lab.test;gr=urn:uuid:1" {
		t.Fatalf("with a GRUU: %s", got.String())
	}
	if got := replacesTarget(&dialog{remote: aor, target: bare}); got.String() != "sip:1003@lab.test" {
		t.Fatalf("without a GRUU: %s", got.String())
	}
}
