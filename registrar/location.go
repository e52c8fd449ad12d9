package registrar

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Flow is the connection a binding was registered over (RFC 5626 §3.1):
// requests for the binding are sent over it.
type Flow struct {
	Transport string // "WS", "WSS", "UDP", "TCP"
	Addr      string // the client's address as seen by the server, ip:port
}

// Binding is one registered contact of an address of record.
type Binding struct {
	AOR      string  // user@domain
	Contact  sip.Uri // the Contact URI as registered
	Instance string  // +sip.instance URN without <>, e.g. urn:uuid:…; "" when absent
	RegID    string  // RFC 5626 reg-id; "" when absent
	Flow     Flow
	Expires  time.Time
	CallID   string
	CSeq     uint32
	TempGRUU string // the tgruu.<token> user part of its temporary GRUU
	Updated  time.Time
	// ContactValue is the whole Contact header value as the client sent it
	// (with its parameters), echoed back in the 200 OK.
	ContactValue string
}

// Location holds the bindings of every address of record.
type Location struct {
	mu    sync.Mutex
	aors  map[string][]*Binding // AOR → bindings, oldest first
	temps map[string]*Binding   // tgruu token user → binding
	now   func() time.Time
}

// NewLocation returns an empty location service.
func NewLocation() *Location {
	return &Location{aors: map[string][]*Binding{}, temps: map[string]*Binding{}, now: time.Now}
}

// Lookup returns copies of the live bindings of aor, most recent first.
func (l *Location) Lookup(aor string) []Binding {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var out []Binding
	bs := l.aors[aor]
	for i := len(bs) - 1; i >= 0; i-- {
		if bs[i].Expires.After(now) {
			out = append(out, *bs[i])
		}
	}
	return out
}

// LookupGRUU returns the binding a GRUU reaches: a public one by its
// user@domain and gr instance, a temporary one by its tgruu user.
func (l *Location) LookupGRUU(u sip.Uri, domain string) (Binding, bool) {
	gr, ok := u.UriParams.Get("gr")
	if !ok {
		return Binding{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if strings.HasPrefix(u.User, "tgruu.") {
		if b := l.temps[u.User]; b != nil && b.Expires.After(now) {
			return *b, true
		}
		return Binding{}, false
	}
	if gr == "" {
		return Binding{}, false
	}
	bs := l.aors[u.User+"@"+domain]
	for i := len(bs) - 1; i >= 0; i-- {
		if bs[i].Instance == gr && bs[i].Expires.After(now) {
			return *bs[i], true
		}
	}
	return Binding{}, false
}

// Count returns the number of addresses of record with a live binding,
// and the number of live bindings.
func (l *Location) Count() (aors, bindings int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, bs := range l.aors {
		n := 0
		for _, b := range bs {
			if b.Expires.After(now) {
				n++
			}
		}
		if n > 0 {
			aors++
			bindings += n
		}
	}
	return aors, bindings
}

// Sweep removes expired bindings and returns how many it removed.
func (l *Location) Sweep() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	n := 0
	for aor := range l.aors {
		n += l.removeLocked(aor, func(b *Binding) bool { return !b.Expires.After(now) })
	}
	return n
}

// DropFlow removes every binding registered over flow (its connection
// closed) and returns them.
func (l *Location) DropFlow(f Flow) []Binding {
	l.mu.Lock()
	defer l.mu.Unlock()
	var gone []Binding
	for aor := range l.aors {
		l.removeLocked(aor, func(b *Binding) bool {
			if b.Flow == f {
				gone = append(gone, *b)
				return true
			}
			return false
		})
	}
	return gone
}

// removeLocked drops the bindings of aor that match.
func (l *Location) removeLocked(aor string, match func(*Binding) bool) int {
	bs := l.aors[aor]
	kept := bs[:0]
	n := 0
	for _, b := range bs {
		if match(b) {
			delete(l.temps, b.TempGRUU)
			n++
			continue
		}
		kept = append(kept, b)
	}
	clear(bs[len(kept):])
	if len(kept) == 0 {
		delete(l.aors, aor)
	} else {
		l.aors[aor] = kept
	}
	return n
}

// same reports whether an existing binding is the one a new Contact
// updates: the same instance and reg-id (RFC 5626 §6), or with no
// instance, the same Contact URI (RFC 3261 §10.3 step 8, §19.1.4).
func same(b *Binding, instance, regID string, contact sip.Uri) bool {
	if instance != "" || b.Instance != "" {
		return instance == b.Instance && regID == b.RegID
	}
	return sameURI(b.Contact, contact)
}

// sameURI compares the parts of two SIP URIs that RFC 3261 §19.1.4 says
// matter for a binding: user, host, port, transport.
func sameURI(a, b sip.Uri) bool {
	ta, _ := a.UriParams.Get("transport")
	tb, _ := b.UriParams.Get("transport")
	return a.User == b.User && strings.EqualFold(a.Host, b.Host) && a.Port == b.Port &&
		strings.EqualFold(ta, tb) && strings.EqualFold(a.Scheme, b.Scheme)
}

// newTempGRUU returns a fresh tgruu.<token> user part.
func newTempGRUU() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return "tgruu." + hex.EncodeToString(b[:])
}

// aorBindings returns the live bindings of aor in registration order
// (under the lock).
func (l *Location) aorBindingsLocked(aor string) []*Binding {
	now := l.now()
	return slices.DeleteFunc(slices.Clone(l.aors[aor]), func(b *Binding) bool { return !b.Expires.After(now) })
}

func secondsDuration(s int) time.Duration { return time.Duration(s) * time.Second }

// All returns copies of every live binding, by AOR then most recent first.
func (l *Location) All() []Binding {
	l.mu.Lock()
	aors := make([]string, 0, len(l.aors))
	for aor := range l.aors {
		aors = append(aors, aor)
	}
	l.mu.Unlock()
	slices.Sort(aors)
	var out []Binding
	for _, aor := range aors {
		out = append(out, l.Lookup(aor)...)
	}
	return out
}
