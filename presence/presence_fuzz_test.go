package presence

import (
	"testing"

	"github.com/kazoo-softphone/kazoo/phone"
)

// FuzzState: any body of either event gives one of the states, never a
// panic, and Dialogs takes any document in.
func FuzzState(f *testing.F) {
	f.Add(kamailioEarly)
	f.Add(`<presence><tuple id="t"><status><basic>open</basic></status></tuple><note>x</note></presence>`)
	f.Add(`<dialog-info state="partial" version="9"><dialog id="a"><state>confirmed</state></dialog></dialog-info>`)
	f.Add(`<a b='&#0;'>&#x110000;</a>`)
	f.Fuzz(func(t *testing.T, body string) {
		valid := map[string]bool{phone.PresenceIdle: true, phone.PresenceRinging: true, phone.PresenceBusy: true,
			phone.PresenceOffline: true, phone.PresenceUnknown: true}
		for _, ev := range []string{phone.EventDialog, phone.EventPresence} {
			if st, _ := State(ev, []byte(body)); !valid[st] {
				t.Fatalf("%s: state %q", ev, st)
			}
		}
		if info, err := ParseDialogInfo([]byte(body)); err == nil {
			var s Dialogs
			s.Apply(info)
			if len(s.byID) > maxDialogs {
				t.Fatalf("%d dialogs kept", len(s.byID))
			}
		}
	})
}
