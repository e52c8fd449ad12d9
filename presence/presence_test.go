package presence

import (
	"testing"

	"github.com/kazoo-softphone/kazoo/phone"
)

const kamailioEarly = `<?xml version="1.0"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:1002@lab.test">
  <dialog id="abc" call-id="c1" local-tag="t1" direction="recipient">
    <state>early</state>
    <remote><identity>sip:1003@lab.test</identity><target uri="sip:1003@lab.test"/></remote>
    <local><identity>sip:1002@lab.test</identity><target uri="sip:1002@lab.test"/></local>
  </dialog>
</dialog-info>`

func TestDialogInfoStates(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"early", kamailioEarly, phone.PresenceRinging},
		{"confirmed", `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="2" state="full" entity="sip:1002@lab.test"><dialog id="a"><state event="x">Confirmed</state></dialog></dialog-info>`, phone.PresenceBusy},
		{"terminated", `<dialog-info version="3" state="full" entity="sip:1002@lab.test"><dialog id="a" direction="initiator"><state>terminated</state></dialog></dialog-info>`, phone.PresenceIdle},
		{"none", `<dialog-info version="0" state="full" entity="sip:1002@lab.test"/>`, phone.PresenceIdle},
		{"prefixed", `<d:dialog-info xmlns:d="urn:ietf:params:xml:ns:dialog-info" state="full"><d:dialog id="a"><d:state>trying</d:state></d:dialog><!-- c --></d:dialog-info>`, phone.PresenceRinging},
		{"one busy of two", `<dialog-info state="full"><dialog id="a"><state>early</state></dialog><dialog id="b"><state>confirmed</state></dialog></dialog-info>`, phone.PresenceBusy},
		{"empty", ``, phone.PresenceUnknown},
		{"not xml", `hello`, phone.PresenceUnknown},
		{"unclosed", `<dialog-info><dialog id="a"><state>confirmed</state></dialog>`, phone.PresenceUnknown},
		{"mis-nested", `<dialog-info><dialog><state>confirmed</dialog></state></dialog-info>`, phone.PresenceUnknown},
		{"other root", `<presence><dialog><state>confirmed</state></dialog></presence>`, phone.PresenceUnknown},
		{"dtd", `<!DOCTYPE x [<!ENTITY a "b">]><dialog-info/>`, phone.PresenceUnknown},
		{"bad entity", `<dialog-info><dialog><state>&bogus;</state></dialog></dialog-info>`, phone.PresenceUnknown},
	} {
		if got, _ := State(phone.EventDialog, []byte(tc.body)); got != tc.want {
			t.Errorf("%s: state %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDialogsFollowPartialUpdates(t *testing.T) {
	var s Dialogs
	apply := func(body string) string {
		t.Helper()
		info, err := ParseDialogInfo([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		st, _ := s.Apply(info)
		return st
	}
	if st := apply(`<dialog-info version="1" state="full"><dialog id="a"><state>confirmed</state></dialog></dialog-info>`); st != phone.PresenceBusy {
		t.Fatalf("full: %s", st)
	}
	// A second call rings while the first goes on: still busy.
	if st := apply(`<dialog-info version="2" state="partial"><dialog id="b"><state>early</state></dialog></dialog-info>`); st != phone.PresenceBusy {
		t.Fatalf("partial b early: %s", st)
	}
	if st := apply(`<dialog-info version="3" state="partial"><dialog id="a"><state>terminated</state></dialog></dialog-info>`); st != phone.PresenceRinging {
		t.Fatalf("partial a terminated: %s", st)
	}
	// An older document is ignored.
	info, _ := ParseDialogInfo([]byte(`<dialog-info version="2" state="full"/>`))
	if st, ok := s.Apply(info); ok || st != phone.PresenceRinging {
		t.Fatalf("stale document applied: %s %v", st, ok)
	}
	if st := apply(`<dialog-info version="4" state="full"/>`); st != phone.PresenceIdle {
		t.Fatalf("full empty: %s", st)
	}
}

func TestPIDFStates(t *testing.T) {
	for _, tc := range []struct{ name, body, want, note string }{
		{"open", `<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:1002@lab.test"><tuple id="t"><status><basic>open</basic></status></tuple></presence>`, phone.PresenceIdle, ""},
		{"closed", `<presence entity="sip:1002@lab.test"><tuple id="t"><status><basic>closed</basic></status></tuple></presence>`, phone.PresenceOffline, ""},
		{"no tuple", `<presence entity="sip:1002@lab.test"/>`, phone.PresenceOffline, ""},
		{"rpid on the phone", `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"><tuple id="t"><status><basic>open</basic></status></tuple><dm:person id="p"><rpid:activities><rpid:on-the-phone/></rpid:activities><dm:note>On the phone</dm:note></dm:person></presence>`, phone.PresenceBusy, "On the phone"},
		{"note busy", `<presence><tuple id="t"><status><basic>open</basic></status><note>Busy</note></tuple></presence>`, phone.PresenceBusy, "Busy"},
		{"note other", `<presence><tuple id="t"><status><basic>open</basic></status></tuple><note>Lunch &amp; coffee &#x263A;</note></presence>`, phone.PresenceIdle, "Lunch & coffee ☺"},
		{"cdata note", `<presence><tuple id="t"><status><basic>open</basic></status></tuple><note><![CDATA[<at desk>]]></note></presence>`, phone.PresenceIdle, "<at desk>"},
		{"garbage", `<presence><tuple>`, phone.PresenceUnknown, ""},
	} {
		got, note := State(phone.EventPresence, []byte(tc.body))
		if got != tc.want || (tc.want != phone.PresenceUnknown && note != tc.note) {
			t.Errorf("%s: %q %q, want %q %q", tc.name, got, note, tc.want, tc.note)
		}
	}
}

func TestDeepAndLargeDocumentsAreRefused(t *testing.T) {
	deep := ""
	for i := 0; i < maxDepth+1; i++ {
		deep += "<a>"
	}
	if _, err := ParseDialogInfo([]byte(deep)); err == nil {
		t.Fatal("too deep a document accepted")
	}
	big := make([]byte, MaxBody+1)
	if st, _ := State(phone.EventDialog, big); st != phone.PresenceUnknown {
		t.Fatalf("oversized body: %s", st)
	}
}
