package audiodev

import (
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Kind is a device's MediaDeviceInfo.kind.
type Kind string

// The two kinds of audio device.
const (
	Input  Kind = "audioinput"
	Output Kind = "audiooutput"
)

// Role is what a chosen device is for.
type Role string

// The roles a page can give a device.
const (
	Microphone Role = "microphone" // the calls' capture device
	Speaker    Role = "speaker"    // the calls' playback device
	Ringtone   Role = "ringtone"   // where the incoming ring plays
)

// Roles lists every role, in a stable order.
var Roles = []Role{Microphone, Speaker, Ringtone}

// Kind is the kind of device a role takes.
func (r Role) Kind() Kind {
	if r == Microphone {
		return Input
	}
	return Output
}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Device is one entry of enumerateDevices().
type Device struct {
	ID      string
	GroupID string
	Kind    Kind
	Label   string // empty until the page has microphone permission
}

// DefaultID is Chromium's pseudo-device that follows the system default.
const DefaultID = "default"

// normalise maps the default pseudo-device to "".
func normalise(id string) string {
	if id == DefaultID {
		return ""
	}
	return id
}

// ErrUnknownDevice is Set's error for an ID not in the device list.
var ErrUnknownDevice = errors.New("audiodev: no such device")

// Fallback is a chosen device that went away: its role now uses the
// default device.
type Fallback struct {
	Role Role
	Lost string // the ID that disappeared
}

// Change is what an Update found: devices added and removed since the
// previous list, and the roles that fell back to the default.
type Change struct {
	Added, Removed []Device
	Fallbacks      []Fallback
}

// Empty reports whether nothing changed.
func (c Change) Empty() bool {
	return len(c.Added) == 0 && len(c.Removed) == 0 && len(c.Fallbacks) == 0
}

// Selection is the page's choice of devices. The zero value is not
// ready; use New. It is safe for concurrent use.
type Selection struct {
	mu     sync.Mutex
	chosen map[Role]string
	known  []Device
	listed bool // known holds a real list (Update ran once)
}

// New returns a selection using the default device for every role.
func New() *Selection {
	return &Selection{chosen: map[Role]string{}}
}

// Get returns the device chosen for role ("" for the default).
func (s *Selection) Get(role Role) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chosen[role]
}

// Set chooses id for role. Once a device list is known, id must be in it
// with the role's kind; "" and "default" choose the default device.
func (s *Selection) Set(role Role, id string) error {
	if !role.Valid() {
		return fmt.Errorf("audiodev: unknown role %q", role)
	}
	id = normalise(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != "" && s.listed && !s.has(role.Kind(), id) {
		return fmt.Errorf("%w: %s %q", ErrUnknownDevice, role.Kind(), id)
	}
	if id == "" {
		delete(s.chosen, role)
	} else {
		s.chosen[role] = id
	}
	return nil
}

// Reset goes back to the default device for role.
func (s *Selection) Reset(role Role) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.chosen, role)
}

// Devices returns the last list given to Update, of kind k ("" for all).
func (s *Selection) Devices(k Kind) []Device {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Device
	for _, d := range s.known {
		if k == "" || d.Kind == k {
			out = append(out, d)
		}
	}
	return out
}

func (s *Selection) has(k Kind, id string) bool {
	for _, d := range s.known {
		if d.Kind == k && normalise(d.ID) == id {
			return true
		}
	}
	return false
}

// Update takes the browser's current device list (audio kinds only are
// kept) and returns what changed. A role whose device is gone falls back
// to the default. The first Update only records the list: nothing was
// known before it, so nothing is reported as added.
func (s *Selection) Update(devs []Device) Change {
	var list []Device
	for _, d := range devs {
		if d.Kind == Input || d.Kind == Output {
			list = append(list, d)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var c Change
	if s.listed {
		c.Added = diff(list, s.known)
		c.Removed = diff(s.known, list)
	}
	s.known, s.listed = list, true
	for _, r := range Roles {
		id, ok := s.chosen[r]
		if ok && !s.has(r.Kind(), id) {
			delete(s.chosen, r)
			c.Fallbacks = append(c.Fallbacks, Fallback{Role: r, Lost: id})
		}
	}
	return c
}

// diff returns the devices of a not in b (by kind and ID).
func diff(a, b []Device) []Device {
	var out []Device
	for _, d := range a {
		if !slices.ContainsFunc(b, func(e Device) bool { return e.Kind == d.Kind && e.ID == d.ID }) {
			out = append(out, d)
		}
	}
	return out
}
