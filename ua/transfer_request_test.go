package ua

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
)

// refused checks that a's transfer of out was declined with 603, that b
// placed no call, and that the call goes on.
func refused(t *testing.T, a, b, c *testPhone, out, in *Call, err *phone.Error) {
	t.Helper()
	if err == nil || err.Key != phone.KeyTransferFailed || err.Code != 603 {
		t.Fatalf("transfer: %v, want transfer_failed with 603", err)
	}
	// b answers the REFER before any INVITE it would send: none came.
	if len(c.incoming) != 0 || len(b.transferred) != 0 {
		t.Fatal("the transferee called the target")
	}
	if out.State() != phone.CallEstablished || in.State() != phone.CallEstablished {
		t.Fatalf("call %s / %s after a declined transfer", out.State(), in.State())
	}
	if err := out.SendDTMF(context.Background(), "1"); err != nil {
		t.Fatalf("the call is unusable after a declined transfer: %v", err)
	}
	if err := out.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	recv(t, b.ended, "the call ends normally")
}

func TestTransferRequestsRefuse(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", func(o *Options) { o.TransferRequests = TransferRefuse })
	c := newPhone(t, reg, "1003", nil)
	c.answer = true
	var asked atomic.Bool
	ask := func(context.Context, *Call, string) bool { asked.Store(true); return true }
	b.askTransfer.Store(&ask)
	out, in := establish(t, a, b, "1002")
	refused(t, a, b, c, out, in, out.Transfer(context.Background(), "1003"))
	if asked.Load() {
		t.Error("TransferRequest was asked although transferRequests is refuse")
	}
}

func TestTransferRequestDeclined(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	c := newPhone(t, reg, "1003", nil)
	c.answer = true
	targets := make(chan string, 1)
	ask := func(_ context.Context, _ *Call, target string) bool { targets <- target; return false }
	b.askTransfer.Store(&ask)
	out, in := establish(t, a, b, "1002")
	err := out.Transfer(context.Background(), "1003")
	if got := recv(t, targets, "TransferRequest"); got != "sip:1003@lab.test" {
		t.Errorf("TransferRequest target %q", got)
	}
	refused(t, a, b, c, out, in, err)
}

func TestTransferRequestUndecidedIsDeclined(t *testing.T) {
	defer func(d time.Duration) { TransferRequestTimeout = d }(TransferRequestTimeout)
	TransferRequestTimeout = 200 * time.Millisecond
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	c := newPhone(t, reg, "1003", nil)
	c.answer = true
	ask := func(ctx context.Context, _ *Call, _ string) bool { <-ctx.Done(); return true }
	b.askTransfer.Store(&ask)
	out, in := establish(t, a, b, "1002")
	refused(t, a, b, c, out, in, out.Transfer(context.Background(), "1003"))
}

func TestTransferRequestAccepted(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	c := newPhone(t, reg, "1003", nil)
	c.answer = true
	ask := func(context.Context, *Call, string) bool { return true }
	b.askTransfer.Store(&ask)
	out, _ := establish(t, a, b, "1002")
	if err := out.Transfer(context.Background(), "1003"); err != nil {
		t.Fatal(err)
	}
	recv(t, b.transferred, "transferred")
	recv(t, c.incoming, "the transfer target rings")
	if e := recv(t, a.transfer, "transfer result"); e != nil {
		t.Fatalf("transfer failed: %v", e)
	}
}

func TestTransferRequestsOption(t *testing.T) {
	reg := newProxy(t)
	o := options(reg, "1001", "pw-1001")
	o.TransferRequests = "sometimes"
	err := New(Config{}).Register(context.Background(), o, Events{})
	if err == nil || err.Key != phone.KeyInvalidParameter || !strings.HasPrefix(err.Message, "transferRequests:") {
		t.Fatalf("register with transferRequests 'sometimes': %v", err)
	}
}
