package relay

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Token makes the hello token a relay with secret accepts for aor
// ("user@domain") until exp: "<exp unix seconds>.<hex HMAC-SHA256 of
// "<exp>|<aor>">". The application server that knows the secret hands it
// to the page.
func Token(secret []byte, aor string, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return e + "." + sign(secret, e, aor)
}

func sign(secret []byte, exp, aor string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(exp + "|" + aor))
	return hex.EncodeToString(m.Sum(nil))
}

// checkToken verifies a hello token for aor at now.
func checkToken(secret []byte, token, aor string, now time.Time) bool {
	exp, mac, ok := strings.Cut(token, ".")
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.Unix() > n {
		return false
	}
	return hmac.Equal([]byte(mac), []byte(sign(secret, exp, aor)))
}
