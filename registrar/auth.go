package registrar

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// NonceLifetime is how long a nonce is accepted; an older one is
// answered with stale=true so the client retries without asking its user.
const NonceLifetime = 300 * time.Second

// Accounts checks digest credentials against a table of users and
// passwords for one realm.
type Accounts struct {
	Realm string
	// Algorithms are the challenges offered by default, one header each,
	// most preferred first as RFC 8760 §2.4 asks: SHA-256 then MD5.
	// Clients should take the first they support (kazoo does); JsSIP 3.13
	// keeps the last header only and does MD5 only, so MD5 comes last.
	// Some clients take the first whatever it is (baresip 1.0 then fails
	// on SHA-256): Challenges can be asked for other algorithms.
	Algorithms []string

	mu     sync.RWMutex
	users  map[string]string // user → password
	secret [32]byte
	now    func() time.Time
}

// NewAccounts returns the accounts of realm; users maps user → password.
func NewAccounts(realm string, users map[string]string) *Accounts {
	a := &Accounts{Realm: realm, Algorithms: []string{"SHA-256", "MD5"}, users: map[string]string{}, now: time.Now}
	for u, p := range users {
		a.users[u] = p
	}
	_, _ = rand.Read(a.secret[:])
	return a
}

// Exists reports whether user is an account.
func (a *Accounts) Exists(user string) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	_, ok := a.users[user]
	return ok
}

// Users returns the number of accounts.
func (a *Accounts) Users() int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return len(a.users)
}

// Outcome of checking a request's credentials.
type Outcome int

const (
	// Challenge: no (usable) credentials, a wrong password or an unknown
	// user. Answer 401/407 with Challenges (RFC 3261 §22.1); as Kamailio
	// does, a wrong password and an unknown user look the same.
	Challenge Outcome = iota
	// Stale: the right password on an expired nonce; challenge again
	// with stale=true.
	Stale
	// Authorized: the digest matched for the expected user.
	Authorized
	// WrongIdentity: the digest user is not the request's identity (403).
	WrongIdentity
)

// ErrBadCredentials is a credentials header that cannot be parsed.
var ErrBadCredentials = errors.New("registrar: malformed digest credentials")

// Check verifies the Authorization (header "Authorization") or
// Proxy-Authorization credentials of req for identity (the To user of a
// REGISTER, the From user otherwise).
func (a *Accounts) Check(req *sip.Request, header, identity string) (Outcome, error) {
	for _, h := range req.GetHeaders(header) {
		cred, err := digest.ParseCredentials(h.Value())
		if err != nil {
			return Challenge, ErrBadCredentials
		}
		if cred.Realm != a.Realm {
			continue // credentials for another realm (RFC 3261 §22.4)
		}
		if cred.Username != identity {
			return WrongIdentity, nil
		}
		a.mu.RLock()
		password, known := a.users[cred.Username]
		a.mu.RUnlock()
		if !known {
			return Challenge, nil
		}
		fresh, ok := a.nonceOK(cred.Nonce)
		if !ok || !supported(cred.Algorithm) {
			return Challenge, nil
		}
		qop := []string(nil)
		if cred.QOP != "" {
			qop = []string{cred.QOP}
		}
		want, err := digest.Digest(&digest.Challenge{
			Realm: a.Realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm, Opaque: cred.Opaque, QOP: qop,
		}, digest.Options{
			Method: string(req.Method), URI: cred.URI, Username: cred.Username, Password: password,
			Cnonce: cred.Cnonce, Count: cred.Nc,
		})
		if err != nil || subtle.ConstantTimeCompare([]byte(want.Response), []byte(strings.ToLower(cred.Response))) != 1 {
			return Challenge, nil
		}
		if !fresh {
			return Stale, nil
		}
		return Authorized, nil
	}
	return Challenge, nil
}

// Challenges returns the WWW-Authenticate / Proxy-Authenticate values to
// send, one per algorithm (Algorithms when algs is empty), all on one
// fresh nonce.
func (a *Accounts) Challenges(stale bool, algs ...string) []string {
	if len(algs) == 0 {
		algs = a.Algorithms
	}
	nonce := a.newNonce()
	out := make([]string, 0, len(algs))
	for _, alg := range algs {
		c := digest.Challenge{Realm: a.Realm, Nonce: nonce, Algorithm: alg, QOP: []string{"auth"}, Stale: stale}
		out = append(out, c.String())
	}
	return out
}

// supported reports whether credentials of an algorithm can be checked
// (whichever challenge the client answered: the nonce is ours).
func supported(alg string) bool {
	switch strings.ToUpper(alg) {
	case "", "MD5", "SHA-256", "SHA-512-256":
		return true
	}
	return false
}

// newNonce is base64(8-byte unix nanoseconds ‖ first 16 bytes of
// HMAC-SHA256(secret, those 8 bytes)).
func (a *Accounts) newNonce() string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], uint64(a.now().UnixNano()))
	mac := hmac.New(sha256.New, a.secret[:])
	mac.Write(b[:8])
	copy(b[8:], mac.Sum(nil)[:16])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// nonceOK reports whether nonce is one of ours (ok) and still within
// NonceLifetime (fresh).
func (a *Accounts) nonceOK(nonce string) (fresh, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != 24 {
		return false, false
	}
	mac := hmac.New(sha256.New, a.secret[:])
	mac.Write(b[:8])
	if !hmac.Equal(mac.Sum(nil)[:16], b[8:]) {
		return false, false
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	return a.now().Sub(issued) < NonceLifetime, true
}
