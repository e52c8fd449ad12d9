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

// gatherNeeds are the ICE candidate types an offer or answer waits for
// before it is sent without waiting for gathering to complete.
type gatherNeeds struct {
	srflx bool // a STUN or TURN server is configured
	relay bool // a TURN server is configured
}

// needsFor derives the wait from the configured ICE servers: a
// server-reflexive candidate when there is any STUN or TURN server (a
// TURN server answers STUN too), a relayed one when there is a TURN
// server.
func needsFor(servers []ICEServer) gatherNeeds {
	var n gatherNeeds
	for _, s := range servers {
		for _, u := range s.URLs {
			u = strings.ToLower(u)
			switch {
			case strings.HasPrefix(u, "stun:"), strings.HasPrefix(u, "stuns:"):
				n.srflx = true
			case strings.HasPrefix(u, "turn:"), strings.HasPrefix(u, "turns:"):
				n.srflx, n.relay = true, true
			}
		}
	}
	return n
}

// candidatesReady reports whether an SDP's UDP candidates are enough to
// send it: a host candidate, plus a server-reflexive and a relayed one
// when the ICE servers can give them. Waiting for gathering to complete
// instead costs Chromium about 120 ms on a machine with one interface,
// for a TCP candidate (port 9, "tcptype active") no SIP media relay
// uses. A srflx candidate identical to a host one is never reported by
// the browser, so behind no NAT the wait ends at "complete" or at the
// gathering timeout, as before.
func candidatesReady(sdp string, need gatherNeeds) bool {
	var host, srflx, relay bool
	for line := range strings.Lines(sdp) {
		c, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "a=candidate:")
		if !ok {
			continue
		}
		// foundation component transport priority address port typ type …
		f := strings.Fields(c)
		if len(f) < 8 || !strings.EqualFold(f[2], "udp") || f[6] != "typ" {
			continue
		}
		switch f[7] {
		case "host":
			host = true
		case "srflx", "prflx":
			srflx = true
		case "relay":
			relay = true
		}
	}
	return host && (!need.srflx || srflx) && (!need.relay || relay)
}
