package sip

import (
	"errors"
	"strconv"
	"strings"

	sipgo "github.com/emiago/sipgo/sip"
)

// DTMF sent as SIP INFO (the de-facto application/dtmf-relay format that
// Cisco, Asterisk, FreeSWITCH and Kamailio platforms use, and the older
// application/dtmf one).
const (
	ContentTypeDTMFRelay = "application/dtmf-relay"
	ContentTypeDTMF      = "application/dtmf"
	// DTMFInfoAccept is the Accept header value for a 415 to an INFO.
	DTMFInfoAccept = ContentTypeDTMFRelay + ", " + ContentTypeDTMF
)

// ErrNotDTMF means an INFO's body is not one of the DTMF formats.
var ErrNotDTMF = errors.New("not a DTMF INFO")

// DTMFRelayBody is the application/dtmf-relay body for one tone.
func DTMFRelayBody(tone rune, durationMs int) []byte {
	return []byte("Signal=" + string(tone) + "\r\nDuration=" + strconv.Itoa(durationMs) + "\r\n")
}

// ParseDTMFInfo reads the tone of an INFO request: application/dtmf-relay
// ("Signal=5") or application/dtmf ("5"). It returns ErrNotDTMF for other
// content types, and another error when the body has no single valid tone
// (0-9, *, #, A-D). The tone is upper-cased.
func ParseDTMFInfo(req *sipgo.Request) (string, error) {
	var tone string
	switch {
	case HasContentType(req, ContentTypeDTMFRelay):
		for _, line := range strings.Split(string(req.Body()), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "signal") {
				tone = strings.TrimSpace(v)
			}
		}
	case HasContentType(req, ContentTypeDTMF):
		tone = strings.TrimSpace(string(req.Body()))
	default:
		return "", ErrNotDTMF
	}
	if len(tone) != 1 || !strings.Contains("0123456789*#ABCDabcd", tone) {
		return "", errors.New("no DTMF signal")
	}
	return strings.ToUpper(tone), nil
}

// HasContentType reports whether msg's Content-Type is (starts with) ct,
// compared without case.
func HasContentType(msg sipgo.Message, ct string) bool {
	hs := msg.GetHeaders("Content-Type")
	return len(hs) > 0 && strings.HasPrefix(strings.ToLower(strings.TrimSpace(hs[0].Value())), ct)
}
