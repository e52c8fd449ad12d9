package ua

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/clock"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

// panicky is a transport whose writes panic once armed: a stand-in for a
// bug deep in the stack.
type panicky struct {
	*sip.WSConn
	armed atomic.Bool
}

func (p *panicky) WriteMsg(m sipgo.Message) error {
	if p.armed.Load() {
		panic("injected bug")
	}
	return p.WSConn.WriteMsg(m)
}

// A panic on one of the user agent's own goroutines (here, the refresh)
// becomes an internal_error event; the process lives on and the user
// agent can register again.
func TestPanicOnRefreshBecomesInternalError(t *testing.T) {
	reg := newRegistrar(t)
	reg.SetGrant(120)
	clock := clock.NewFake()
	var tr *panicky
	var panics atomic.Int32
	u := New(Config{
		Clock:     clock,
		WakeCheck: -1,
		OnPanic:   func(error) { panics.Add(1) },
		Dial: func(ctx context.Context, url string) (Transport, error) {
			c, err := sip.DialWS(ctx, url, nil)
			if err != nil {
				return nil, err
			}
			tr = &panicky{WSConn: c}
			return tr, nil
		},
	})
	rec := newRecorder()
	o := options(reg, "1001", "pw-1001")
	o.KeepaliveInterval = -1
	if err := u.Register(context.Background(), o, rec.events()); err != nil {
		t.Fatal(err)
	}
	tr.armed.Store(true)
	clock.Advance(60 * time.Second)
	if e := rec.nextError(t); e.Key != phone.KeyInternal {
		t.Fatalf("error %v, want internal_error", e)
	}
	if panics.Load() != 1 {
		t.Fatalf("OnPanic called %d times", panics.Load())
	}
	tr.armed.Store(false)
	if err := u.Register(context.Background(), o, rec.events()); err != nil {
		t.Fatalf("cannot register after the panic: %v", err)
	}
	u.Logout(context.Background())
}
