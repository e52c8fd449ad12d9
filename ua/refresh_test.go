package ua

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/clock"
	"github.com/kazoo-softphone/kazoo/internal/siptest"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

// registered returns a user agent registered with the fake registrar on a
// fake clock, with the two REGISTERs of the first exchange consumed.
// Keepalives and the sleep detector are off (their timers would mix with
// the refresh timer) unless a test turns them on.
func registered(t *testing.T, reg *siptest.Registrar) (*UserAgent, *clock.Fake, *recorder) {
	t.Helper()
	return registeredWith(t, reg, func(o *Options) {})
}

func registeredWith(t *testing.T, reg *siptest.Registrar, tweak func(*Options)) (*UserAgent, *clock.Fake, *recorder) {
	t.Helper()
	clock := clock.NewFake()
	u := New(Config{Clock: clock, WakeCheck: -1})
	rec := newRecorder()
	o := options(reg, "1001", "pw-1001")
	o.KeepaliveInterval = -1
	tweak(&o)
	if err := u.Register(context.Background(), o, rec.events()); err != nil {
		t.Fatal(err)
	}
	reg.Next(t, wait)
	reg.Next(t, wait)
	return u, clock, rec
}

// waitPending waits until exactly n timers are armed.
func waitPending(t *testing.T, clock *clock.Fake, n int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for clock.Pending() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d timers armed, want %d", clock.Pending(), n)
		}
		time.Sleep(time.Millisecond) // polling the fake clock, not timing
	}
}

func TestRefreshAtHalfTheGrantedLifetime(t *testing.T) {
	for _, grant := range []int{120, 3600} {
		reg := newRegistrar(t)
		reg.SetGrant(grant)
		u, clock, rec := registered(t, reg)
		half := time.Duration(grant) * time.Second / 2

		clock.Advance(half - time.Second)
		reg.NoRequest(t, 50*time.Millisecond)
		clock.Advance(time.Second)
		refresh := reg.Next(t, wait)
		// The refresh reuses the last challenge (nc=2): one REGISTER, no 401.
		auth := refresh.GetHeader("Authorization")
		if auth == nil || !strings.Contains(auth.Value(), "nc=00000002") {
			t.Fatalf("grant %d: refresh Authorization = %v", grant, auth)
		}
		if refresh.GetHeader("Expires").Value() != "600" {
			t.Fatalf("grant %d: refresh asked for %s", grant, refresh.GetHeader("Expires").Value())
		}
		waitPending(t, clock, 1)
		clock.Advance(half)
		reg.Next(t, wait)
		waitPending(t, clock, 1)
		if rec.connectedCount() != 1 {
			t.Fatalf("onConnected fired %d times; refreshes must not repeat it", rec.connectedCount())
		}
		rec.noError(t, 10*time.Millisecond)
		u.Logout(context.Background())
	}
}

func TestRefreshAfterStaleNonce(t *testing.T) {
	reg := newRegistrar(t)
	reg.SetGrant(300)
	u, clock, rec := registered(t, reg)
	defer u.Logout(context.Background())
	reg.ExpireNonces()
	clock.Advance(150 * time.Second)
	reg.Next(t, wait) // stale → 401 stale=true
	reg.Next(t, wait) // answered with the new nonce → 200
	waitPending(t, clock, 1)
	rec.noError(t, 10*time.Millisecond)
	if !u.Registered() {
		t.Fatal("not registered after a stale-nonce refresh")
	}
}

func TestRefreshRejectedEndsRegistration(t *testing.T) {
	reg := newRegistrar(t)
	reg.SetGrant(120)
	u, clock, rec := registered(t, reg)
	reg.Forbid("1001")
	clock.Advance(60 * time.Second)
	if e := rec.nextError(t); e.Key != phone.KeyForbidden || e.Code != 403 {
		t.Fatalf("error %v", e)
	}
	if u.Registered() || clock.Pending() != 0 {
		t.Fatal("still registered or refreshing after a rejected refresh")
	}
}

func TestLogoutUnregisters(t *testing.T) {
	reg := newRegistrar(t)
	u, clock, rec := registered(t, reg)
	u.Logout(context.Background())
	unreg := reg.Next(t, wait)
	if unreg.GetHeader("Expires").Value() != "0" {
		t.Fatalf("un-REGISTER Expires %s", unreg.GetHeader("Expires").Value())
	}
	if v, _ := unreg.Contact().Params.Get("expires"); v != "0" {
		t.Fatalf("un-REGISTER contact expires=%s", v)
	}
	if n := len(reg.Bindings("1001")); n != 0 {
		t.Fatalf("%d bindings left", n)
	}
	if u.Registered() || clock.Pending() != 0 {
		t.Fatal("still registered after logout")
	}
	rec.noError(t, 50*time.Millisecond) // our own close is not "disconnected"
}

func TestUnloadWritesUnregisterAtOnce(t *testing.T) {
	reg := newRegistrar(t)
	u, _, rec := registered(t, reg)
	u.Unload()
	if unreg := reg.Next(t, wait); unreg.GetHeader("Expires").Value() != "0" {
		t.Fatal("no un-REGISTER on unload")
	}
	rec.noError(t, 50*time.Millisecond)
}

func TestServerDropIsDisconnected(t *testing.T) {
	reg := newRegistrar(t)
	u, clock, rec := registeredWith(t, reg, func(o *Options) { o.ReconnectOff = true })
	reg.DropConnections()
	if e := rec.nextError(t); e.Key != phone.KeyDisconnected {
		t.Fatalf("error %v", e)
	}
	rec.noError(t, 50*time.Millisecond)
	if u.Registered() || clock.Pending() != 0 {
		t.Fatal("still registered, or reconnecting although reconnect is off")
	}
}

func TestRegisterAgainReplacesTheBinding(t *testing.T) {
	reg := newRegistrar(t)
	u, _, rec := registered(t, reg)
	if err := u.Register(context.Background(), options(reg, "1001", "pw-1001"), rec.events()); err != nil {
		t.Fatal(err)
	}
	defer u.Logout(context.Background())
	if unreg := reg.Next(t, wait); unreg.GetHeader("Expires").Value() != "0" {
		t.Fatal("the old binding was not removed first")
	}
	if n := len(reg.Bindings("1001")); n != 1 {
		t.Fatalf("%d bindings, want the new one only", n)
	}
}

func TestIncomingRequests(t *testing.T) {
	reg := newRegistrar(t)
	u, _, _ := registered(t, reg)
	defer u.Logout(context.Background())
	contact := reg.Bindings("1001")[0]
	for _, tc := range []struct {
		method string
		code   int
	}{{"OPTIONS", 200}, {"NOTIFY", 200}, {"MESSAGE", 480}, {"PUBLISH", 405}} { // MESSAGE: no Events.Message
		reg.Send(tc.method + " " + contact + " SIP/2.0\r\n" +
			"Via: SIP/2.0/WS 127.0.0.1:5066;branch=z9hG4bK" + tc.method + "\r\n" +
			"From: <sip:lab.test>;tag=s\r\nTo: <sip:1001@lab.test>\r\nCall-ID: in-" + tc.method + "\r\n" +
			"CSeq: 1 " + tc.method + "\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
		res := reg.NextResponse(t, wait)
		if res.StatusCode != tc.code {
			t.Errorf("%s answered %d, want %d", tc.method, res.StatusCode, tc.code)
		}
		if tc.code == 405 && res.GetHeader("Allow") == nil {
			t.Errorf("405 without Allow")
		}
	}
}

func TestHugeGrantIsBoundedToADay(t *testing.T) {
	reg := newRegistrar(t)
	reg.SetGrant(9_300_000_000) // overflows a time.Duration in ns
	u, clock, _ := registered(t, reg)
	half := time.Duration(sip.MaxGrantedExpires) * time.Second / 2
	clock.Advance(half - time.Second)
	reg.NoRequest(t, 50*time.Millisecond)
	clock.Advance(time.Second)
	reg.Next(t, wait)
	u.Logout(context.Background())
}
