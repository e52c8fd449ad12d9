package sip

import (
	"errors"
	"strings"
	"sync"

	sipgo "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// ErrNoChallenge reports a 401/407 without a digest challenge kazoo can
// answer (no WWW-/Proxy-Authenticate, or only unknown algorithms).
var ErrNoChallenge = errors.New("sip: no supported digest challenge in the response")

// Credentials answer digest challenges.
type Credentials struct {
	Username string // the authorization user (kazoo.js privateIdentity)
	Password string
	// Realm, when set, makes a challenge for this realm win over the
	// others; any realm is answered otherwise.
	Realm string
}

// Challenge is one digest challenge taken from a 401 or 407 response. It
// can be reused for later requests (each use counts nc up) until the
// server rejects it, from several goroutines at once.
type Challenge struct {
	header string // Authorization or Proxy-Authorization
	chal   *digest.Challenge
	nc     *nonceCount
	cnonce string // fixed client nonce, for test vectors only
}

// supportedAlgorithms are the SIP digest algorithms (RFC 8760 §2.2; MD5
// from RFC 3261). The -sess variants are not supported.
func supportedAlgorithm(alg string) bool {
	switch strings.ToUpper(alg) {
	case "", "MD5", "SHA-256", "SHA-512-256":
		return true
	}
	return false
}

// ParseChallenge picks the challenge to answer in a 401 (WWW-Authenticate)
// or 407 (Proxy-Authenticate) response. Following RFC 8760 §2.4, it takes
// the topmost challenge whose algorithm is supported, the server listing
// them in its order of preference, and ignores the others; a challenge
// for realm wins over other realms.
func ParseChallenge(res *sipgo.Response, realm string) (*Challenge, error) {
	name, answer := "WWW-Authenticate", "Authorization"
	if res.StatusCode == 407 {
		name, answer = "Proxy-Authenticate", "Proxy-Authorization"
	}
	var first *digest.Challenge
	for _, h := range res.GetHeaders(name) {
		c, err := digest.ParseChallenge(h.Value())
		if err != nil || !supportedAlgorithm(c.Algorithm) {
			continue
		}
		if len(c.QOP) > 0 && !c.SupportsQOP("auth") {
			continue // auth-int only: we never send a body to protect here
		}
		if realm != "" && c.Realm == realm {
			return &Challenge{header: answer, chal: c, nc: &nonceCount{}}, nil
		}
		if first == nil {
			first = c
		}
	}
	if first == nil {
		return nil, ErrNoChallenge
	}
	return &Challenge{header: answer, chal: first, nc: &nonceCount{}}, nil
}

// nonceCount counts the uses of one nonce (nc), shared by the views
// of a challenge (see ForProxy).
type nonceCount struct {
	mu sync.Mutex
	n  int
}

func (n *nonceCount) next() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.n++
	return n.n
}

// ForProxy is the same challenge answered in Proxy-Authorization, for
// preemptive credentials (RFC 3261 §22.3) in requests a proxy will
// challenge with 407: the nonce and its count are shared.
func (c *Challenge) ForProxy() *Challenge {
	return &Challenge{header: "Proxy-Authorization", chal: c.chal, nc: c.nc, cnonce: c.cnonce}
}

// Stale reports the server's stale=true: the password was right but the
// nonce had expired, so a retry with the new nonce is expected.
func (c *Challenge) Stale() bool { return c.chal.Stale }

// Realm is the realm the challenge is for.
func (c *Challenge) Realm() string { return c.chal.Realm }

// Algorithm is the challenge's algorithm ("" means MD5).
func (c *Challenge) Algorithm() string { return c.chal.Algorithm }

// Authorize sets req's Authorization or Proxy-Authorization header to the
// answer to this challenge, replacing an earlier one.
func (c *Challenge) Authorize(req *sipgo.Request, cred Credentials) error {
	answer, err := c.answer(string(req.Method), req.Recipient.String(), cred)
	if err != nil {
		return err
	}
	req.RemoveHeader(c.header)
	req.AppendHeader(sipgo.NewHeader(c.header, answer.String()))
	return nil
}

// answer computes the credentials for one request (RFC 7616 §3.4).
func (c *Challenge) answer(method, uri string, cred Credentials) (*digest.Credentials, error) {
	count := c.nc.next()
	return digest.Digest(c.chal, digest.Options{
		Method:   method,
		URI:      uri,
		Count:    count,
		Cnonce:   c.cnonce,
		Username: cred.Username,
		Password: cred.Password,
	})
}
