package ua

import (
	"strconv"
	"testing"
	"time"

	sipgo "github.com/emiago/sipgo/sip"
)

func notifyRequest(t *testing.T, event, ctype, body string) *sipgo.Request {
	t.Helper()
	raw := "NOTIFY sip:1001@lab.test SIP/2.0\r\nVia: SIP/2.0/WS 127.0.0.1;branch=z9hG4bKn\r\n" +
		"From: <sip:lab.test>;tag=a\r\nTo: <sip:1001@lab.test>\r\nCall-ID: n\r\nCSeq: 1 NOTIFY\r\n"
	if event != "" {
		raw += "Event: " + event + "\r\n"
	}
	if ctype != "" {
		raw += "Content-Type: " + ctype + "\r\n"
	}
	raw += "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	m, err := sipgo.ParseMessage([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return m.(*sipgo.Request)
}

// Kazoo sends registration notices as message-summary NOTIFYs: the body
// decides.
func TestClassifyNotify(t *testing.T) {
	for _, tc := range []struct {
		name, event, ctype, body, key string
		check                         func(n Notification) bool
	}{
		{"Kazoo overwrote", "message-summary", "text/plain", "Overwrote:<sip:1001@10.0.0.1:5060>", NotifyOverriding,
			func(n Notification) bool { return n.Fields["contact"] == "<sip:1001@10.0.0.1:5060>" }},
		{"Kazoo replaced", "message-summary", "text/plain", "Replaced-By:<sip:1001@10.0.0.2:5060>", NotifyReplaced, nil},
		{"RFC 3842 voicemail", "message-summary", "application/simple-message-summary",
			"Messages-Waiting: yes\r\nMessage-Account: sip:*97@lab.test\r\nVoice-Message: 2/5 (0/1)\r\n", NotifyVoicemail,
			func(n Notification) bool {
				return n.Fields["waiting"] == true && n.Fields["newMessages"] == 2 && n.Fields["oldMessages"] == 5 && n.Fields["account"] == "sip:*97@lab.test"
			}},
		{"Kazoo Message-Account first", "message-summary", "application/simple-message-summary",
			"Message-Account: sip:1001@lab.test\r\nMessages-Waiting: no\r\n", NotifyVoicemail,
			func(n Notification) bool { return n.Fields["waiting"] == false }},
		{"check-sync without body", "check-sync", "", "", NotifyUnknown,
			func(n Notification) bool { return n.Fields["event"] == "check-sync" }},
		{"other event", "dialog", "application/dialog-info+xml", "<dialog-info/>", NotifyUnknown, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := classifyNotify(notifyRequest(t, tc.event, tc.ctype, tc.body))
			if n.Key != tc.key || n.Message == "" || (tc.check != nil && !tc.check(n)) {
				t.Fatalf("%+v", n)
			}
		})
	}
}

func TestReplacedRegistrationDoesNotReconnect(t *testing.T) {
	g := newReconnectRig(t, nil)
	contact := g.reg.Bindings("1001")[0]
	body := "Replaced-By:<sip:1001@192.0.2.9>"
	g.reg.Send("NOTIFY " + contact + " SIP/2.0\r\nVia: SIP/2.0/WS 127.0.0.1;branch=z9hG4bKr\r\n" +
		"From: <sip:lab.test>;tag=a\r\nTo: <sip:1001@lab.test>\r\nCall-ID: r1\r\nCSeq: 1 NOTIFY\r\n" +
		"Event: message-summary\r\nSubscription-State: terminated;reason=noresource\r\nContent-Type: text/plain\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	if res := g.reg.NextResponse(t, wait); res.StatusCode != 200 {
		t.Fatalf("NOTIFY answered %d", res.StatusCode)
	}
	if n := g.notes.next(t); n.Key != NotifyReplaced {
		t.Fatalf("notification %+v", n)
	}
	g.reg.DropConnections()
	g.clock.Advance(time.Hour)
	select {
	case n := <-g.notes.ch:
		t.Fatalf("reconnected after being replaced: %+v", n)
	case <-time.After(50 * time.Millisecond):
	}
	if g.u.Registered() {
		t.Fatal("still registered after being replaced")
	}
}
