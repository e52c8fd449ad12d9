package sip

import (
	"strings"
	"testing"

	sipgo "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// FuzzChallenge feeds a server's WWW-Authenticate or Proxy-Authenticate
// values (one per line) to ParseChallenge and answers the chosen
// challenge. Whatever the server sends, nothing panics, and the answer
// is one well-formed header: a realm, nonce or opaque holding CR, LF or
// quotes must not add headers to our request or break its parsing.
func FuzzChallenge(f *testing.F) {
	for _, s := range []string{
		`Digest realm="lab.test", nonce="abc", qop="auth", algorithm=MD5`,
		`Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
		`Digest realm="a", nonce="1", qop="auth", algorithm=SHA-1` + "\n" + `Digest realm="b", nonce="3", qop="auth", algorithm=SHA-512-256`,
		`Digest realm="a", nonce="1", stale=true`,
		`Digest realm="a", nonce="1", qop="auth-int"`,
		`Digest realm="a\"b", nonce="x,y", opaque=""`,
		`Digest realm=a, nonce=b, algorithm=md5-sess`,
		`Basic realm="a"`,
		`Digest`,
		`Digest realm="a` + "\r\nX-Injected: 1" + `", nonce="1"`,
		`Digest realm="a", nonce="1` + "\\\r\n" + `Via: x"`,
		`Digest ,,,=, realm="", nonce`,
	} {
		f.Add(s, false, "")
		f.Add(s, true, "a")
	}
	// The request's URI is ours, not the server's: a fixed one.
	target := sipgo.Uri{Scheme: "sip", User: "1002", Host: "lab.test", UriParams: sipgo.HeaderParams{{K: "transport", V: "ws"}}}
	f.Fuzz(func(t *testing.T, challenges string, proxy bool, realm string) {
		code, name, answer := 401, "WWW-Authenticate", "Authorization"
		if proxy {
			code, name, answer = 407, "Proxy-Authenticate", "Proxy-Authorization"
		}
		res := sipgo.NewResponse(code, "Unauthorized")
		for _, v := range strings.Split(challenges, "\n") {
			res.AppendHeader(sipgo.NewHeader(name, v))
		}
		chal, err := ParseChallenge(res, realm)
		if err != nil {
			return
		}
		_, _, _ = chal.Stale(), chal.Realm(), chal.Algorithm()
		req := sipgo.NewRequest(sipgo.REGISTER, target)
		req.AppendHeader(sipgo.NewHeader("Via", "SIP/2.0/WS x.invalid;branch=z9hG4bKf"))
		req.AppendHeader(sipgo.NewHeader("From", "<sip:1001@lab.test>;tag=f"))
		req.AppendHeader(sipgo.NewHeader("To", "<sip:1001@lab.test>"))
		req.AppendHeader(sipgo.NewHeader("Call-ID", "fuzz"))
		req.AppendHeader(sipgo.NewHeader("CSeq", "1 REGISTER"))
		req.AppendHeader(sipgo.NewHeader("Content-Length", "0"))
		for range 2 { // twice: nc counts up, the header is replaced
			if err := chal.Authorize(req, Credentials{Username: "1001", Password: "pw-1001"}); err != nil {
				return
			}
		}
		if n := len(req.GetHeaders(answer)); n != 1 {
			t.Fatalf("%d %s headers after answering", n, answer)
		}
		if chal.ForProxy().header != "Proxy-Authorization" {
			t.Fatal("ForProxy does not answer in Proxy-Authorization")
		}
		// What we send parses back as the same request: the answer stays
		// one header line.
		msg, err := sipgo.ParseMessage([]byte(req.String()))
		if err != nil {
			t.Fatalf("our answered request does not parse: %v\n%s", err, req.String())
		}
		back := msg.(*sipgo.Request)
		hs := back.GetHeaders(answer)
		if len(hs) != 1 || len(back.Headers()) != len(req.Headers()) {
			t.Fatalf("the answer changed the request's headers:\n%s", req.String())
		}
		if _, err := digest.ParseCredentials(hs[0].Value()); err != nil {
			t.Fatalf("our %s does not parse back: %v: %s", answer, err, hs[0].Value())
		}
	})
}
