package sip

import "net"

// ValidUser reports whether u, a URI's user part as written, is made
// of the characters RFC 3261 §25.1 allows unescaped (alphanumerics,
// -_.!~*'() and &=+$,;?/) or '#'. Percent-escapes are refused with
// everything else: "%00a" reached a registrar as a user once, carrying
// a NUL byte to whatever decodes it.
func ValidUser(u string) bool {
	if u == "" || len(u) > 128 {
		return false
	}
	for _, c := range u {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c < 0x80 && containsByte("-_.!~*'()&=+$,;?/#", byte(c)):
		default:
			return false
		}
	}
	return true
}

// ValidHost reports whether h is an IP address or a host name made of
// letters, digits, '-' and '.'.
func ValidHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if net.ParseIP(h) != nil {
		return true
	}
	for _, c := range h {
		if !(c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func containsByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}
