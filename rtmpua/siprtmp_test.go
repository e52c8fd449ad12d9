//go:build !js

package rtmpua

import (
	"context"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/relay"
)

// These run against the fake gateway answering as a plain siprtmp does
// (see gateway), where three things once failed: transfer, a hang-up
// after a reject, and dtmfType 'info'.

// short stands for the few seconds the phone gives a gateway in
// production, so the tests do not wait that long.
const short = 150 * time.Millisecond

// established registers r and makes an answered outgoing call.
func (r *rig) established(t *testing.T) *Call {
	t.Helper()
	if e := r.p.Register(context.Background(), r.opts, r.ev); e != nil {
		t.Fatal(e)
	}
	c, e := r.p.Dial(context.Background(), "1002")
	if e != nil {
		t.Fatal(e)
	}
	r.g.rpc(t, "invite")
	_ = r.g.conn().Send("accepted", "pcmu", nil)
	get(t, r.acc, "accepted")
	return c
}

// siprtmp answers transfer, which it does not have, with a bare _result
// and says nothing more: the page gets transfer_failed.
func TestTransferOnSiprtmpFails(t *testing.T) {
	r := newRigWith(t, Config{TransferConfirmTimeout: short}, relay.Config{})
	c := r.established(t)
	if e := c.Transfer(context.Background(), "1003"); e != nil {
		t.Fatalf("transfer: %v", e)
	}
	r.g.rpc(t, "transfer")
	if e := get(t, r.trans, "transfer outcome"); e == nil || e.Key != phone.KeyTransferFailed {
		t.Fatalf("transfer outcome %v", e)
	}
	if c.State() != phone.CallEstablished {
		t.Fatalf("call %v after a failed transfer", c.State())
	}
}

// kazoo-rtmpgw acknowledges transfer with the REFER's status: the outcome
// may then come later than the few seconds a plain siprtmp gets, and is
// reported once.
func TestTransferOnAnExtendedGateway(t *testing.T) {
	r := newRigWith(t, Config{TransferConfirmTimeout: short}, relay.Config{})
	r.g.mu.Lock()
	r.g.extended = true
	r.g.mu.Unlock()
	c := r.established(t)
	if e := c.Transfer(context.Background(), "1003"); e != nil {
		t.Fatalf("transfer: %v", e)
	}
	r.g.rpc(t, "transfer")
	// The target rings for a while: longer than TransferConfirmTimeout.
	select {
	case e := <-r.trans:
		t.Fatalf("transfer outcome %v before the gateway reported one", e)
	case <-time.After(3 * short):
	}
	_ = r.g.conn().Send("transferred", "200 OK")
	if e := get(t, r.trans, "transfer outcome"); e != nil {
		t.Fatalf("transfer outcome %v", e)
	}
	_ = r.g.conn().Send("transferFailed", "486 Busy Here") // no transfer pending: dropped
	_ = r.g.conn().Send("byed")
	get(t, r.ended, "end")
	select {
	case e := <-r.trans:
		t.Fatalf("a second transfer outcome %v", e)
	default:
	}
}

// Reject an incoming call (siprtmp sends no callback after it), then hang
// up the next outgoing call while it rings (siprtmp drops a pending
// invite silently too): the call ends, and the next one can be made.
func TestRejectThenHangUpARingingCall(t *testing.T) {
	r := newRigWith(t, Config{}, relay.Config{PendingByeTimeout: short})
	if e := r.p.Register(context.Background(), r.opts, r.ev); e != nil {
		t.Fatal(e)
	}
	_ = r.g.conn().Send("invited", `"Bob" <sip:1002@lab.test>`, "<sip:1001@lab.test>")
	in := get(t, r.in, "incoming")
	if e := in.Reject(486); e != nil {
		t.Fatal(e)
	}
	r.g.rpc(t, "reject")
	get(t, r.ended, "end of the rejected call")
	c, e := r.p.Dial(context.Background(), "1003")
	if e != nil {
		t.Fatal(e)
	}
	r.g.rpc(t, "invite")
	_ = r.g.conn().Send("ringing", "180 Ringing")
	if e := c.Hangup(context.Background()); e != nil {
		t.Fatal(e)
	}
	r.g.rpc(t, "bye")
	if end := get(t, r.ended, "end of the hung-up call"); end.Code != 487 || end.Originator != phone.ByLocal {
		t.Fatalf("end %+v", end)
	}
	if _, e := r.p.Dial(context.Background(), "1004"); e != nil {
		t.Fatalf("the next call: %v", e)
	}
}

// When nobody reports the end of a hung-up ringing call (a relay that
// waits long, a gateway that says nothing), the phone ends it itself.
func TestHangupOfARingingCallEndsWithoutTheGateway(t *testing.T) {
	r := newRigWith(t, Config{HangupTimeout: short}, relay.Config{PendingByeTimeout: time.Minute})
	if e := r.p.Register(context.Background(), r.opts, r.ev); e != nil {
		t.Fatal(e)
	}
	c, e := r.p.Dial(context.Background(), "1003")
	if e != nil {
		t.Fatal(e)
	}
	r.g.rpc(t, "invite")
	if e := c.Hangup(context.Background()); e != nil {
		t.Fatal(e)
	}
	if end := get(t, r.ended, "end"); end.Code != 487 || end.Originator != phone.ByLocal {
		t.Fatalf("end %+v", end)
	}
	if _, e := r.p.Dial(context.Background(), "1004"); e != nil {
		t.Fatalf("the next call: %v", e)
	}
}

// dtmfType 'info' on a plain siprtmp: its sendDTMF takes one argument,
// so the digit goes again as RFC 2833, and the rest of the registration
// sends one argument from the start.
func TestDTMFInfoFallsBackOnSiprtmp(t *testing.T) {
	r := newRig(t)
	r.opts.DTMF = phone.DTMFInfo
	c := r.established(t)
	if e := c.SendDTMF(context.Background(), "5#"); e != nil {
		t.Fatalf("sendDTMF: %v", e)
	}
	var got [][]any
	for range 3 {
		got = append(got, r.g.rpc(t, "sendDTMF").Args)
	}
	if len(got[0]) != 2 || got[0][1] != "info" || len(got[1]) != 1 || got[1][0] != "5" || len(got[2]) != 1 || got[2][0] != "#" {
		t.Fatalf("sendDTMF calls %v", got)
	}
}

// A gateway that takes the mode (kazoo-rtmpgw) keeps getting it.
func TestDTMFInfoOnAnExtendedGateway(t *testing.T) {
	r := newRig(t)
	r.g.mu.Lock()
	r.g.extended = true
	r.g.mu.Unlock()
	r.opts.DTMF = phone.DTMFInfo
	c := r.established(t)
	if e := c.SendDTMF(context.Background(), "12"); e != nil {
		t.Fatalf("sendDTMF: %v", e)
	}
	for _, d := range []string{"1", "2"} {
		if a := r.g.rpc(t, "sendDTMF").Args; len(a) != 2 || a[0] != d || a[1] != "info" {
			t.Fatalf("sendDTMF %v", a)
		}
	}
}
