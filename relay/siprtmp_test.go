//go:build !js

package relay

import (
	"strings"
	"testing"
)

// After a local reject (siprtmp sends no callback for it), the next
// outgoing call is a pending invite again: its bye while it rings is
// reported as cancelled, so the page's call ends and the next one can
// start.
func TestRelayRejectThenHangUpTheNextRingingCall(t *testing.T) {
	g := newRig(t, nil)
	c, up := g.connected("1001@lab.test")
	up.commands <- Command{Name: "invited", Args: []any{`"Bob" <sip:1002@lab.test>`, "<sip:1001@lab.test>"}}
	if cb := c.expect("cb"); cb["method"] != "invited" {
		t.Fatalf("cb %v", cb)
	}
	c.send(map[string]any{"t": "call", "id": 1, "method": "reject", "args": []any{"486 Busy Here"}})
	if r := c.expect("result"); r["ok"] != true {
		t.Fatalf("reject %v", r)
	}
	c.send(map[string]any{"t": "call", "id": 2, "method": "invite", "args": []any{"sip:1003@lab.test", "pcmu", "pcma", "dtmf"}})
	c.expect("result")
	c.send(map[string]any{"t": "call", "id": 3, "method": "bye"})
	c.expect("result")
	if cb := c.expect("cb"); cb["method"] != "cancelled" || cb["relay"] != true {
		t.Fatalf("cb %v", cb)
	}
}

// The fake answers as siprtmp does, and the relay passes the answers on
// unchanged: sendDTMF takes one argument.
func TestRelayPassesSiprtmpAnswers(t *testing.T) {
	g := newRig(t, nil)
	c, _ := g.connected("1001@lab.test")
	c.send(map[string]any{"t": "call", "id": 1, "method": "sendDTMF", "args": []any{"5", "info"}})
	if r := c.expect("result"); r["ok"] != false || !strings.Contains(r["error"].(string), "sendDTMF") {
		t.Fatalf("sendDTMF(5, info) %v", r)
	}
	c.send(map[string]any{"t": "call", "id": 2, "method": "sendDTMF", "args": []any{"5"}})
	if r := c.expect("result"); r["ok"] != true {
		t.Fatalf("sendDTMF(5) %v", r)
	}
}
