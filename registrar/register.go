package registrar

import (
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// Lifetimes of bindings, seconds (RFC 3261 §10.3 steps 6 and 7).
const (
	DefaultExpires = 3600
	MaxExpires     = 3600
	MinExpires     = 60
)

// Registrar answers REGISTER requests for one domain.
type Registrar struct {
	Domain   string
	Location *Location
}

// Result is what a REGISTER did: the response to send, the bindings it
// added or refreshed, and among them the new ones (a new device, or one
// back on a new connection: the server may owe it a message-summary).
type Result struct {
	Response *sip.Response
	Updated  []Binding
	New      []Binding
	Removed  []Binding
}

// Register applies an authenticated REGISTER that arrived over flow
// (RFC 3261 §10.3 steps 5 to 8) and returns the answer.
func (r *Registrar) Register(req *sip.Request, flow Flow) Result {
	to := req.To()
	if to == nil || to.Address.User == "" {
		return Result{Response: reply(req, 400, "Missing To user")}
	}
	aor := to.Address.User + "@" + r.Domain
	callID := ""
	if h := req.CallID(); h != nil {
		callID = h.Value()
	}
	var cseq uint32
	if h := req.CSeq(); h != nil {
		cseq = h.SeqNo
	}
	headerExpires := -1
	if h := req.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n >= 0 {
			headerExpires = n
		}
	}

	var contacts []*sip.ContactHeader
	for _, h := range req.GetHeaders("Contact") {
		c, ok := h.(*sip.ContactHeader)
		if !ok {
			return Result{Response: reply(req, 400, "Bad Contact")}
		}
		contacts = append(contacts, c)
	}
	gruu := hasOptionTag(req, "Supported", "gruu")

	l := r.Location
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var res Result

	// Contact: * with Expires: 0 removes every binding (§10.3 step 6).
	if len(contacts) > 0 && contacts[0].Address.Wildcard {
		if len(contacts) > 1 || headerExpires != 0 {
			return Result{Response: reply(req, 400, "Invalid wildcard Contact")}
		}
		for _, b := range l.aors[aor] {
			res.Removed = append(res.Removed, *b)
		}
		l.removeLocked(aor, func(*Binding) bool { return true })
		res.Response = r.ok(req, aor, gruu)
		return res
	}

	type change struct {
		contact         *sip.ContactHeader
		expires         int
		instance, regID string
		existing        *Binding
	}
	var changes []change
	for _, c := range contacts {
		exp := headerExpires
		if v, ok := c.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
				exp = n
			}
		}
		if exp < 0 {
			exp = DefaultExpires
		}
		if exp > 0 && exp < MinExpires {
			res := reply(req, 423, "Interval Too Brief")
			res.AppendHeader(sip.NewHeader("Min-Expires", strconv.Itoa(MinExpires)))
			return Result{Response: res}
		}
		exp = min(exp, MaxExpires)
		instance := instanceOf(c)
		regID, _ := c.Params.Get("reg-id")
		ch := change{contact: c, expires: exp, instance: instance, regID: regID}
		for _, b := range l.aors[aor] {
			if same(b, instance, regID, c.Address) {
				ch.existing = b
				break
			}
		}
		// A REGISTER older than the one that made the binding (§10.3 step 7).
		if ch.existing != nil && ch.existing.CallID == callID && ch.existing.CSeq >= cseq {
			return Result{Response: reply(req, 500, "Out of order REGISTER")}
		}
		changes = append(changes, ch)
	}

	for _, ch := range changes {
		if ch.expires == 0 {
			if ch.existing != nil {
				res.Removed = append(res.Removed, *ch.existing)
				target := ch.existing
				l.removeLocked(aor, func(b *Binding) bool { return b == target })
			}
			continue
		}
		b := ch.existing
		fresh := b == nil || b.Flow != flow
		if b == nil {
			b = &Binding{AOR: aor, Instance: ch.instance, RegID: ch.regID}
			if ch.instance != "" {
				b.TempGRUU = newTempGRUU()
				l.temps[b.TempGRUU] = b
			}
			l.aors[aor] = append(l.aors[aor], b)
		} else {
			// The most recently refreshed binding goes last (most recent first in Lookup).
			l.aors[aor] = append(slicesWithout(l.aors[aor], b), b)
		}
		b.Contact = *ch.contact.Address.Clone()
		b.ContactValue = ch.contact.Value()
		b.Flow = flow
		b.Expires = now.Add(secondsDuration(ch.expires))
		b.CallID = callID
		b.CSeq = cseq
		b.Updated = now
		res.Updated = append(res.Updated, *b)
		if fresh {
			res.New = append(res.New, *b)
		}
	}
	res.Response = r.ok(req, aor, gruu)
	if hasOptionTag(req, "Supported", "outbound") && len(res.Updated) > 0 && res.Updated[0].RegID != "" {
		res.Response.AppendHeader(sip.NewHeader("Require", "outbound"))
	}
	return res
}

// ok is the 200 listing every live binding of aor with its remaining
// lifetime, and its GRUUs when the client supports them (RFC 5627 §6).
func (r *Registrar) ok(req *sip.Request, aor string, gruu bool) *sip.Response {
	res := reply(req, 200, "OK")
	now := r.Location.now()
	for _, b := range r.Location.aorBindingsLocked(aor) {
		c := &sip.ContactHeader{Address: *b.Contact.Clone(), Params: sip.NewParams()}
		left := int(b.Expires.Sub(now).Seconds() + 0.5)
		if b.Instance != "" {
			c.Params.Add("+sip.instance", `"<`+b.Instance+`>"`)
		}
		if b.RegID != "" {
			c.Params.Add("reg-id", b.RegID)
		}
		c.Params.Add("expires", strconv.Itoa(left))
		if gruu && b.Instance != "" {
			user, _, _ := strings.Cut(aor, "@")
			c.Params.Add("pub-gruu", `"sip:`+user+"@"+r.Domain+";gr="+b.Instance+`"`)
			c.Params.Add("temp-gruu", `"sip:`+b.TempGRUU+"@"+r.Domain+`;gr"`)
		}
		res.AppendHeader(c)
	}
	if gruu {
		res.AppendHeader(sip.NewHeader("Supported", "gruu"))
	}
	return res
}

// instanceOf returns the +sip.instance of a Contact without its quotes
// and angle brackets ("<urn:uuid:…>" → urn:uuid:…).
func instanceOf(c *sip.ContactHeader) string {
	v, ok := c.Params.Get("+sip.instance")
	if !ok {
		return ""
	}
	v = strings.Trim(strings.TrimSpace(v), `"`)
	return strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
}

// hasOptionTag reports whether a header such as Supported lists tag.
func hasOptionTag(req *sip.Request, header, tag string) bool {
	for _, h := range req.GetHeaders(header) {
		for _, t := range strings.Split(h.Value(), ",") {
			if strings.EqualFold(strings.TrimSpace(t), tag) {
				return true
			}
		}
	}
	return false
}

func reply(req *sip.Request, code int, reason string) *sip.Response {
	return sip.NewResponseFromRequest(req, code, reason, nil)
}

func slicesWithout(bs []*Binding, target *Binding) []*Binding {
	out := bs[:0]
	for _, b := range bs {
		if b != target {
			out = append(out, b)
		}
	}
	return out
}
