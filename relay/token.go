package relay

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"strconv"
	"strings"
	"time"
)

// The close reasons of the token checks (status 1008, except the full
// cache: 1013, try again later).
const (
	reasonBadToken      = "missing or invalid token"
	reasonTokenTooLong  = "token lifetime too long"
	reasonTokenUsed     = "token already used"
	reasonTokensInUse   = "too many tokens in use"
	tokenContext        = "kazoo-relay-token-v2"
	maxNonce            = 64
	defaultTokenMaxLife = time.Hour
)

// NewToken mints the hello token a relay with secret accepts for a
// hello asking for rtmpURL, until exp, with a random nonce. The token is
//
//	<exp>.<nonce>.<mac>
//
// exp is the expiry in unix seconds; nonce is 1 to 64 characters of
// [A-Za-z0-9_-], fresh for each token; mac is the hex HMAC-SHA256, with
// the secret, of
//
//	kazoo-relay-token-v2|<exp>|<nonce>|<gateway>|<aor>
//
// where gateway is "rtmp://<host>:<port>" of rtmpURL (the host in lower
// case, an IPv6 one in brackets, the port written out: 1935 when the URL
// has none) and aor is the user@domain of its path, after the first
// segment, as written there. So a token opens one account on one
// gateway: another account, or the same account on another gateway, is
// refused. An application server that knows the secret mints it and
// hands it to the page; the relay refuses one whose exp is further than
// Config.TokenMaxLifetime ahead.
func NewToken(secret []byte, rtmpURL string, exp time.Time) (string, error) {
	gw, err := tokenGateway(rtmpURL)
	if err != nil {
		return "", err
	}
	e := strconv.FormatInt(exp.Unix(), 10)
	nonce := rand.Text() // 26 base32 characters, 130 bits
	return e + "." + nonce + "." + hex.EncodeToString(tokenMAC(secret, e, nonce, gw, aorOf(rtmpURL))), nil
}

// tokenGateway is the gateway a token is bound to: rtmp://host:port of
// rtmpURL, as parseGateway reads it.
func tokenGateway(rtmpURL string) (string, error) {
	p, err := parseGateway(rtmpURL)
	if err != nil {
		return "", err
	}
	return "rtmp://" + net.JoinHostPort(p.host, p.port), nil
}

func tokenMAC(secret []byte, exp, nonce, gateway, aor string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(tokenContext + "|" + exp + "|" + nonce + "|" + gateway + "|" + aor))
	return m.Sum(nil)
}

// helloToken is a verified token: what single use remembers.
type helloToken struct {
	mac [sha256.Size]byte
	exp int64
}

// checkToken verifies a hello token for a hello asking for rtmpURL at
// now; reason says why it is refused.
func checkToken(secret []byte, token, rtmpURL string, now time.Time, maxLife time.Duration) (tok helloToken, reason string) {
	exp, rest, ok1 := strings.Cut(token, ".")
	nonce, mac, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || !digits(exp) || !nonceOK(nonce) {
		return tok, reasonBadToken
	}
	gw, err := tokenGateway(rtmpURL)
	if err != nil {
		return tok, reasonBadToken
	}
	got, err := hex.DecodeString(mac)
	if err != nil || !hmac.Equal(got, tokenMAC(secret, exp, nonce, gw, aorOf(rtmpURL))) {
		return tok, reasonBadToken
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	switch {
	case err != nil || now.Unix() > n:
		return tok, reasonBadToken
	case n-now.Unix() > int64(maxLife/time.Second):
		return tok, reasonTokenTooLong
	}
	copy(tok.mac[:], got)
	tok.exp = n
	return tok, ""
}

func digits(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func nonceOK(s string) bool {
	if s == "" || len(s) > maxNonce {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
