package sip

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits of page-given header fields: SIP has none, but a message must
// stay well inside one WebSocket frame and a proxy's buffer.
const (
	MaxExtraHeaders     = 32
	MaxExtraHeaderValue = 4096
)

// stackOwned are the header fields the user agent writes itself (or that
// carry its credentials, routing or body): a page may not add a second
// one. Lower case; compact forms (RFC 3261 §7.3.3) included.
var stackOwned = map[string]bool{
	"via": true, "v": true, "from": true, "f": true, "to": true, "t": true,
	"call-id": true, "i": true, "cseq": true, "contact": true, "m": true,
	"max-forwards": true, "route": true, "record-route": true,
	"content-length": true, "l": true, "content-type": true, "c": true,
	"content-encoding": true, "e": true, "authorization": true,
	"proxy-authorization": true, "www-authenticate": true,
	"proxy-authenticate": true, "expires": true, "allow": true,
	"supported": true, "k": true, "require": true, "proxy-require": true,
	"user-agent": true, "path": true,
}

// IsToken reports whether s is an RFC 3261 §25.1 token: a header field
// name is one.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-.!%*_+`'~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// CheckExtraHeader says why a header field a page wants to send may not
// be sent, or nil: the name must be a token and not one the stack writes
// itself; the value must be UTF-8 with no control character but tab (a
// CR or LF would start a header of the caller's choosing: header
// injection), at most MaxExtraHeaderValue bytes.
func CheckExtraHeader(name, value string) error {
	if !IsToken(name) {
		return fmt.Errorf("%q is not a header name (letters, digits and -.!%%*_+`'~ only)", name)
	}
	if stackOwned[strings.ToLower(name)] {
		return fmt.Errorf("%s is set by kazoo itself and cannot be given", name)
	}
	if len(value) > MaxExtraHeaderValue {
		return fmt.Errorf("the value of %s is longer than %d bytes", name, MaxExtraHeaderValue)
	}
	if !utf8.ValidString(value) {
		return fmt.Errorf("the value of %s is not UTF-8", name)
	}
	for _, r := range value {
		if r == '\r' || r == '\n' || r == 0 || (r < 0x20 && r != '\t') || r == 0x7f {
			return fmt.Errorf("the value of %s holds a control character (CR, LF, NUL, …), which is not allowed", name)
		}
	}
	return nil
}

// errNoColon is ParseHeaderLine's error for a line without a colon.
var errNoColon = errors.New(`is not of the form "Name: value"`)

// ParseHeaderLine splits "Name: value" (JsSIP's extraHeaders form) at
// its first colon; the whitespace around name and value is dropped. It
// does not check them (CheckExtraHeader does).
func ParseHeaderLine(line string) (name, value string, err error) {
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return "", "", fmt.Errorf("%q %w", line, errNoColon)
	}
	return strings.TrimSpace(name), strings.Trim(value, " \t"), nil
}
