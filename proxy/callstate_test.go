package proxy

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
)

// lamps is a watcher's dialog subscriptions: the states each watched
// id reported, in order, repeats folded.
type lamps struct {
	t    *testing.T
	ph   *testPhone
	seen map[string][]string
}

// watch registers watcher and subscribes it to the dialog state of ids,
// which start idle.
func watch(t *testing.T, s *server, watcher string, ids ...string) *lamps {
	t.Helper()
	l := &lamps{t: t, ph: newPhone(t, s, watcher, false), seen: map[string][]string{}}
	if err := l.ph.ua.Subscribe(context.Background(), ids, phone.EventDialog, 0); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		l.wait(id, phone.PresenceIdle)
	}
	return l
}

// wait reads the reports until id's lamp says state.
func (l *lamps) wait(id, state string) {
	l.t.Helper()
	for {
		if h := l.seen[id]; len(h) > 0 && h[len(h)-1] == state {
			return
		}
		p := recv(l.t, l.ph.presence, fmt.Sprintf("lamp %s %s (so far %v)", id, state, l.seen))
		if h := l.seen[p.URI]; p.Event == phone.EventDialog && (len(h) == 0 || h[len(h)-1] != p.State) {
			l.seen[p.URI] = append(h, p.State)
		}
	}
}

// saw checks the states id went through.
func (l *lamps) saw(id string, want ...string) {
	l.t.Helper()
	if !slices.Equal(l.seen[id], want) {
		l.t.Errorf("lamp %s went %v, want %v", id, l.seen[id], want)
	}
}

const (
	idle    = phone.PresenceIdle
	ringing = phone.PresenceRinging
	busy    = phone.PresenceBusy
)

func TestCallLightsTheLamps(t *testing.T) {
	s := start(t, nil)
	l := watch(t, s, "1004", "1001", "1002")
	a := newPhone(t, s, "1001", false)
	b := newPhone(t, s, "1002", false)
	c := dial(t, a, "1002")
	in := recv(t, b.incoming, "incoming call")
	l.wait("1002", ringing)
	l.wait("1001", ringing) // as pua_dialoginfo: early, the caller as initiator
	if st, dir := s.p.presenceState("1001"); st != ringing || dir != "initiator" {
		t.Errorf("the caller ringing: %s %s", st, dir)
	}
	if err := in.Accept(context.Background()); err != nil {
		t.Fatal(err)
	}
	recv(t, a.accepted, "answer")
	l.wait("1002", busy)
	l.wait("1001", busy)
	if err := c.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	recv(t, b.ended, "the BYE at the callee")
	l.wait("1002", idle)
	l.wait("1001", idle)
	l.saw("1002", idle, ringing, busy, idle)
	l.saw("1001", idle, ringing, busy, idle)
}

func TestCancelledCallTurnsTheLampsOff(t *testing.T) {
	s := start(t, nil)
	l := watch(t, s, "1004", "1001", "1002")
	a := newPhone(t, s, "1001", false)
	b := newPhone(t, s, "1002", false)
	c := dial(t, a, "1002")
	recv(t, b.incoming, "incoming call")
	l.wait("1002", ringing)
	if err := c.Hangup(context.Background()); err != nil { // CANCEL
		t.Fatal(err)
	}
	l.wait("1002", idle)
	l.wait("1001", idle)
	l.saw("1002", idle, ringing, idle)
}

func TestTwoCallsKeepTheLampBusy(t *testing.T) {
	echo := &fixedExtension{}
	s := start(t, func(c *Config) { c.Extensions = map[string]Extension{"*43": echo} })
	l := watch(t, s, "1004", "1001", "1002", "*43")
	a := newPhone(t, s, "1001", false)
	b := newPhone(t, s, "1002", true)
	first := dial(t, a, "1002")
	recv(t, a.accepted, "the first call answered")
	l.wait("1002", busy)
	echoCall := dial(t, b, "*43") // 1002's second call, to an extension
	l.wait("*43", busy)
	if err := first.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	// 1001 idle: the first call's end is applied (to 1001 and 1002 at once).
	l.wait("1001", idle)
	if st, _ := s.p.presenceState("1002"); st != busy {
		t.Fatalf("1002 after one of its two calls ended: %s", st)
	}
	// 1002 hangs up on the echo: now idle.
	if err := echoCall.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	l.wait("1002", idle)
	l.wait("*43", idle) // the echo answers at once: its ringing may not show
	l.saw("1002", idle, ringing, busy, idle)
}

func TestDroppedConnectionEndsTheCall(t *testing.T) {
	s := start(t, nil)
	s.p.pres.mu.Lock()
	s.p.pres.flowGrace = 50 * time.Millisecond
	s.p.pres.mu.Unlock()
	l := watch(t, s, "1004", "1001", "1002")
	a := newPhone(t, s, "1001", false)
	newPhone(t, s, "1002", true)
	dial(t, a, "1002")
	recv(t, a.accepted, "answer")
	l.wait("1001", busy)
	if s.p.DropConnections("1001") != 1 {
		t.Fatal("no connection dropped")
	}
	l.wait("1001", idle)
	l.wait("1002", idle)
}

func TestDialLightsTheCalleesLamp(t *testing.T) {
	s := start(t, nil)
	l := watch(t, s, "1004", "1002")
	newPhone(t, s, "1002", true)
	c, err := s.p.Dial(context.Background(), Outbound{User: "1002", FromUser: "1001", Offer: []byte(fakeSDP)})
	if err != nil {
		t.Fatal(err)
	}
	l.wait("1002", busy)
	if st, _ := s.p.presenceState("1001"); st != idle {
		t.Errorf("the caller ID's lamp: %s", st)
	}
	c.Hangup()
	l.wait("1002", idle)
}

// A manual state holds until a call changes the lamp, and the other way
// round: the last write wins.
func TestSetPresenceAndCallsLastWriteWins(t *testing.T) {
	s := start(t, nil)
	l := watch(t, s, "1004", "1002")
	if err := s.p.SetPresence("1002", busy); err != nil {
		t.Fatal(err)
	}
	l.wait("1002", busy)
	a := newPhone(t, s, "1001", false)
	newPhone(t, s, "1002", false)
	c := dial(t, a, "1002")
	l.wait("1002", ringing)
	if err := s.p.SetPresence("1002", idle); err != nil {
		t.Fatal(err)
	}
	l.wait("1002", idle)
	if err := c.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	recv(t, a.ended, "the cancelled call")
	if err := s.p.SetPresence("1002", busy); err != nil {
		t.Fatal(err)
	}
	l.wait("1002", busy)
}
