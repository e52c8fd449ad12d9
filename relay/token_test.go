//go:build !js

package relay

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// mint makes a token for aor on the test gateway.
func mint(t *testing.T, secret []byte, aor string, exp time.Time) string {
	t.Helper()
	tok, err := NewToken(secret, gateway+aor, exp)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestCheckToken(t *testing.T) {
	secret := []byte("relay-secret")
	now := time.Unix(1_800_000_000, 0)
	url := "rtmp://127.0.0.1:1935/sip/1001@lab.test"
	good, err := NewToken(secret, url, now.Add(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	exp, rest, _ := strings.Cut(good, ".")
	nonce, mac, _ := strings.Cut(rest, ".")
	for _, tc := range []struct {
		name, token, url, reason string
	}{
		{"good", good, url, ""},
		{"the same gateway, its port left out", good, "rtmp://127.0.0.1/sip/1001@lab.test", ""},
		{"the same gateway, another application path", good, "rtmp://127.0.0.1:1935/other/1001@lab.test", ""},
		{"another account", good, "rtmp://127.0.0.1:1935/sip/1002@lab.test", reasonBadToken},
		{"another realm", good, "rtmp://127.0.0.1:1935/sip/1001@other.test", reasonBadToken},
		{"another gateway host", good, "rtmp://127.0.0.2:1935/sip/1001@lab.test", reasonBadToken},
		{"another gateway port", good, "rtmp://127.0.0.1:1936/sip/1001@lab.test", reasonBadToken},
		{"empty", "", url, reasonBadToken},
		{"the old format, without a nonce", exp + "." + mac, url, reasonBadToken},
		{"a later expiry under the same MAC", strconv.FormatInt(now.Unix()+600, 10) + "." + nonce + "." + mac, url, reasonBadToken},
		{"another nonce under the same MAC", exp + ".x" + nonce + "." + mac, url, reasonBadToken},
		{"a nonce with a dot", exp + ".a.b." + mac, url, reasonBadToken},
		{"a nonce too long", exp + "." + strings.Repeat("a", 65) + "." + mac, url, reasonBadToken},
		{"a signed expiry", "+" + good, url, reasonBadToken},
		{"a MAC that is not hex", exp + "." + nonce + ".zz", url, reasonBadToken},
		{"a MAC cut short", good[:len(good)-2], url, reasonBadToken},
	} {
		if _, r := checkToken(secret, tc.token, tc.url, now, time.Hour); r != tc.reason {
			t.Errorf("%s: %q, want %q", tc.name, r, tc.reason)
		}
	}
	named, _ := NewToken(secret, "rtmp://gw.example.com/sip/1001@lab.test", now.Add(time.Minute))
	if _, r := checkToken(secret, named, "rtmp://GW.Example.com:1935/sip/1001@lab.test", now, time.Hour); r != "" {
		t.Errorf("the gateway's host in upper case: %q", r)
	}
	if _, r := checkToken([]byte("another secret"), good, url, now, time.Hour); r != reasonBadToken {
		t.Errorf("another secret: %q", r)
	}
	// Expiry: at exp still good, a second later expired.
	if _, r := checkToken(secret, good, url, now.Add(5*time.Minute), time.Hour); r != "" {
		t.Errorf("at the expiry: %q", r)
	}
	if _, r := checkToken(secret, good, url, now.Add(5*time.Minute+time.Second), time.Hour); r != reasonBadToken {
		t.Errorf("expired: %q", r)
	}
	// Lifetime: the expiry may be at most maxLife ahead.
	for _, tc := range []struct {
		exp    time.Time
		reason string
	}{
		{now.Add(time.Hour), ""},
		{now.Add(time.Hour + time.Second), reasonTokenTooLong},
		{time.Unix(9999999999, 0), reasonTokenTooLong},
	} {
		tok, _ := NewToken(secret, url, tc.exp)
		if _, r := checkToken(secret, tok, url, now, time.Hour); r != tc.reason {
			t.Errorf("expiry %v ahead: %q, want %q", tc.exp.Sub(now), r, tc.reason)
		}
	}
}

func TestTokenCache(t *testing.T) {
	c := newTokenCache(2)
	tok := func(b byte, exp int64) helloToken { return helloToken{mac: [32]byte{b}, exp: exp} }
	if r := c.use(tok(1, 100), 50); r != "" {
		t.Fatal(r)
	}
	if r := c.use(tok(1, 100), 60); r != reasonTokenUsed {
		t.Fatalf("a replay: %q", r)
	}
	if r := c.use(tok(2, 200), 60); r != "" {
		t.Fatal(r)
	}
	// Full: refused rather than forgetting one that could be replayed.
	if r := c.use(tok(3, 200), 60); r != reasonTokensInUse {
		t.Fatalf("full: %q", r)
	}
	// Token 1 expired at 100: forgotten at 101, which makes room.
	if r := c.use(tok(3, 200), 101); r != "" {
		t.Fatalf("after an expiry: %q", r)
	}
	if heldTokens(c) != 2 {
		t.Fatalf("%d tokens held", heldTokens(c))
	}
	if r := c.use(tok(2, 200), 150); r != reasonTokenUsed {
		t.Fatalf("a replay of a live token: %q", r)
	}
}

// The relay's side of a token bound to an account and a gateway.
func TestRelayTokenBinding(t *testing.T) {
	secret := []byte("relay-secret")
	const other = "rtmp://127.0.0.1:1936/sip/"
	g := newRig(t, func(c *Config) { c.Secret = secret; c.Gateways = append(c.Gateways, other) })
	tok := mint(t, secret, "1001@lab.test", time.Now().Add(time.Minute))
	withTok := func(m map[string]any) map[string]any { m["token"] = tok; return m }

	c := g.dial(origin)
	c.send(withTok(hello("1002@lab.test")))
	if r := c.closed(); r != reasonBadToken {
		t.Fatalf("another account: %q", r)
	}
	c = g.dial(origin)
	m := withTok(hello("1001@lab.test"))
	m["rtmpUrl"] = other + "1001@lab.test"
	c.send(m)
	if r := c.closed(); r != reasonBadToken {
		t.Fatalf("another gateway: %q", r)
	}
	c = g.dial(origin)
	c.send(withTok(hello("1001@lab.test")))
	c.expect("connected")
}

func TestRelayTokenMaxLifetime(t *testing.T) {
	secret := []byte("relay-secret")
	g := newRig(t, func(c *Config) { c.Secret = secret; c.TokenMaxLifetime = 10 * time.Minute })
	c := g.dial(origin)
	m := hello("1001@lab.test")
	m["token"] = mint(t, secret, "1001@lab.test", time.Unix(9999999999, 0))
	c.send(m)
	if r := c.closed(); r != reasonTokenTooLong {
		t.Fatalf("exp 9999999999: %q", r)
	}
	c = g.dial(origin)
	m["token"] = mint(t, secret, "1001@lab.test", time.Now().Add(9*time.Minute))
	c.send(m)
	c.expect("connected")
}

func TestRelayTokenSingleUse(t *testing.T) {
	secret := []byte("relay-secret")
	for _, single := range []bool{false, true} {
		g := newRig(t, func(c *Config) { c.Secret = secret; c.TokenSingleUse = single })
		m := hello("1001@lab.test")
		m["token"] = mint(t, secret, "1001@lab.test", time.Now().Add(time.Minute))
		first := g.dial(origin)
		first.send(m)
		first.expect("connected")
		g.leave(first, 0) // a replay after the session ended, as a reconnect would
		again := g.dial(origin)
		again.send(m)
		if !single {
			again.expect("connected") // the default: reusable until it expires
			continue
		}
		if r := again.closed(); r != reasonTokenUsed {
			t.Fatalf("a replay: %q", r)
		}
		fresh := g.dial(origin)
		m["token"] = mint(t, secret, "1001@lab.test", time.Now().Add(time.Minute))
		fresh.send(m)
		fresh.expect("connected")
	}
}

// heldTokens is how many used tokens c remembers.
func heldTokens(c *tokenCache) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}
