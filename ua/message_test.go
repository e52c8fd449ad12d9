package ua

import (
	"context"
	"fmt"
	"strings"
	"testing"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/internal/siptest"
	"github.com/kazoo-softphone/kazoo/phone"
)

// messenger is a registered user agent that records the messages it
// receives and accepts incoming calls.
type messenger struct {
	ua       *UserAgent
	messages chan phone.Message
	incoming chan *Call
	accepted chan *Call
}

func newMessenger(t *testing.T, reg *siptest.Registrar, user, name string) *messenger {
	t.Helper()
	m := &messenger{ua: New(Config{}), messages: make(chan phone.Message, 8), incoming: make(chan *Call, 2), accepted: make(chan *Call, 2)}
	o := options(reg, user, "pw-"+user)
	o.DisplayName = name
	o.Media = (&fakeMediaSet{name: user}).factory
	ev := Events{
		Message:      func(msg phone.Message) { m.messages <- msg },
		Incoming:     func(c *Call) { m.incoming <- c },
		CallAccepted: func(c *Call) { m.accepted <- c },
	}
	if err := m.ua.Register(context.Background(), o, ev); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.ua.Logout(context.Background()) })
	return m
}

// nextMessage returns the next MESSAGE request the server saw.
func nextMessage(t *testing.T, reg *siptest.Registrar) *sipgo.Request {
	t.Helper()
	for {
		if req := reg.Next(t, wait); req.Method == sipgo.MESSAGE {
			return req
		}
	}
}

func TestMessageDeliveredBothWays(t *testing.T) {
	reg := newProxy(t)
	a := newMessenger(t, reg, "1001", "Alice")
	b := newMessenger(t, reg, "1002", "")

	res, err := a.ua.SendMessage(context.Background(), "1002", "hello Bob", "", []phone.Header{{Name: "X-Ticket", Value: "42"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != 200 || res.Reason != "OK" {
		t.Errorf("result %+v, want 200 OK", res)
	}
	got := recv(t, b.messages, "message at 1002")
	want := phone.Message{From: "sip:1001@lab.test", FromName: "Alice", To: "sip:1002@lab.test", Body: "hello Bob", ContentType: "text/plain;charset=UTF-8"}
	if got != want {
		t.Errorf("1002 got %+v, want %+v", got, want)
	}
	req := nextMessage(t, reg)
	if h := req.GetHeader("X-Ticket"); h == nil || h.Value() != "42" {
		t.Errorf("the extra header did not go out: %q", req.String())
	}

	if _, err := b.ua.SendMessage(context.Background(), "sip:1001@lab.test", "<b>hi</b>", "text/html", nil); err != nil {
		t.Fatal(err)
	}
	got = recv(t, a.messages, "message at 1001")
	if got.From != "sip:1002@lab.test" || got.Body != "<b>hi</b>" || got.ContentType != "text/html" {
		t.Errorf("1001 got %+v", got)
	}
}

func TestMessageToUnregisteredUserFails(t *testing.T) {
	reg := newProxy(t)
	a := newMessenger(t, reg, "1001", "")
	res, err := a.ua.SendMessage(context.Background(), "1003", "anyone?", "", nil)
	if err == nil {
		t.Fatalf("sent to a user not registered: %+v", res)
	}
	if err.Key != phone.KeyMessageFailed || err.Code != 480 || err.Source != "SIP/2.0 480 Temporarily Unavailable" {
		t.Errorf("error %+v, want message_failed 480 with its status line", err)
	}
}

func TestMessageAnswersTheProxyChallenge(t *testing.T) {
	reg := newProxy(t)
	reg.ChallengeMessages(true)
	a := newMessenger(t, reg, "1001", "")
	b := newMessenger(t, reg, "1002", "")
	reg.ExpireNonces() // the registrar's nonce, offered ahead, is stale now: 407
	if _, err := a.ua.SendMessage(context.Background(), "1002", "one", "", nil); err != nil {
		t.Fatal(err)
	}
	if n := reg.MessageChallenges(); n != 1 {
		t.Errorf("%d challenges, want 1", n)
	}
	recv(t, b.messages, "first message")
	// The proxy's challenge is answered ahead in the next MESSAGE.
	if _, err := a.ua.SendMessage(context.Background(), "1002", "two", "", nil); err != nil {
		t.Fatal(err)
	}
	if n := reg.MessageChallenges(); n != 1 {
		t.Errorf("%d challenges after the second message, want still 1", n)
	}
	if m := recv(t, b.messages, "second message"); m.Body != "two" {
		t.Errorf("got %q", m.Body)
	}
}

func TestMessageRefusedBeforeSending(t *testing.T) {
	reg := newProxy(t)
	idle := New(Config{})
	if _, err := idle.SendMessage(context.Background(), "1002", "x", "", nil); err == nil || err.Key != phone.KeyNotRegistered {
		t.Errorf("unregistered: %v, want not_registered", err)
	}
	a := newMessenger(t, reg, "1001", "")
	for name, args := range map[string]struct {
		target, body, ctype string
		extra               []phone.Header
	}{
		"empty target":      {"", "x", "", nil},
		"body too large":    {"1002", strings.Repeat("x", phone.MaxMessageBody+1), "", nil},
		"bad content type":  {"1002", "x", "text plain", nil},
		"header injection":  {"1002", "x", "", []phone.Header{{Name: "X-A", Value: "1\r\nTo: <sip:evil@x>"}}},
		"not a header name": {"1002", "x", "", []phone.Header{{Name: "no colon", Value: "x"}}},
		"reserved header":   {"1002", "x", "", []phone.Header{{Name: "Call-ID", Value: "abc"}}},
	} {
		if _, err := a.ua.SendMessage(context.Background(), args.target, args.body, args.ctype, args.extra); err == nil || err.Key != phone.KeyInvalidParameter {
			t.Errorf("%s: %v, want invalid_parameter", name, err)
		}
	}
}

// rawMessage is a MESSAGE from the server to every connected user agent.
func rawMessage(n int, ctype, body string) string {
	return fmt.Sprintf("MESSAGE sip:1001@lab.test SIP/2.0\r\n"+
		"Via: SIP/2.0/WS 127.0.0.1:5066;branch=z9hG4bK-msg-%d\r\n"+
		"Max-Forwards: 70\r\n"+
		"From: \"Bob\" <sip:1002@lab.test>;tag=b%d\r\n"+
		"To: <sip:1001@lab.test>\r\n"+
		"Call-ID: msg-%d@test\r\n"+
		"CSeq: 1 MESSAGE\r\n"+
		"Content-Type: %s\r\n"+
		"Content-Length: %d\r\n\r\n%s", n, n, n, ctype, len(body), body)
}

func TestIncomingMessageAnswers(t *testing.T) {
	reg := newProxy(t)
	a := newMessenger(t, reg, "1001", "")

	reg.Send(rawMessage(1, "application/json", `{"a":1}`))
	res := reg.NextResponse(t, wait)
	if res.StatusCode != 415 || res.GetHeader("Accept") == nil || res.GetHeader("Accept").Value() != "text/*" {
		t.Errorf("a JSON message: %s, want 415 with Accept: text/*", res.StartLine())
	}
	reg.Send(rawMessage(2, "text/plain", strings.Repeat("x", phone.MaxMessageBody+1)))
	if res := reg.NextResponse(t, wait); res.StatusCode != 413 {
		t.Errorf("an oversized message: %s, want 413", res.StartLine())
	}
	reg.Send(rawMessage(3, "text/plain; charset=UTF-8", "héllo"))
	res = reg.NextResponse(t, wait)
	if res.StatusCode != 200 || tagOf(res.To().Params) == "" {
		t.Errorf("a text message: %s (To %s), want 200 with a To tag", res.StartLine(), res.To().Value())
	}
	// Only the message answered 200 reaches the page.
	got := recv(t, a.messages, "message")
	want := phone.Message{From: "sip:1002@lab.test", FromName: "Bob", To: "sip:1001@lab.test", Body: "héllo", ContentType: "text/plain; charset=UTF-8"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	select {
	case m := <-a.messages:
		t.Errorf("a second message reached the page: %+v", m)
	default:
	}
}

func TestIncomingMessageWithoutListenerGets480(t *testing.T) {
	reg := newProxy(t)
	u := New(Config{})
	if err := u.Register(context.Background(), options(reg, "1001", "pw-1001"), Events{}); err != nil {
		t.Fatal(err)
	}
	defer u.Logout(context.Background())
	reg.Send(rawMessage(1, "text/plain", "hello?"))
	if res := reg.NextResponse(t, wait); res.StatusCode != 480 {
		t.Errorf("answered %s, want 480 (nobody to show it to)", res.StartLine())
	}
}

func TestMessageInACall(t *testing.T) {
	reg := newProxy(t)
	a := newMessenger(t, reg, "1001", "")
	b := newMessenger(t, reg, "1002", "")
	out, err := a.ua.Dial(context.Background(), "1002")
	if err != nil {
		t.Fatal(err)
	}
	in := recv(t, b.incoming, "incoming call")
	if err := in.Accept(context.Background()); err != nil {
		t.Fatal(err)
	}
	recv(t, a.accepted, "accepted")

	out.mu.Lock()
	d := out.dlg
	out.mu.Unlock()
	req := d.newRequest(out.r, sipgo.MESSAGE, 0)
	req.AppendHeader(sipgo.NewHeader("Content-Type", "text/plain"))
	req.SetBody([]byte("in the call"))
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	res, derr := out.r.cur().ep.Do(ctx, req, nil)
	if derr != nil || res.StatusCode != 200 {
		t.Fatalf("in-dialog MESSAGE: %v %v", res, derr)
	}
	if m := recv(t, b.messages, "message in the call"); m.Body != "in the call" || m.From != "sip:1001@lab.test" {
		t.Errorf("got %+v", m)
	}
}
