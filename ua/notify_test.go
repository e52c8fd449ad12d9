package ua

import (
	"strconv"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
)

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
	if n := g.notes.next(t); n.Key != phone.NotifyReplaced {
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
