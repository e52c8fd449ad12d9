package ua

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
)

// header returns the first value of name in hs, and whether it is there.
func header(hs []phone.Header, name string) (string, bool) {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

func TestExtraHeadersOnInviteAnd200(t *testing.T) {
	reg := newProxy(t)
	reg.ChallengeInvites(true)
	a := newPhone(t, reg, "1001", func(o *Options) { o.DisplayName = "Alice" })
	b := newPhone(t, reg, "1002", nil)
	// The credentials sent ahead are stale: 407, and the INVITE is sent
	// again; the headers must be on that second one too.
	reg.ExpireNonces()

	before := time.Now()
	out, err := a.ua.DialWith(context.Background(), "1002", DialOptions{Headers: []phone.Header{
		{Name: "X-Ticket", Value: "4711"}, {Name: "X-Tag", Value: "one"}, {Name: "X-Tag", Value: "two"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	in := recv(t, b.incoming, "incoming call")
	if reg.InviteChallenges() == 0 {
		t.Fatal("the INVITE was not challenged")
	}
	if v, ok := header(in.ReceivedHeaders(), "x-ticket"); !ok || v != "4711" {
		t.Fatalf("X-Ticket %q (%v) in the received INVITE %v", v, ok, in.ReceivedHeaders())
	}
	var tags []string
	for _, h := range in.ReceivedHeaders() {
		if h.Name == "X-Tag" {
			tags = append(tags, h.Value)
		}
	}
	if strings.Join(tags, ",") != "one,two" {
		t.Fatalf("X-Tag values %v, want one, two in order", tags)
	}
	if _, ok := header(in.ReceivedHeaders(), "Call-ID"); !ok {
		t.Fatalf("the received headers lack Call-ID: %v", in.ReceivedHeaders())
	}
	if in.RemoteName() != "Alice" || in.LocalURI() != "sip:1002@lab.test" || out.LocalURI() != "sip:1001@lab.test" {
		t.Fatalf("remote name %q, local URIs %q / %q", in.RemoteName(), in.LocalURI(), out.LocalURI())
	}
	if out.StartedAt().Before(before) || in.StartedAt().Before(out.StartedAt()) {
		t.Fatalf("started %v / %v (dialled at %v)", out.StartedAt(), in.StartedAt(), before)
	}
	if !out.AnsweredAt().IsZero() || !in.AnsweredAt().IsZero() || out.ReceivedHeaders() != nil {
		t.Fatal("a ringing call has an answer time or the 2xx's headers")
	}

	// Bad headers for the 200 are refused and the call still rings.
	for _, bad := range []phone.Header{{Name: "Contact", Value: "<sip:evil@x>"}, {Name: "X-A", Value: "1\r\nVia: SIP/2.0/WSS evil"}} {
		e := in.AcceptWith(context.Background(), phone.AcceptOptions{Headers: []phone.Header{bad}})
		if e == nil || e.Key != phone.KeyInvalidParameter || !strings.Contains(e.Message, bad.Name) {
			t.Fatalf("AcceptWith(%q) = %v, want invalid_parameter naming it", bad.Name, e)
		}
	}
	if in.State() != phone.CallRinging {
		t.Fatalf("state %s after a refused accept", in.State())
	}
	if err := in.AcceptWith(context.Background(), phone.AcceptOptions{Headers: []phone.Header{{Name: "X-Answered-By", Value: "agent 7"}}}); err != nil {
		t.Fatal(err)
	}
	recv(t, a.accepted, "accepted")
	if v, ok := header(out.ReceivedHeaders(), "X-Answered-By"); !ok || v != "agent 7" {
		t.Fatalf("X-Answered-By %q (%v) in the 200 %v", v, ok, out.ReceivedHeaders())
	}
	if out.AnsweredAt().Before(out.StartedAt()) || in.AnsweredAt().Before(in.StartedAt()) || out.AnsweredAt().After(time.Now()) {
		t.Fatalf("answered %v / %v", out.AnsweredAt(), in.AnsweredAt())
	}
	if err := out.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, b.ended, "end at the callee").e; e.Originator != phone.ByRemote || e.Originator.String() != "remote" {
		t.Fatalf("callee end %+v", e)
	}
	if e := recv(t, a.ended, "end at the caller").e; e.Originator != phone.ByLocal || e.Originator.String() != "local" {
		t.Fatalf("caller end %+v", e)
	}
}

func TestExtraHeadersRefused(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	for _, h := range []phone.Header{
		{Name: "Via", Value: "SIP/2.0/WSS evil.example;branch=z9hG4bK1"},
		{Name: "call-id", Value: "x"},
		{Name: "CSeq", Value: "1 INVITE"},
		{Name: "Max-Forwards", Value: "1"},
		{Name: "Route", Value: "<sip:evil.example;lr>"},
		{Name: "Content-Length", Value: "0"},
		{Name: "Proxy-Authorization", Value: "Digest x"},
		{Name: "X-Inject", Value: "1\r\nRoute: <sip:evil.example;lr>"},
		{Name: "X-Nul", Value: "a\x00b"},
		{Name: "X Space", Value: "v"},
	} {
		c, e := a.ua.DialWith(context.Background(), "1002", DialOptions{Headers: []phone.Header{h}})
		if c != nil || e == nil || e.Key != phone.KeyInvalidParameter || !strings.Contains(e.Message, h.Name) {
			t.Errorf("DialWith with %q: %v, %v; want invalid_parameter naming it", h.Name, c, e)
		}
	}
}

func TestEndOriginatorSystem(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	if _, err := a.ua.Dial(context.Background(), "1002"); err != nil {
		t.Fatal(err)
	}
	a.media.last().mu.Lock()
	a.media.last().refuse = errors.New("no common codec")
	a.media.last().mu.Unlock()
	in := recv(t, b.incoming, "incoming call")
	if err := in.Accept(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, a.ended, "end at the caller").e; e.Code != 488 || e.Originator != phone.BySystem || e.Originator.String() != "system" {
		t.Fatalf("caller end %+v, want 488 by the system", e)
	}
	if e := recv(t, b.ended, "end at the callee").e; !e.Established || e.Originator != phone.ByRemote {
		t.Fatalf("callee end %+v", e)
	}
}
