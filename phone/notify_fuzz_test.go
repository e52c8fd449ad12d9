package phone

import (
	"testing"
)

// FuzzNotifyBody feeds out-of-dialog NOTIFY bodies (Kazoo's
// "Overwrote:"/"Replaced-By:" notices, RFC 3842 message-summary with
// "Messages-Waiting:"/"Message-Account:", and others) to ClassifyNotify:
// nothing panics, every body gives one of the documented notifications,
// and counts are never negative.
func FuzzNotifyBody(f *testing.F) {
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
	keys := map[string]bool{NotifyOverriding: true, NotifyReplaced: true, NotifyVoicemail: true, NotifyUnknown: true}
	f.Fuzz(func(t *testing.T, event, contentType, body string) {
		n := ClassifyNotify(event, contentType, body)
		if !keys[n.Key] || n.Message == "" {
			t.Fatalf("notification %q %q", n.Key, n.Message)
		}
		if n.Key == NotifyVoicemail {
			for _, k := range []string{"newMessages", "oldMessages"} {
				if c, ok := n.Fields[k].(int); !ok || c < 0 {
					t.Fatalf("%s = %v", k, n.Fields[k])
				}
			}
			if _, ok := n.Fields["waiting"].(bool); !ok {
				t.Fatalf("waiting = %v", n.Fields["waiting"])
			}
		}
	})
}
