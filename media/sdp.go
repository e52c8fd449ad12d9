package media

import "strings"

// iceUfrag returns the first a=ice-ufrag of an SDP (session or media
// level), or "".
func iceUfrag(sdp string) string {
	for line := range strings.Lines(sdp) {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "a=ice-ufrag:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
