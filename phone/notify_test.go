package phone

import "testing"

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
			n := ClassifyNotify(tc.event, tc.ctype, tc.body)
			if n.Key != tc.key || n.Message == "" || (tc.check != nil && !tc.check(n)) {
				t.Fatalf("%+v", n)
			}
		})
	}
}
