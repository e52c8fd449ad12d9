package presence

import (
	"errors"
	"strings"

	"github.com/kazoo-softphone/kazoo/phone"
)

// PIDF is what kazoo reads of a presence document (RFC 3863, with the
// data model of RFC 4479 and the RPID activities of RFC 4480).
type PIDF struct {
	Entity string
	// Open and Closed say whether some tuple's <basic> was open, closed.
	Open, Closed bool
	// Activities are the local names of the RPID <activities> children
	// ("on-the-phone", "busy", "away", …).
	Activities []string
	// Note is the first non-empty <note> (of the presence, a tuple or a
	// person).
	Note string
}

var errNotPIDF = errors.New("presence: not a PIDF document")

// maxActivities bounds the activities kept.
const maxActivities = 16

// ParsePIDF reads an application/pidf+xml body.
func ParsePIDF(body []byte) (PIDF, error) {
	var p PIDF
	root := false
	var basic, note strings.Builder
	inBasic, inNote := false, false
	err := scan(string(body), visitor{
		start: func(path []string, attrs []attr) {
			switch {
			case len(path) == 1 && path[0] == "presence":
				root = true
				p.Entity = attrValue(attrs, "entity")
			case under(path, "tuple", "status", "basic"):
				inBasic = true
				basic.Reset()
			case path[len(path)-1] == "note" && p.Note == "":
				inNote = true
				note.Reset()
			case len(path) >= 2 && path[len(path)-2] == "activities" && len(p.Activities) < maxActivities:
				p.Activities = append(p.Activities, strings.ToLower(path[len(path)-1]))
			}
		},
		text: func(path []string, text string) {
			switch {
			case inBasic:
				basic.WriteString(text)
			case inNote:
				note.WriteString(text)
			}
		},
		end: func(path []string) {
			switch {
			case inBasic && path[len(path)-1] == "basic":
				inBasic = false
				switch strings.ToLower(strings.TrimSpace(basic.String())) {
				case "open":
					p.Open = true
				case "closed":
					p.Closed = true
				}
			case inNote && path[len(path)-1] == "note":
				inNote = false
				p.Note = strings.TrimSpace(note.String())
			}
		},
	})
	if err != nil {
		return PIDF{}, err
	}
	if !root {
		return PIDF{}, errNotPIDF
	}
	return p, nil
}

// busyNotes are notes that mean busy (compared without case); phones and
// servers (Kamailio's presence_dialoginfo, Asterisk) write these.
var busyNotes = []string{"busy", "on the phone", "on-the-phone", "in a call", "on a call", "talking"}

// State is what the document means: offline when every tuple is closed
// (or there is none), busy when open and on the phone (an activity or a
// note saying so), idle otherwise.
func (p PIDF) State() string {
	if !p.Open {
		return phone.PresenceOffline
	}
	for _, a := range p.Activities {
		if a == "on-the-phone" || a == "busy" {
			return phone.PresenceBusy
		}
	}
	n := strings.ToLower(p.Note)
	for _, b := range busyNotes {
		if n == b {
			return phone.PresenceBusy
		}
	}
	return phone.PresenceIdle
}

// State reads a NOTIFY body of event (phone.EventDialog or
// phone.EventPresence) and returns the watched URI's state and the note
// to show. A body that cannot be read gives phone.PresenceUnknown and
// why; an empty body, no information, is unknown too.
func State(event string, body []byte) (state, note string) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return phone.PresenceUnknown, ""
	}
	switch event {
	case phone.EventDialog:
		info, err := ParseDialogInfo(body)
		if err != nil {
			return phone.PresenceUnknown, err.Error()
		}
		return DialogState(info.Dialogs), ""
	case phone.EventPresence:
		p, err := ParsePIDF(body)
		if err != nil {
			return phone.PresenceUnknown, err.Error()
		}
		return p.State(), p.Note
	}
	return phone.PresenceUnknown, ""
}
