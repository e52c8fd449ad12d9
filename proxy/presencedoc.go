package proxy

import (
	"bytes"
	"encoding/xml"
	"strconv"
)

// The NOTIFY bodies of the presence server. Package presence reads them
// back as the page does: dialog-info gives idle, ringing or busy; PIDF
// gives busy (the note "Busy" and the on-the-phone activity) or idle (its
// basic status is always open; ringing is only said in the note).

// dialogStates are the RFC 4235 dialog states of the presence states.
var dialogStates = map[string]string{
	PresenceBusy:    "confirmed",
	PresenceRinging: "early",
	PresenceIdle:    "terminated",
}

// dialogInfoBody is a full dialog-info document (RFC 4235 §4) about
// entity, with one dialog in the state that stands for state, its
// direction initiator (the caller) or recipient.
func dialogInfoBody(entity, id, direction string, version int, state string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="` + strconv.Itoa(version) + `" state="full" entity="`)
	escape(&b, entity)
	b.WriteString("\">\n" + `<dialog id="`)
	escape(&b, id)
	b.WriteString(`" direction="` + direction + `"><state>` + dialogStates[state] + "</state></dialog>\n</dialog-info>\n")
	return b.Bytes()
}

// pidfNotes are the notes of the presence states.
var pidfNotes = map[string]string{PresenceBusy: "Busy", PresenceRinging: "Ringing", PresenceIdle: "Idle"}

// pidfBody is a PIDF document (RFC 3863) about entity: open, the state
// as a note, and on-the-phone (RFC 4480) when busy.
func pidfBody(entity, state string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"` +
		` xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="`)
	escape(&b, entity)
	b.WriteString("\">\n" + `<tuple id="kazoo-dev"><status><basic>open</basic></status><note>` + pidfNotes[state] + "</note></tuple>\n")
	if state == PresenceBusy {
		b.WriteString(`<dm:person id="p1"><rpid:activities><rpid:on-the-phone/></rpid:activities></dm:person>` + "\n")
	}
	b.WriteString("</presence>\n")
	return b.Bytes()
}

func escape(b *bytes.Buffer, s string) { _ = xml.EscapeText(b, []byte(s)) }
