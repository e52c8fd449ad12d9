package proxy

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/presence"
)

// waitPresence reads ph's presence reports until the last one of each
// event in want has its state; it returns them by event.
func waitPresence(t *testing.T, ph *testPhone, want map[string]string) map[string]phone.Presence {
	t.Helper()
	last := map[string]phone.Presence{}
	for {
		done := true
		for ev, st := range want {
			if last[ev].State != st {
				done = false
			}
		}
		if done {
			return last
		}
		p := recv(t, ph.presence, fmt.Sprint(want))
		last[p.Event] = p
	}
}

func TestPresenceReachesWatchers(t *testing.T) {
	s := start(t, nil)
	a := newPhone(t, s, "1001", false)
	for _, ev := range []string{phone.EventDialog, phone.EventPresence} {
		if err := a.ua.Subscribe(context.Background(), []string{"1002"}, ev, 0); err != nil {
			t.Fatal(err)
		}
		waitPresence(t, a, map[string]string{ev: phone.PresenceIdle}) // the initial NOTIFY
	}
	if err := s.p.SetPresence("sip:1002@lab.test", "busy"); err != nil {
		t.Fatal(err)
	}
	waitPresence(t, a, map[string]string{phone.EventDialog: phone.PresenceBusy, phone.EventPresence: phone.PresenceBusy})
	if err := s.p.SetPresence("1002", "ringing"); err != nil {
		t.Fatal(err)
	}
	got := waitPresence(t, a, map[string]string{phone.EventDialog: phone.PresenceRinging, phone.EventPresence: phone.PresenceIdle})
	if n := got[phone.EventPresence].Note; n != "Ringing" {
		t.Errorf("PIDF note %q", n)
	}
	if err := s.p.SetPresence("1002", "idle"); err != nil {
		t.Fatal(err)
	}
	waitPresence(t, a, map[string]string{phone.EventDialog: phone.PresenceIdle})
	if err := s.p.SetPresence("1002", "away"); err == nil {
		t.Error("an unknown state was taken")
	}
}

func TestPresenceBodiesReadBack(t *testing.T) {
	for state, want := range map[string][2]string{
		"busy":    {phone.PresenceBusy, phone.PresenceBusy},
		"ringing": {phone.PresenceRinging, phone.PresenceIdle},
		"idle":    {phone.PresenceIdle, phone.PresenceIdle},
	} {
		body := dialogInfoBody("sip:a&b@lab.test", `id"<&`, "recipient", 3, state)
		info, err := presence.ParseDialogInfo(body)
		if err != nil || info.Version != 3 || info.Entity != "sip:a&b@lab.test" || !info.Full || len(info.Dialogs) != 1 || info.Dialogs[0].ID != `id"<&` {
			t.Errorf("%s: %+v %v", state, info, err)
		}
		if got, _ := presence.State(phone.EventDialog, body); got != want[0] {
			t.Errorf("dialog-info %s reads %s", state, got)
		}
		if got, _ := presence.State(phone.EventPresence, pidfBody("sip:1002@lab.test", state)); got != want[1] {
			t.Errorf("PIDF %s reads %s", state, got)
		}
	}
}

func TestSubscriptionLifecycleOnTheWire(t *testing.T) {
	s := start(t, nil)
	if err := s.p.SetPresence("room-1", "busy"); err != nil {
		t.Fatal(err)
	}
	r := dialRaw(t, s, "1001")
	for _, tc := range []struct{ ruri, extra, want string }{
		{"sip:1002@lab.test", "Event: message-summary\r\n", "489 Bad Event"},
		{"sip:1002@lab.test", "", "489 Bad Event"},
		{"sip:1002@lab.test", "Event: dialog\r\nExpires: soon\r\n", "400 Bad Expires"},
		// Any id can be watched (a park slot, a lamp a callflow sets).
		{"sip:4242@lab.test", "Event: dialog\r\nExpires: 0\r\n", "200 OK"},
	} {
		if got := status(r.request("SUBSCRIBE", tc.ruri, "<"+tc.ruri+">", tc.extra, "", "1001")); got != tc.want {
			t.Errorf("SUBSCRIBE %s %q: %s, want %s", tc.ruri, tc.extra, got, tc.want)
		}
	}

	// Subscribe, refresh, unsubscribe: an id SetPresence named.
	ruri := "sip:room-1@lab.test"
	res := r.request("SUBSCRIBE", ruri, "<"+ruri+">", "Event: presence\r\nExpires: 600\r\n", "", "1001")
	if status(res) != "200 OK" || header(res, "Expires") != "600" {
		t.Fatalf("SUBSCRIBE: %s", res)
	}
	d := dialogOf(res, ruri)
	n := r.readRequest("NOTIFY")
	r.respondTo(n, 200, "OK")
	if header(n, "Event") != "presence" || !strings.HasPrefix(header(n, "Subscription-State"), "active;expires=") ||
		header(n, "Content-Type") != "application/pidf+xml" {
		t.Errorf("first NOTIFY:\n%s", n)
	}
	if st, _ := presence.State(phone.EventPresence, []byte(n[strings.Index(n, "\r\n\r\n")+4:])); st != phone.PresenceBusy {
		t.Errorf("first NOTIFY says %s", st)
	}
	res = r.inDialogWith(d, "SUBSCRIBE", "Event: presence\r\nExpires: 60\r\n", "")
	if status(res) != "200 OK" || header(res, "Expires") != "60" {
		t.Errorf("refresh: %s", res)
	}
	n = r.readRequest("NOTIFY")
	r.respondTo(n, 200, "OK")
	if !strings.HasPrefix(header(n, "Subscription-State"), "active;expires=") {
		t.Errorf("NOTIFY after the refresh:\n%s", n)
	}
	res = r.inDialogWith(d, "SUBSCRIBE", "Event: presence\r\nExpires: 0\r\n", "")
	if status(res) != "200 OK" {
		t.Errorf("unsubscribe: %s", res)
	}
	n = r.readRequest("NOTIFY")
	r.respondTo(n, 200, "OK")
	if header(n, "Subscription-State") != "terminated;reason=timeout" {
		t.Errorf("final NOTIFY:\n%s", n)
	}
	if got := status(r.inDialogWith(d, "SUBSCRIBE", "Event: presence\r\nExpires: 60\r\n", "")); got != "481 Call/Transaction Does Not Exist" {
		t.Errorf("refresh after the end: %s", got)
	}

	// A subscription that is not refreshed expires.
	r2 := dialRaw(t, s, "1002")
	res = r2.request("SUBSCRIBE", "sip:1001@lab.test", "<sip:1001@lab.test>", "Event: dialog\r\nExpires: 1\r\n", "", "1002")
	if status(res) != "200 OK" {
		t.Fatalf("SUBSCRIBE: %s", status(res))
	}
	n = r2.readRequest("NOTIFY")
	r2.respondTo(n, 200, "OK")
	if st, _ := presence.State(phone.EventDialog, []byte(n[strings.Index(n, "\r\n\r\n")+4:])); st != phone.PresenceIdle || header(n, "Content-Type") != "application/dialog-info+xml" {
		t.Errorf("dialog NOTIFY says %s:\n%s", st, n)
	}
	first := n
	n = r2.readRequest("NOTIFY")
	r2.respondTo(n, 200, "OK")
	if header(n, "Subscription-State") != "terminated;reason=timeout" {
		t.Errorf("NOTIFY at expiry:\n%s", n)
	}
	// The dialog-info version counts the subscription's NOTIFYs.
	for i, m := range []string{first, n} {
		info, err := presence.ParseDialogInfo([]byte(m[strings.Index(m, "\r\n\r\n")+4:]))
		if err != nil || info.Version != i || info.Entity != "sip:1001@lab.test" {
			t.Errorf("NOTIFY %d: version %d entity %q (%v)", i, info.Version, info.Entity, err)
		}
	}
}
