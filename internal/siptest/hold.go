package siptest

import (
	sipgo "github.com/emiago/sipgo/sip"
)

// Hold makes the fake server neither answer nor forward requests of
// method: the test reads them with Next and plays the server itself with
// Send (a presence server answering SUBSCRIBE, say).
func (r *Registrar) Hold(method sipgo.RequestMethod) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.held == nil {
		r.held = map[sipgo.RequestMethod]bool{}
	}
	r.held[method] = true
}

func (r *Registrar) isHeld(method sipgo.RequestMethod) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.held[method]
}

// ProxyChallenge checks req's Proxy-Authorization as a proxy would: it
// returns the 407 to send, or nil when the credentials are right.
func (r *Registrar) ProxyChallenge(req *sipgo.Request) *sipgo.Response {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.authenticate(req, req.From().Address.User, true)
}
