package phone

import "strings"

// DTMF transports: how SendDTMF sends digits (the page's dtmfType).
const (
	DTMFRFC4733 = "rfc4733"
	DTMFInfo    = "info"
)

// CheckDTMF checks tones for SendDTMF: 0-9, * and # only.
func CheckDTMF(tones string) *Error {
	if !validDTMF(tones, false) {
		return InvalidParameter("tone", "%q is not made of DTMF tones 0-9, * and #", tones)
	}
	return nil
}

// validDTMF reports whether s is made of DTMF tones (0-9, *, #, and A-D
// when letters is set).
func validDTMF(s string, letters bool) bool {
	if s == "" {
		return false
	}
	for _, ch := range s {
		switch {
		case ch >= '0' && ch <= '9', ch == '*', ch == '#':
		case letters && strings.ContainsRune("ABCDabcd", ch):
		default:
			return false
		}
	}
	return true
}
