package sip

import (
	"strconv"

	sipgo "github.com/emiago/sipgo/sip"
)

// MaxGrantedExpires bounds the registration lifetime a registrar may
// grant (one day): a larger or overflowing value (an Expires of
// 9,300,000,000 s overflows a time.Duration and made the refresh come
// after 1 s) is read as this.
const MaxGrantedExpires = 86400

// GrantedExpires reads the lifetime, in seconds, a registrar granted in
// the 2xx to a REGISTER: the expires parameter of the Contact whose user
// is contactUser, else the Expires header, else asked; bounded to
// 0…MaxGrantedExpires. A value that does not parse is ignored.
func GrantedExpires(res *sipgo.Response, contactUser string, asked int) int {
	n := asked
	if v, ok := parseSeconds(headerValue(res, "Expires")); ok && v > 0 {
		n = v
	}
	for _, h := range res.GetHeaders("Contact") {
		c, ok := h.(*sipgo.ContactHeader)
		if !ok || c.Address.User != contactUser {
			continue
		}
		if s, ok := c.Params.Get("expires"); ok {
			if v, ok := parseSeconds(s); ok {
				n = v
				break
			}
		}
	}
	return min(max(n, 0), MaxGrantedExpires)
}

// parseSeconds reads a delta-seconds value (RFC 3261 §25.1); one too
// large for an int reads as MaxGrantedExpires.
func parseSeconds(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 63)
	if err != nil || n > MaxGrantedExpires {
		return MaxGrantedExpires, true
	}
	return int(n), true
}

func headerValue(res *sipgo.Response, name string) string {
	if h := res.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}
