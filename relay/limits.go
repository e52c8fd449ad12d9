package relay

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/coder/websocket"
)

// The close reasons of the session caps (status 1013, try again later).
const (
	reasonTooMany     = "too many sessions"
	reasonTooManyAddr = "too many sessions from this address"
	reasonTooManyAOR  = "too many sessions for this account"
)

// capped reports whether n sessions reach the cap c (negative: no cap).
func capped(n, c int) bool { return c >= 0 && n >= c }

// clientAddr is the address the per-address cap counts a request by:
// the TCP peer, unless the peer is one of Config.TrustedProxies; then
// X-Forwarded-For is read from the right (each proxy appends the address
// it got the request from) and the first hop that is not a trusted proxy
// is the client. An entry that is not an address stops the walk at the
// last trusted hop, so a client can never pick its own bucket.
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	a := ap.Addr().Unmap().WithZone("")
	if !s.trusted(a) {
		return a
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return a
		}
		a = h.Unmap().WithZone("")
		if !s.trusted(a) {
			return a
		}
	}
	return a
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// addrKey is what the per-address cap counts: an IPv4 address, or an
// IPv6 address's /64 (one subscriber's usual allocation, which a client
// could otherwise walk through).
func addrKey(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is4():
		return a.String()
	default:
		return netip.PrefixFrom(a, 64).Masked().String()
	}
}

// admit counts a new session against the global and per-address caps,
// or says why it is refused.
func (s *Server) admit(sess *session) (websocket.StatusCode, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return websocket.StatusGoingAway, "relay shutting down"
	case capped(len(s.sessions), s.cfg.MaxSessions):
		return websocket.StatusTryAgainLater, reasonTooMany
	case capped(s.perAddr[sess.addr], s.cfg.MaxPerAddr):
		return websocket.StatusTryAgainLater, reasonTooManyAddr
	}
	s.sessions[sess] = true
	s.perAddr[sess.addr]++
	s.wg.Add(1)
	return 0, ""
}

// claimAOR counts a session against the per-AOR cap, once its hello
// named the account; false when the account has its share already.
func (s *Server) claimAOR(sess *session, aor string) bool {
	key := strings.ToLower(aor)
	s.mu.Lock()
	defer s.mu.Unlock()
	if capped(s.perAOR[key], s.cfg.MaxPerAOR) {
		return false
	}
	s.perAOR[key]++
	sess.aor, sess.aorHeld = key, true
	return true
}

// release uncounts a session that ended.
func (s *Server) release(sess *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, sess)
	if s.perAddr[sess.addr]--; s.perAddr[sess.addr] <= 0 {
		delete(s.perAddr, sess.addr)
	}
	if sess.aorHeld {
		if s.perAOR[sess.aor]--; s.perAOR[sess.aor] <= 0 {
			delete(s.perAOR, sess.aor)
		}
	}
	s.wg.Done()
}
