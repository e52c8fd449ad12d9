package ua

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/internal/siptest"
	"github.com/kazoo-softphone/kazoo/phone"
)

type ended struct {
	c *Call
	e phone.End
}

// testPhone is a registered user agent with fake media whose events land in
// channels.
type testPhone struct {
	t           *testing.T
	ua          *UserAgent
	media       *fakeMediaSet
	incoming    chan *Call
	accepted    chan *Call
	ended       chan ended
	progress    chan int
	dtmf        chan string
	transfer    chan *phone.Error
	transferred chan *Call
	answer      bool // accept every incoming call at once
	// askTransfer, when set, is Events.TransferRequest.
	askTransfer atomic.Pointer[func(ctx context.Context, c *Call, target string) bool]
	replaced    chan [2]*Call // Events.Replaced: old, next
}

func newPhone(t *testing.T, reg *siptest.Registrar, user string, tweak func(*Options)) *testPhone {
	t.Helper()
	p := &testPhone{
		t:           t,
		ua:          New(Config{}),
		media:       &fakeMediaSet{name: user},
		incoming:    make(chan *Call, 4),
		accepted:    make(chan *Call, 4),
		ended:       make(chan ended, 8),
		progress:    make(chan int, 8),
		dtmf:        make(chan string, 8),
		transfer:    make(chan *phone.Error, 2),
		transferred: make(chan *Call, 2),
		replaced:    make(chan [2]*Call, 2),
	}
	o := options(reg, user, "pw-"+user)
	o.Media = p.media.factory
	if tweak != nil {
		tweak(&o)
	}
	ev := Events{
		Incoming: func(c *Call) {
			if p.answer {
				go func() { _ = c.Accept(context.Background()) }()
			}
			p.incoming <- c
		},
		CallProgress: func(c *Call, code int, early bool) { p.progress <- code },
		CallAccepted: func(c *Call) { p.accepted <- c },
		CallEnded:    func(c *Call, e phone.End) { p.ended <- ended{c, e} },
		CallDTMF:     func(c *Call, d string) { p.dtmf <- d },
		CallTransfer: func(c *Call, e *phone.Error) { p.transfer <- e },
		Transferred:  func(old, next *Call, target string) { p.transferred <- next },
		Replaced:     func(old, next *Call) { p.replaced <- [2]*Call{old, next} },
		TransferRequest: func(ctx context.Context, c *Call, target string) bool {
			if f := p.askTransfer.Load(); f != nil {
				return (*f)(ctx, c, target)
			}
			return true
		},
	}
	if err := p.ua.Register(context.Background(), o, ev); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.ua.Logout(context.Background()) })
	return p
}

func recv[T any](t *testing.T, ch chan T, what string) T {
	t.Helper()
	return siptest.Recv(t, ch, what, wait)
}

func newProxy(t *testing.T) *siptest.Registrar {
	return siptest.NewRegistrar(t, "lab.test", map[string]string{
		"1001": "pw-1001", "1002": "pw-1002", "1003": "pw-1003",
	})
}

// establish makes a call from a to b's user and returns both ends.
func establish(t *testing.T, a, b *testPhone, user string) (*Call, *Call) {
	t.Helper()
	out, err := a.ua.Dial(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	in := recv(t, b.incoming, "incoming call")
	if err := in.Accept(context.Background()); err != nil {
		t.Fatal(err)
	}
	recv(t, a.accepted, "accepted")
	return out, in
}

func TestCallAnswerAndHangupBothWays(t *testing.T) {
	reg := newProxy(t)
	reg.ChallengeInvites(true) // 407 on the INVITE, as Kamailio
	a := newPhone(t, reg, "1001", func(o *Options) { o.DisplayName = "Alice" })
	b := newPhone(t, reg, "1002", nil)

	out, err := a.ua.Dial(context.Background(), "sip:1002@lab.test")
	if err != nil {
		t.Fatal(err)
	}
	in := recv(t, b.incoming, "incoming call")
	if in.CallerName() != "Alice" || in.CallerNumber() != "1001" || in.Outgoing() || !out.Outgoing() {
		t.Fatalf("caller %q <%s>", in.CallerName(), in.CallerNumber())
	}
	// The registrar gave a GRUU: it is the caller's Contact (RFC 5627).
	if gr, ok := in.invite.Contact().Address.UriParams.Get("gr"); !ok || gr != "urn:uuid:"+instance {
		t.Fatalf("INVITE Contact %s is not the caller's GRUU", in.invite.Contact().Value())
	}
	if code := recv(t, a.progress, "ringing"); code != 180 {
		t.Fatalf("progress %d", code)
	}
	if err := in.Accept(context.Background()); err != nil {
		t.Fatal(err)
	}
	recv(t, a.accepted, "accepted")
	am, bm := a.media.last(), b.media.last()
	if dirOf(bm.lastOffer()) != SendRecv || dirOf(am.lastAnswer()) != SendRecv {
		t.Fatalf("offer %q answer %q", bm.lastOffer(), am.lastAnswer())
	}
	if out.State() != phone.CallEstablished || in.State() != phone.CallEstablished {
		t.Fatalf("states %s / %s", out.State(), in.State())
	}
	// The callee hangs up.
	if err := in.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	ea := recv(t, a.ended, "end at the caller")
	eb := recv(t, b.ended, "end at the callee")
	if !ea.e.Established || ea.e.Originator != phone.ByRemote || !eb.e.Established || eb.e.Originator != phone.ByLocal {
		t.Fatalf("ends %+v / %+v", ea.e, eb.e)
	}
	if !am.isClosed() || !bm.isClosed() {
		t.Fatal("media not closed")
	}

	// And the other way: b calls a, a hangs up.
	out2, in2 := establish(t, b, a, "1001")
	_ = in2
	if err := out2.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, a.ended, "end").e; !e.Established || e.Originator != phone.ByRemote {
		t.Fatalf("end %+v", e)
	}
	recv(t, b.ended, "end")
}

func TestCallRejectedAndCancelled(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)

	// Rejected: the caller sees 486 from the far end.
	if _, err := a.ua.Dial(context.Background(), "1002"); err != nil {
		t.Fatal(err)
	}
	in := recv(t, b.incoming, "incoming")
	if err := in.Reject(0); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, a.ended, "rejection").e; e.Established || e.Code != 486 || e.Originator != phone.ByRemote {
		t.Fatalf("caller end %+v", e)
	}
	if e := recv(t, b.ended, "rejection").e; e.Code != 486 || e.Originator != phone.ByLocal {
		t.Fatalf("callee end %+v", e)
	}

	// Cancelled by the caller while ringing.
	out, err := a.ua.Dial(context.Background(), "1002")
	if err != nil {
		t.Fatal(err)
	}
	recv(t, b.incoming, "incoming")
	recv(t, a.progress, "ringing")
	if err := out.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, a.ended, "cancel").e; e.Code != 487 || e.Originator != phone.ByLocal {
		t.Fatalf("caller end %+v", e)
	}
	if e := recv(t, b.ended, "cancel").e; e.Code != 487 || e.Originator != phone.ByRemote || e.Established {
		t.Fatalf("callee end %+v", e)
	}
}

func TestSecondCallWhileBusyGets486(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	c := newPhone(t, reg, "1003", nil)
	establish(t, a, b, "1002")
	if _, err := c.ua.Dial(context.Background(), "1002"); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, c.ended, "busy").e; e.Code != 486 {
		t.Fatalf("end %+v", e)
	}
	select {
	case <-b.incoming:
		t.Fatal("the busy phone was offered the second call")
	default:
	}
}

// With MaxLines 2 a second incoming call is offered while the first
// goes on, and a third gets 486.
func TestMaxLines(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", func(o *Options) { o.MaxLines = 2 })
	c := newPhone(t, reg, "1003", nil)
	establish(t, a, b, "1002")
	if _, err := c.ua.Dial(context.Background(), "1002"); err != nil {
		t.Fatal(err)
	}
	recv(t, b.incoming, "second call")
	recv(t, c.progress, "second call ringing")
	if _, err := c.ua.Dial(context.Background(), "1002"); err != nil { // c's second call
		t.Fatal(err)
	}
	if e := recv(t, c.ended, "busy").e; e.Code != 486 {
		t.Fatalf("third call end %+v", e)
	}
}

func TestHoldAndResume(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	out, _ := establish(t, a, b, "1002")
	if err := out.Hold(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if got := dirOf(b.media.last().lastOffer()); got != SendOnly {
		t.Fatalf("hold offered %s", got)
	}
	if got := dirOf(a.media.last().lastAnswer()); got != RecvOnly {
		t.Fatalf("hold answered %s", got)
	}
	if err := out.Hold(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if got := dirOf(b.media.last().lastOffer()); got != SendRecv {
		t.Fatalf("resume offered %s", got)
	}
}

func TestDTMFBothTransports(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", func(o *Options) { o.DTMF = phone.DTMFInfo })
	b := newPhone(t, reg, "1002", nil)
	out, in := establish(t, a, b, "1002")
	if err := out.SendDTMF(context.Background(), "5#"); err != nil {
		t.Fatal(err)
	}
	if d := recv(t, b.dtmf, "DTMF"); d != "5" {
		t.Fatalf("got %q", d)
	}
	if d := recv(t, b.dtmf, "DTMF"); d != "#" {
		t.Fatalf("got %q", d)
	}
	if err := in.SendDTMF(context.Background(), "9"); err != nil { // b uses RFC 4733
		t.Fatal(err)
	}
	if got := b.media.last().dtmf; len(got) != 1 || got[0] != "9" {
		t.Fatalf("media DTMF %v", got)
	}
	var e *phone.Error
	if e = out.SendDTMF(context.Background(), "x"); e == nil || e.Key != phone.KeyInvalidParameter {
		t.Fatalf("bad tone: %v", e)
	}
}

func TestBlindTransfer(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	c := newPhone(t, reg, "1003", nil)
	c.answer = true
	out, _ := establish(t, a, b, "1002")
	if err := out.Transfer(context.Background(), "1003"); err != nil {
		t.Fatal(err)
	}
	next := recv(t, b.transferred, "transferred")
	recv(t, c.incoming, "the transfer target rings")
	if e := recv(t, a.transfer, "transfer result"); e != nil {
		t.Fatalf("transfer failed: %v", e)
	}
	recv(t, a.ended, "the transferor's call ends")
	if e := recv(t, b.ended, "the old call ends at the transferee"); e.c == next {
		t.Fatal("the new call ended instead of the old one")
	}
	if next.State() != phone.CallEstablished {
		t.Fatalf("new call %s", next.State())
	}
}

func TestCallErrors(t *testing.T) {
	u := New(Config{})
	if _, err := u.Dial(context.Background(), "1002"); err == nil || err.Key != phone.KeyNotRegistered {
		t.Fatalf("dial unregistered: %v", err)
	}
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	for _, target := range []string{"", "  ", "sip:", "a b@c"} {
		if _, err := a.ua.Dial(context.Background(), target); err == nil || err.Key != phone.KeyInvalidParameter {
			t.Errorf("dial %q: %v", target, err)
		}
	}
	a.media.fails = errors.New("NotAllowedError: permission denied")
	if _, err := a.ua.Dial(context.Background(), "1002"); err == nil || err.Key != phone.KeyMedia {
		t.Fatalf("no microphone: %v", err)
	}
	a.media.fails = nil
	// Nobody registered as 1003: 480 from the proxy.
	if _, err := a.ua.Dial(context.Background(), "1003"); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, a.ended, "end").e; e.Code != 480 {
		t.Fatalf("end %+v", e)
	}
}

// A call survives its caller's connection dropping: the caller reconnects,
// re-registers, refreshes the dialog's target with a re-INVITE, and a BYE
// from the far end still reaches it.
func TestCallSurvivesAReconnect(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", func(o *Options) { o.ReconnectDelay = time.Second })
	b := newPhone(t, reg, "1002", nil)
	out, in := establish(t, a, b, "1002")
	offers := len(b.media.last().offersCopy())
	reg.DropUser("1001")
	deadline := time.Now().Add(wait)
	for len(b.media.last().offersCopy()) == offers { // the target refresh re-INVITE
		if time.Now().After(deadline) {
			t.Fatal("no re-INVITE after the reconnect")
		}
		time.Sleep(5 * time.Millisecond) // polling a condition
	}
	if out.State() != phone.CallEstablished || !a.ua.Registered() {
		t.Fatalf("call %s, registered %v", out.State(), a.ua.Registered())
	}
	if err := in.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, a.ended, "the BYE after the reconnect").e; !e.Established || e.Originator != phone.ByRemote {
		t.Fatalf("end %+v", e)
	}
}

// ICE failing (a network change) restarts ICE with a re-INVITE.
func TestICEFailureRestartsICE(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	establish(t, a, b, "1002")
	am := a.media.last()
	offers := len(b.media.last().offersCopy())
	am.events.ICEState("failed")
	deadline := time.Now().Add(wait)
	for am.restartCount() != 1 || len(b.media.last().offersCopy()) != offers+1 {
		if time.Now().After(deadline) {
			t.Fatalf("restarts %d, offers %d", am.restartCount(), len(b.media.last().offersCopy()))
		}
		time.Sleep(5 * time.Millisecond) // polling a condition
	}
}

// With the registrar gone for good, hangup still ends the call here.
func TestHangupWithoutAConnection(t *testing.T) {
	reg := newProxy(t)
	a := newPhone(t, reg, "1001", func(o *Options) { o.ReconnectOff = true })
	b := newPhone(t, reg, "1002", nil)
	out, _ := establish(t, a, b, "1002")
	reg.DropUser("1001")
	deadline := time.Now().Add(wait)
	for a.ua.Registered() {
		if time.Now().After(deadline) {
			t.Fatal("still registered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	if err := out.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, a.ended, "local end").e; !e.Established || e.Originator != phone.ByLocal {
		t.Fatalf("end %+v", e)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("hangup without a connection took %v", d)
	}
	if !a.media.last().isClosed() {
		t.Fatal("media not released")
	}
}

func TestInviteDigestAnsweredAhead(t *testing.T) {
	reg := newProxy(t)
	reg.ChallengeInvites(true) // 407 on the INVITE, as Kamailio
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	hangup := func(out *Call) {
		t.Helper()
		if err := out.Hangup(context.Background()); err != nil {
			t.Fatal(err)
		}
		recv(t, a.ended, "end at the caller")
		recv(t, b.ended, "end at the callee")
	}
	// The first INVITE carries the registrar's credentials as
	// Proxy-Authorization (same realm and nonce): no 407 at all.
	for i := 0; i < 3; i++ {
		out, _ := establish(t, a, b, "1002")
		hangup(out)
	}
	if n := reg.InviteChallenges(); n != 0 {
		t.Fatalf("%d challenges, want 0 (the credentials ahead were not used)", n)
	}
	// A proxy that wants a fresh nonce challenges again (stale=true),
	// and the call goes through with the new one, which is kept.
	reg.ExpireNonces()
	out, _ := establish(t, a, b, "1002")
	hangup(out)
	out, _ = establish(t, a, b, "1002")
	hangup(out)
	if n := reg.InviteChallenges(); n != 1 {
		t.Fatalf("after the nonce expired: %d challenges in all, want 1", n)
	}
}

func TestInviteDigestRefusedRegistrarNonce(t *testing.T) {
	reg := newProxy(t)
	reg.ChallengeInvites(true)
	reg.RefuseRegistrarNonces(true) // 403 for the registrar's nonce
	a := newPhone(t, reg, "1001", nil)
	b := newPhone(t, reg, "1002", nil)
	for i := 0; i < 3; i++ {
		out, _ := establish(t, a, b, "1002")
		if err := out.Hangup(context.Background()); err != nil {
			t.Fatal(err)
		}
		recv(t, a.ended, "end at the caller")
		recv(t, b.ended, "end at the callee")
	}
	// The 403 made the call retry without them, and later calls answer
	// the proxy's own challenge ahead.
	if f, c := reg.InviteForbids(), reg.InviteChallenges(); f != 1 || c != 1 {
		t.Fatalf("%d 403s and %d 407s, want 1 and 1", f, c)
	}
}
