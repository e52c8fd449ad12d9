package sip

import (
	"errors"
	"strings"
)

// Replaces is the Replaces header (RFC 3891 §6.1): the dialog an INVITE
// takes the place of. The tags are as the receiver of the INVITE sees
// them: ToTag is its own (local) tag, FromTag the other party's.
type Replaces struct {
	CallID    string
	ToTag     string
	FromTag   string
	EarlyOnly bool // replace only a dialog still ringing (early-only)
}

// ErrBadReplaces is a Replaces header that cannot be read.
var ErrBadReplaces = errors.New("sip: malformed Replaces header")

// ParseReplaces reads a Replaces header value:
//
//	callid *( ";" ( "to-tag=" token / "from-tag=" token / "early-only" / generic-param ) )
//
// Exactly one to-tag and one from-tag are required (§6.1); parameter
// names are case-insensitive, other parameters are ignored.
func ParseReplaces(v string) (Replaces, error) {
	parts := strings.Split(v, ";")
	r := Replaces{CallID: strings.TrimSpace(parts[0])}
	if !isCallID(r.CallID) {
		return Replaces{}, ErrBadReplaces
	}
	var haveTo, haveFrom bool
	for _, p := range parts[1:] {
		name, value, hasValue := strings.Cut(strings.TrimSpace(p), "=")
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		switch {
		case name == "to-tag" && !haveTo:
			r.ToTag, haveTo = value, true
		case name == "from-tag" && !haveFrom:
			r.FromTag, haveFrom = value, true
		case name == "to-tag" || name == "from-tag":
			return Replaces{}, ErrBadReplaces // twice
		case name == "early-only" && !hasValue:
			r.EarlyOnly = true
		case !isToken(name):
			return Replaces{}, ErrBadReplaces
		}
	}
	if !isToken(r.ToTag) || !isToken(r.FromTag) {
		return Replaces{}, ErrBadReplaces
	}
	return r, nil
}

// String is the header's value, e.g. "abc@host;to-tag=1;from-tag=2".
func (r Replaces) String() string {
	s := r.CallID + ";to-tag=" + r.ToTag + ";from-tag=" + r.FromTag
	if r.EarlyOnly {
		s += ";early-only"
	}
	return s
}

// URIHeader is the value escaped for a URI's headers
// (sip:bob@host?Replaces=…, RFC 3261 §19.1.1 hvalue; RFC 3891 §5).
func (r Replaces) URIHeader() string { return EscapeURIHeader(r.String()) }

// EscapeURIHeader escapes s as a URI header value (RFC 3261 §25.1
// hvalue): everything but alphanumerics, -_.!~*'() and []/?:+$ becomes
// %XX.
func EscapeURIHeader(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) || strings.IndexByte("-_.!~*'()[]/?:+$", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// UnescapeURIHeader decodes the %XX escapes of a URI header value.
func UnescapeURIHeader(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) || unhex(s[i+1]) < 0 || unhex(s[i+2]) < 0 {
			return "", errors.New("sip: bad %-escape in a URI header")
		}
		b.WriteByte(byte(unhex(s[i+1])<<4 | unhex(s[i+2])))
		i += 2
	}
	return b.String(), nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isToken reports a non-empty RFC 3261 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && strings.IndexByte("-.!%*_+`'~", s[i]) < 0 {
			return false
		}
	}
	return true
}

// isCallID reports an RFC 3261 callid: word [ "@" word ].
func isCallID(s string) bool {
	w1, w2, at := strings.Cut(s, "@")
	return isWord(w1) && (!at || isWord(w2))
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && strings.IndexByte("-.!%*_+`'~()<>:\\\"/[]?{}", s[i]) < 0 {
			return false
		}
	}
	return true
}
