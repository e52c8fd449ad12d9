package registrar

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

const inst = "urn:uuid:2f5c9b5e-1d3c-4d3e-9a51-0c1a6b8d2e11"

func register(t *testing.T, contact string, cseq uint32, extra ...string) *sip.Request {
	t.Helper()
	raw := "REGISTER sip:lab.test SIP/2.0\r\n" +
		"Via: SIP/2.0/WS abc.invalid;branch=z9hG4bK" + strings.Repeat("x", int(cseq)) + "\r\n" +
		"From: <sip:1001@lab.test>;tag=a\r\nTo: <sip:1001@lab.test>\r\nCall-ID: reg-1\r\n" +
		"CSeq: " + strconv.Itoa(int(cseq)) + " REGISTER\r\nMax-Forwards: 70\r\n"
	if contact != "" {
		raw += "Contact: " + contact + "\r\n"
	}
	for _, h := range extra {
		raw += h + "\r\n"
	}
	raw += "Content-Length: 0\r\n\r\n"
	m, err := sip.ParseMessage([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return m.(*sip.Request)
}

func newReg() (*Registrar, *time.Time) {
	now := time.Unix(1_700_000_000, 0)
	loc := NewLocation()
	loc.now = func() time.Time { return now }
	return &Registrar{Domain: "lab.test", Location: loc}, &now
}

var ws1 = Flow{Transport: "WS", Addr: "127.0.0.1:40001"}
var ws2 = Flow{Transport: "WS", Addr: "127.0.0.1:40002"}

func TestBindingsAndGRUU(t *testing.T) {
	r, _ := newReg()
	c := `<sip:ab12@x.invalid;transport=ws>;+sip.instance="<` + inst + `>";reg-id=1;expires=600`
	res := r.Register(register(t, c, 1, "Supported: path, outbound, gruu"), ws1)
	if res.Response.StatusCode != 200 || len(res.Updated) != 1 {
		t.Fatalf("%d, %d updated", res.Response.StatusCode, len(res.Updated))
	}
	text := res.Response.String()
	for _, want := range []string{`pub-gruu="sip:1001@lab.test;gr=` + inst + `"`, "temp-gruu=", "expires=600", "Require: outbound"} {
		if !strings.Contains(text, want) {
			t.Errorf("200 lacks %s:\n%s", want, text)
		}
	}
	if len(res.New) != 1 {
		t.Errorf("a first registration is new: %d", len(res.New))
	}
	if res := r.Register(register(t, c, 2, "Supported: gruu"), ws1); len(res.New) != 0 || len(res.Updated) != 1 {
		t.Errorf("a refresh is not new: %d new, %d updated", len(res.New), len(res.Updated))
	}
	// A new connection of the same instance and reg-id replaces the flow.
	res = r.Register(register(t, c, 3, "Supported: gruu"), ws2)
	if len(res.New) != 1 {
		t.Errorf("a binding on a new connection is new again: %d", len(res.New))
	}
	bs := r.Location.Lookup("1001@lab.test")
	if len(bs) != 1 || bs[0].Flow != ws2 {
		t.Fatalf("bindings after the reconnect: %+v", bs)
	}
	var gr sip.Uri
	_ = sip.ParseUri("sip:1001@lab.test;gr="+inst, &gr)
	if b, ok := r.Location.LookupGRUU(gr, "lab.test"); !ok || b.Flow != ws2 {
		t.Fatalf("public GRUU: %v %+v", ok, b)
	}
	var tg sip.Uri
	_ = sip.ParseUri("sip:"+bs[0].TempGRUU+"@lab.test;gr", &tg)
	if b, ok := r.Location.LookupGRUU(tg, "lab.test"); !ok || b.Flow != ws2 {
		t.Fatalf("temporary GRUU: %v %+v", ok, b)
	}
	// Another device of the same AOR adds a binding (forking).
	r.Register(register(t, "<sip:zz@y.invalid;transport=ws>;expires=600", 4), ws1)
	if n := len(r.Location.Lookup("1001@lab.test")); n != 2 {
		t.Fatalf("%d bindings, want 2", n)
	}
	if gone := r.Location.DropFlow(ws1); len(gone) != 1 || gone[0].Contact.User != "zz" {
		t.Fatalf("DropFlow removed %+v", gone)
	}
	// An out-of-order REGISTER (same Call-ID, lower CSeq) is refused.
	if res := r.Register(register(t, c, 1), ws2); res.Response.StatusCode != 500 {
		t.Fatalf("old CSeq: %d", res.Response.StatusCode)
	}
	// expires=0 removes; Contact: * with Expires: 0 removes everything.
	r.Register(register(t, strings.Replace(c, "expires=600", "expires=0", 1), 5), ws2)
	if n := len(r.Location.Lookup("1001@lab.test")); n != 0 {
		t.Fatalf("%d bindings after expires=0", n)
	}
	r.Register(register(t, c, 6), ws2)
	if res := r.Register(register(t, "*", 7, "Expires: 0"), ws2); res.Response.StatusCode != 200 || len(r.Location.Lookup("1001@lab.test")) != 0 {
		t.Fatalf("wildcard: %d", res.Response.StatusCode)
	}
}

func TestLifetimes(t *testing.T) {
	r, now := newReg()
	res := r.Register(register(t, "<sip:a@x.invalid;transport=ws>", 1, "Expires: 30"), ws1)
	if res.Response.StatusCode != 423 || res.Response.GetHeader("Min-Expires").Value() != "60" {
		t.Fatalf("short lifetime: %d", res.Response.StatusCode)
	}
	res = r.Register(register(t, "<sip:a@x.invalid;transport=ws>", 2, "Expires: 86400"), ws1)
	if !strings.Contains(res.Response.String(), "expires=3600") {
		t.Fatalf("not capped at 3600:\n%s", res.Response)
	}
	*now = now.Add(3599 * time.Second)
	if r.Location.Sweep() != 0 || len(r.Location.Lookup("1001@lab.test")) != 1 {
		t.Fatal("expired too early")
	}
	*now = now.Add(2 * time.Second)
	if len(r.Location.Lookup("1001@lab.test")) != 0 || r.Location.Sweep() != 1 {
		t.Fatal("did not expire")
	}
}

func TestDigest(t *testing.T) {
	a := NewAccounts("lab.test", map[string]string{"1001": "pw-1001"})
	now := time.Unix(1_700_000_000, 0)
	a.now = func() time.Time { return now }
	chals := a.Challenges(false)
	if len(chals) != 2 || !strings.Contains(chals[0], "SHA-256") || !strings.Contains(chals[1], "MD5") {
		t.Fatalf("challenges %q", chals)
	}
	answer := func(chal, user, pw, header string) *sip.Request {
		c, err := digest.ParseChallenge(chal)
		if err != nil {
			t.Fatal(err)
		}
		cred, err := digest.Digest(c, digest.Options{Method: "REGISTER", URI: "sip:lab.test", Username: user, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		return register(t, "", 1, header+": "+cred.String())
	}
	for _, chal := range chals {
		if o, _ := a.Check(answer(chal, "1001", "pw-1001", "Authorization"), "Authorization", "1001"); o != Authorized {
			t.Errorf("right password with %s: %v", chal, o)
		}
		if o, _ := a.Check(answer(chal, "1001", "wrong", "Authorization"), "Authorization", "1001"); o != Challenge {
			t.Errorf("wrong password: %v", o)
		}
		if o, _ := a.Check(answer(chal, "1002", "pw-1001", "Authorization"), "Authorization", "1002"); o != Challenge {
			t.Errorf("unknown user: %v", o)
		}
		if o, _ := a.Check(answer(chal, "1001", "pw-1001", "Authorization"), "Authorization", "1003"); o != WrongIdentity {
			t.Errorf("digest user is not the identity: %v", o)
		}
	}
	old := answer(chals[0], "1001", "pw-1001", "Authorization")
	now = now.Add(NonceLifetime + time.Second)
	if o, _ := a.Check(old, "Authorization", "1001"); o != Stale {
		t.Errorf("old nonce: %v, want Stale", o)
	}
	forged := answer(strings.Replace(chals[1], `nonce="`, `nonce="AAAA`, 1), "1001", "pw-1001", "Authorization")
	if o, _ := a.Check(forged, "Authorization", "1001"); o != Challenge {
		t.Errorf("forged nonce: %v", o)
	}
	for _, bad := range []string{`Digest username="1001", realm="lab.test", nonce=`, `Digest username="1001`, `Basic MTAwMTpwdw==`, `Digest`} {
		if o, _ := a.Check(register(t, "", 1, "Authorization: "+bad), "Authorization", "1001"); o == Authorized {
			t.Errorf("malformed credentials %q authorized", bad)
		}
	}
}
