package ua

import (
	"testing"
)

// FuzzSipfragBody feeds NOTIFY bodies, a REFER subscription's
// message/sipfrag among them, to sipfragStatus: nothing panics and a
// status is never negative (package phone's FuzzNotifyBody feeds the
// same seeds to ClassifyNotify).
func FuzzSipfragBody(f *testing.F) {
	for _, s := range [][3]string{
		{"message-summary", "text/plain", "Overwrote:<sip:1001@10.0.0.1:5060>"},
		{"message-summary", "text/plain", "Replaced-By:<sip:1001@10.0.0.2:5060>\r\n"},
		{"message-summary", "application/simple-message-summary", "Messages-Waiting: yes\r\nMessage-Account: sip:*97@lab.test\r\nVoice-Message: 2/5 (0/1)\r\n"},
		{"message-summary", "application/simple-message-summary", "Message-Account: sip:*97@lab.test\r\nMessages-Waiting: no\r\nVoice-Message: 0/0\r\n"},
		{"message-summary", "", "Messages-Waiting: yes\nVoice-Message: -1/99999999999999999999 (x/y)\nFax-Message: 1/1"},
		{"check-sync", "", ""},
		{"", "message/sipfrag;version=2.0", "SIP/2.0 200 OK\r\n"},
		{"refer", "message/sipfrag", "SIP/2.0 100 Trying"},
		{"refer", "message/sipfrag", "SIP/2.0 603 Declined by the user\r\nContent-Length: 0\r\n"},
		{"refer", "message/sipfrag", "SIP/2.0 -5"},
		{"refer", "message/sipfrag", "SIP/2.0"},
		{"x", "y", "overwrote:\n"},
		{"x", "y", ":\n:\n::"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, _, _, body string) {
		code, reason := sipfragStatus(body)
		if code < 0 || (code == 0 && reason != "") {
			t.Fatalf("sipfrag status %d %q", code, reason)
		}
	})
}
