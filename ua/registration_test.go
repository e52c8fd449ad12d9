package ua

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/internal/siptest"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

const wait = 5 * time.Second

// recorder collects the events of one registration.
type recorder struct {
	mu        sync.Mutex
	connected int
	errs      []*phone.Error
	errc      chan *phone.Error
}

func newRecorder() *recorder { return &recorder{errc: make(chan *phone.Error, 10)} }

func (r *recorder) events() Events {
	return Events{
		Connected: func() { r.mu.Lock(); r.connected++; r.mu.Unlock() },
		Error: func(e *phone.Error) {
			r.mu.Lock()
			r.errs = append(r.errs, e)
			r.mu.Unlock()
			r.errc <- e
		},
	}
}

func (r *recorder) nextError(t *testing.T) *phone.Error {
	t.Helper()
	select {
	case e := <-r.errc:
		return e
	case <-time.After(wait):
		t.Fatal("no error event")
		return nil
	}
}

func (r *recorder) noError(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case e := <-r.errc:
		t.Fatalf("unexpected error event %v", e)
	case <-time.After(d):
	}
}

func (r *recorder) connectedCount() int { r.mu.Lock(); defer r.mu.Unlock(); return r.connected }

const instance = "7e3b8c1a-1111-4222-8333-944455556666"

func options(reg *siptest.Registrar, user, password string) Options {
	return Options{
		WSURL:           reg.URL,
		PublicIdentity:  "sip:" + user + "@lab.test",
		PrivateIdentity: user,
		Password:        password,
		Realm:           "lab.test",
		InstanceID:      instance,
	}
}

func newRegistrar(t *testing.T) *siptest.Registrar {
	return siptest.NewRegistrar(t, "lab.test", map[string]string{"1001": "pw-1001", "1002": "pw-1002"})
}

func TestRegisterSendsDigestAndRFC5626Contact(t *testing.T) {
	reg := newRegistrar(t)
	u := New(Config{})
	rec := newRecorder()
	if err := u.Register(context.Background(), options(reg, "1001", "pw-1001"), rec.events()); err != nil {
		t.Fatal(err)
	}
	defer u.Logout(context.Background())
	if rec.connectedCount() != 1 || !u.Registered() {
		t.Fatalf("connected %d times, registered=%v", rec.connectedCount(), u.Registered())
	}
	first := reg.Next(t, wait)
	second := reg.Next(t, wait)
	if first.GetHeader("Authorization") != nil {
		t.Error("first REGISTER carried credentials before any challenge")
	}
	auth := second.GetHeader("Authorization")
	if auth == nil || !strings.Contains(auth.Value(), `username="1001"`) || strings.Contains(auth.Value(), "pw-1001") {
		t.Fatalf("Authorization = %v", auth)
	}
	if first.CallID().Value() != second.CallID().Value() || second.CSeq().SeqNo != first.CSeq().SeqNo+1 {
		t.Error("REGISTERs of one binding must share Call-ID and count CSeq up")
	}
	if got := second.Recipient.String(); got != "sip:lab.test" {
		t.Errorf("Request-URI %s", got)
	}
	if second.Via().Transport != "WS" || !strings.HasSuffix(second.Via().Host, ".invalid") {
		t.Errorf("Via %s", second.Via().Value())
	}
	c := second.Contact()
	if v, _ := c.Address.UriParams.Get("transport"); v != "ws" {
		t.Errorf("Contact %s lacks transport=ws", c.Value())
	}
	if v, _ := c.Params.Get("+sip.instance"); v != `"<urn:uuid:`+instance+`>"` {
		t.Errorf("+sip.instance = %s", v)
	}
	if v, _ := c.Params.Get("reg-id"); v != "1" {
		t.Errorf("reg-id = %s", v)
	}
	if e := second.GetHeader("Expires"); e == nil || e.Value() != "600" {
		t.Errorf("Expires = %v", e)
	}
	if s := second.GetHeader("Supported"); s == nil || !strings.Contains(s.Value(), "outbound") {
		t.Errorf("Supported = %v", s)
	}
	if n := len(reg.Bindings("1001")); n != 1 {
		t.Fatalf("%d bindings", n)
	}
}

func TestRegisterPrefersServersTopAlgorithm(t *testing.T) {
	reg := newRegistrar(t)
	reg.SetAlgorithms("SHA-256", "MD5")
	u := New(Config{})
	if err := u.Register(context.Background(), options(reg, "1001", "pw-1001"), newRecorder().events()); err != nil {
		t.Fatal(err)
	}
	defer u.Logout(context.Background())
	reg.Next(t, wait)
	if auth := reg.Next(t, wait).GetHeader("Authorization").Value(); !strings.Contains(auth, "algorithm=SHA-256") {
		t.Fatalf("Authorization %s", auth)
	}
}

func TestRegisterAnswers407WithProxyAuthorization(t *testing.T) {
	reg := newRegistrar(t)
	reg.SetProxyAuth(true)
	reg.SetAlgorithms("SHA-256")
	u := New(Config{})
	if err := u.Register(context.Background(), options(reg, "1001", "pw-1001"), newRecorder().events()); err != nil {
		t.Fatal(err)
	}
	defer u.Logout(context.Background())
	reg.Next(t, wait)
	second := reg.Next(t, wait)
	if pa := second.GetHeader("Proxy-Authorization"); pa == nil || !strings.Contains(pa.Value(), "algorithm=SHA-256") {
		t.Fatalf("Proxy-Authorization = %v", pa)
	}
	if second.GetHeader("Authorization") != nil {
		t.Fatal("a 407 must not be answered with Authorization")
	}
}

func TestRegisterRejections(t *testing.T) {
	for _, tc := range []struct {
		name     string
		user, pw string
		setup    func(*siptest.Registrar)
		key      string
		code     int
		requests int
	}{
		{"wrong password", "1001", "nope", nil, phone.KeyUnauthorized, 401, 2},
		{"wrong password, proxy challenge", "1001", "nope", func(r *siptest.Registrar) { r.SetProxyAuth(true) }, phone.KeyUnauthorized, 407, 2},
		{"unknown user", "1999", "pw", nil, phone.KeyUnauthorized, 401, 2},
		{"forbidden", "1002", "pw-1002", func(r *siptest.Registrar) { r.Forbid("1002") }, phone.KeyForbidden, 403, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := newRegistrar(t)
			if tc.setup != nil {
				tc.setup(reg)
			}
			u := New(Config{})
			rec := newRecorder()
			err := u.Register(context.Background(), options(reg, tc.user, tc.pw), rec.events())
			if err == nil || err.Key != tc.key || err.Code != tc.code {
				t.Fatalf("err = %v, want %s %d", err, tc.key, tc.code)
			}
			if got := rec.nextError(t); got != err {
				t.Fatalf("event %v differs from the returned error", got)
			}
			for i := 0; i < tc.requests; i++ {
				reg.Next(t, wait)
			}
			reg.NoRequest(t, 100*time.Millisecond)
			if rec.connectedCount() != 0 || u.Registered() {
				t.Fatal("reported connected after a rejection")
			}
		})
	}
}

func TestRegisterIntervalTooBrief(t *testing.T) {
	reg := newRegistrar(t)
	reg.SetMinExpires(900)
	u := New(Config{})
	if err := u.Register(context.Background(), options(reg, "1001", "pw-1001"), newRecorder().events()); err != nil {
		t.Fatal(err)
	}
	defer u.Logout(context.Background())
	var last *sipgo.Request
	for i := 0; i < 3; i++ { // 401, 423, 200
		last = reg.Next(t, wait)
	}
	if last.GetHeader("Expires").Value() != "900" {
		t.Fatalf("retried with Expires %s, want Min-Expires 900", last.GetHeader("Expires").Value())
	}
}

func TestRegisterInvalidParametersSendNothing(t *testing.T) {
	dialed := 0
	u := New(Config{Dial: func(ctx context.Context, url string) (Transport, error) {
		dialed++
		return nil, errors.New("must not dial")
	}})
	good := Options{WSURL: "ws://127.0.0.1:5066", PublicIdentity: "sip:1001@lab.test", Password: "x"}
	for _, tc := range []struct {
		param  string
		mutate func(*Options)
	}{
		{"wsUrl", func(o *Options) { o.WSURL = "" }},
		{"wsUrl", func(o *Options) { o.WSURL = "http://127.0.0.1:5066" }},
		{"wsUrl", func(o *Options) { o.WSURL = "ws://" }},
		{"publicIdentity", func(o *Options) { o.PublicIdentity = "" }},
		{"publicIdentity", func(o *Options) { o.PublicIdentity = "1001@lab.test" }},
		{"publicIdentity", func(o *Options) { o.PublicIdentity = "sip:lab.test" }},
		{"publicIdentity", func(o *Options) { o.PublicIdentity = "tel:+15551234" }},
		{"privateIdentity", func(o *Options) { o.PrivateIdentity = "a\"b" }},
		{"registerExpires", func(o *Options) { o.RegisterExpires = 5 }},
		{"instanceId", func(o *Options) { o.InstanceID = "not-a-uuid" }},
	} {
		o := good
		tc.mutate(&o)
		rec := newRecorder()
		err := u.Register(context.Background(), o, rec.events())
		if err == nil || err.Key != phone.KeyInvalidParameter || !strings.HasPrefix(err.Message, tc.param+":") {
			t.Errorf("%+v: err = %v, want invalid_parameter naming %s", o, err, tc.param)
		}
	}
	if dialed != 0 {
		t.Fatalf("dialed %d times for invalid parameters", dialed)
	}
}

func TestRegisterServerNotReachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	u := New(Config{})
	rec := newRecorder()
	o := Options{WSURL: "ws://" + addr, PublicIdentity: "sip:1001@lab.test"}
	e := u.Register(context.Background(), o, rec.events())
	if e == nil || e.Key != phone.KeyServerNotReachable || !strings.Contains(e.Message, "refused") {
		t.Fatalf("err = %v", e)
	}
}

// In a browser the dial error says nothing; Explain supplies the reason.
func TestRegisterExplainsSilentDialErrors(t *testing.T) {
	u := New(Config{
		Dial: func(ctx context.Context, url string) (Transport, error) {
			return nil, &sip.DialError{URL: url, Err: net.ErrClosed}
		},
		Explain: func(ctx context.Context, url string) string { return "nothing answered at that address" },
	})
	e := u.Register(context.Background(), Options{WSURL: "wss://sip.example.com", PublicIdentity: "sip:1001@lab.test"}, Events{})
	if e == nil || e.Key != phone.KeyServerNotReachable || !strings.Contains(e.Message, "nothing answered") {
		t.Fatalf("err = %v", e)
	}
}

func TestRegisterRegistrarSilent(t *testing.T) {
	reg := newRegistrar(t)
	reg.SetSilent(true)
	u := New(Config{RequestTimeout: 200 * time.Millisecond})
	e := u.Register(context.Background(), options(reg, "1001", "pw-1001"), Events{})
	if e == nil || e.Key != phone.KeyServerNotReachable || !strings.Contains(e.Message, "did not answer") {
		t.Fatalf("err = %v", e)
	}
}

func TestLogoutCancelsARegisterInProgress(t *testing.T) {
	reg := newRegistrar(t)
	reg.SetSilent(true)
	u := New(Config{})
	done := make(chan *phone.Error, 1)
	go func() { done <- u.Register(context.Background(), options(reg, "1001", "pw-1001"), Events{}) }()
	reg.Next(t, wait) // the REGISTER is out and will never be answered
	u.Logout(context.Background())
	select {
	case e := <-done:
		if e == nil || e.Key != phone.KeyRegistrationFailed || !strings.Contains(e.Message, "superseded") {
			t.Fatalf("err = %v", e)
		}
	case <-time.After(wait):
		t.Fatal("Register still waiting after Logout")
	}
	if u.Registered() {
		t.Fatal("registered after Logout")
	}
}
