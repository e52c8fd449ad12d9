package ua

import (
	"context"
	"testing"

	"github.com/kazoo-softphone/kazoo/phone"
)

// A tab that lets its registration go to another (shared tabs) sends no
// BYE and leaves the call's media open, so the next owner can resume
// the call; a call still ringing in gets 480.
func TestRelinquishLeavesTheCallsToTheNextOwner(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", func(o *Options) { o.MaxLines = 2 })
	b := newPhone(t, reg, "1002", nil)
	c := newPhone(t, reg, "1003", nil)
	out, in := establish(t, a, b, "1002")
	am := a.media.last()
	h, ok := out.Handover()
	if !ok {
		t.Fatal("no handover")
	}
	// 1003 calls 1001, which is still ringing when it lets go.
	if _, e := c.ua.Dial(context.Background(), "1001"); e != nil {
		t.Fatal(e)
	}
	recv(t, a.incoming, "incoming call")

	a.ua.Relinquish()
	if e := recv(t, c.ended, "the ringing call's end"); e.e.Code != 480 {
		t.Errorf("the ringing caller got %d %s, want 480", e.e.Code, e.e.Reason)
	}
	if e := recv(t, a.ended, "the relinquished call's end here"); e.c == out && e.e.Originator != phone.BySystem {
		t.Errorf("end here %+v", e.e)
	}
	if am.isClosed() {
		t.Error("the established call's media was closed")
	}
	if in.State() != phone.CallEstablished {
		t.Fatalf("the far end's call is %v: it got a BYE", in.State())
	}
	reg.Unbind("1001")
	a2 := newPhone(t, reg, "1001", nil)
	if _, e := a2.ua.Resume(context.Background(), h, nil); e != nil {
		t.Fatalf("resume after relinquish: %v", e)
	}
	if in.State() != phone.CallEstablished {
		t.Fatal("the far end's call ended")
	}
}
