package presence

import (
	"errors"
	"strconv"
	"strings"

	"github.com/kazoo-softphone/kazoo/phone"
)

// Dialog is one <dialog> of a dialog-info document (RFC 4235 §4.1).
type Dialog struct {
	ID        string
	State     string // trying, proceeding, early, confirmed, terminated (lower case)
	Direction string // initiator, recipient or ""
}

// DialogInfo is a dialog-info document.
type DialogInfo struct {
	// Full is state="full": the document lists every dialog; otherwise
	// (partial) only those that changed.
	Full bool
	// Version counts the documents of one subscription (-1 when absent).
	Version int
	// Entity is the watched URI the document is about.
	Entity  string
	Dialogs []Dialog
}

var errNotDialogInfo = errors.New("presence: not a dialog-info document")

// ParseDialogInfo reads an application/dialog-info+xml body.
func ParseDialogInfo(body []byte) (DialogInfo, error) {
	info := DialogInfo{Version: -1}
	root := false
	var cur *Dialog
	err := scan(string(body), visitor{
		start: func(path []string, attrs []attr) {
			switch {
			case len(path) == 1 && path[0] == "dialog-info":
				root = true
				info.Full = !strings.EqualFold(attrValue(attrs, "state"), "partial")
				info.Entity = attrValue(attrs, "entity")
				if v, err := strconv.Atoi(strings.TrimSpace(attrValue(attrs, "version"))); err == nil && v >= 0 {
					info.Version = v
				}
			case len(path) == 2 && path[1] == "dialog":
				info.Dialogs = append(info.Dialogs, Dialog{
					ID:        attrValue(attrs, "id"),
					Direction: strings.ToLower(attrValue(attrs, "direction")),
				})
				cur = &info.Dialogs[len(info.Dialogs)-1]
			}
		},
		text: func(path []string, text string) {
			if cur != nil && len(path) == 3 && under(path, "dialog", "state") {
				cur.State += text
			}
		},
		end: func(path []string) {
			if len(path) == 2 && path[1] == "dialog" {
				cur = nil
			}
		},
	})
	if err != nil {
		return DialogInfo{}, err
	}
	if !root {
		return DialogInfo{}, errNotDialogInfo
	}
	for i := range info.Dialogs {
		info.Dialogs[i].State = strings.ToLower(strings.TrimSpace(info.Dialogs[i].State))
	}
	return info, nil
}

// DialogState is what a set of dialogs means for a lamp: busy when one is
// confirmed, ringing when one is being set up (trying, proceeding,
// early), idle otherwise (none, or only terminated ones).
func DialogState(dialogs []Dialog) string {
	state := phone.PresenceIdle
	for _, d := range dialogs {
		switch d.State {
		case "confirmed":
			return phone.PresenceBusy
		case "early", "trying", "proceeding":
			state = phone.PresenceRinging
		}
	}
	return state
}

// maxDialogs bounds the dialogs Dialogs remembers for a subscription.
const maxDialogs = 64

// Dialogs follows the dialogs of one subscription across its
// notifications: a full document replaces them, a partial one updates
// the dialogs it names (RFC 4235 §4.1). Terminated dialogs are
// forgotten. The zero value is ready to use; it is not safe for
// concurrent use.
type Dialogs struct {
	version int
	seen    bool
	byID    map[string]Dialog
}

// Apply takes a document in and returns the resulting state. A document
// older than the last one applied (a lower version) is ignored and
// ok is false.
func (s *Dialogs) Apply(info DialogInfo) (state string, ok bool) {
	if s.seen && info.Version >= 0 && info.Version < s.version {
		return s.State(), false
	}
	if info.Version >= 0 {
		s.version = info.Version
	}
	s.seen = true
	if info.Full || s.byID == nil {
		s.byID = map[string]Dialog{}
	}
	for i, d := range info.Dialogs {
		id := d.ID
		if id == "" {
			id = "#" + strconv.Itoa(i)
		}
		if d.State == "terminated" {
			delete(s.byID, id)
			continue
		}
		if _, known := s.byID[id]; !known && len(s.byID) >= maxDialogs {
			continue
		}
		s.byID[id] = d
	}
	return s.State(), true
}

// State is the state of the dialogs applied so far.
func (s *Dialogs) State() string {
	all := make([]Dialog, 0, len(s.byID))
	for _, d := range s.byID {
		all = append(all, d)
	}
	return DialogState(all)
}
