package proxy

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/internal/siptest"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/registrar"
	"github.com/kazoo-softphone/kazoo/ua"
)

const wait = 10 * time.Second

// server is a proxy on loopback: SIP WebSocket at ws://…/sip, and UDP.
type server struct {
	p     *Proxy
	wsURL string
}

func start(t *testing.T, tweak func(*Config)) *server {
	t.Helper()
	users := map[string]string{}
	for _, u := range []string{"1001", "1002", "1003", "1004"} {
		users[u] = "pw-" + u
	}
	cfg := Config{Domain: "lab.test", Accounts: registrar.NewAccounts("lab.test", users)}
	if tweak != nil {
		tweak(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AttachUDP(pc); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /sip", p.WebSocket(l.Addr()))
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		_ = srv.Close()
		_ = p.Close()
		_ = pc.Close()
	})
	return &server{p: p, wsURL: "ws://" + l.Addr().String() + "/sip"}
}

// fakeMedia answers offers with a fixed SDP: what the proxy forwards is
// what matters here, not audio.
type fakeMedia struct{ closed atomic.Bool }

const fakeSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=sendrecv\r\n"

func (m *fakeMedia) Offer(context.Context, bool) (string, error)         { return fakeSDP, nil }
func (m *fakeMedia) Answer(context.Context, string) (string, error)      { return fakeSDP, nil }
func (m *fakeMedia) Accept(context.Context, string, bool) error          { return nil }
func (m *fakeMedia) Rollback(context.Context) error                      { return nil }
func (m *fakeMedia) SetDirection(ua.Direction) error                     { return nil }
func (m *fakeMedia) SendDTMF(string) error                               { return nil }
func (m *fakeMedia) SetMuted(bool) error                                 { return nil }
func (m *fakeMedia) Stats(context.Context) (phone.MediaStats, error)     { return phone.MediaStats{}, nil }
func (m *fakeMedia) SetMicrophone(context.Context, string) error         { return nil }
func (m *fakeMedia) SetSpeaker(context.Context, string) error            { return nil }
func (m *fakeMedia) Levels(context.Context) (phone.Levels, error)        { return phone.Levels{}, nil }
func (m *fakeMedia) Close()                                              { m.closed.Store(true) }
func fakeMediaFactory(context.Context, ua.MediaEvents) (ua.Media, error) { return &fakeMedia{}, nil }

type ended struct {
	c *ua.Call
	e phone.End
}

// testPhone is a registered kazoo user agent (package ua, natively).
type testPhone struct {
	ua       *ua.UserAgent
	incoming chan *ua.Call
	accepted chan *ua.Call
	ended    chan ended
	notified chan phone.Notification
	progress chan int
	presence chan phone.Presence
	dtmf     chan string
	answer   bool
}

func newPhone(t *testing.T, s *server, user string, answer bool) *testPhone {
	t.Helper()
	return newPhoneWith(t, s, user, answer, nil)
}

// newPhoneWith registers a phone whose options tweak may change.
func newPhoneWith(t *testing.T, s *server, user string, answer bool, tweak func(*ua.Options)) *testPhone {
	t.Helper()
	ph := &testPhone{ua: ua.New(ua.Config{}), incoming: make(chan *ua.Call, 4), accepted: make(chan *ua.Call, 4),
		ended: make(chan ended, 8), notified: make(chan phone.Notification, 8), progress: make(chan int, 8),
		presence: make(chan phone.Presence, 64), dtmf: make(chan string, 8), answer: answer}
	ev := ua.Events{
		Incoming: func(c *ua.Call) {
			if ph.answer {
				go func() { _ = c.Accept(context.Background()) }()
			}
			ph.incoming <- c
		},
		CallAccepted: func(c *ua.Call) { ph.accepted <- c },
		CallEnded:    func(c *ua.Call, e phone.End) { ph.ended <- ended{c, e} },
		Notified:     func(n phone.Notification) { ph.notified <- n },
		CallProgress: func(c *ua.Call, code int, early bool) { put(ph.progress, code) },
		Presence:     func(p phone.Presence) { put(ph.presence, p) },
		CallDTMF:     func(c *ua.Call, digit string) { put(ph.dtmf, digit) },
	}
	opts := ua.Options{
		WSURL: s.wsURL, PublicIdentity: "sip:" + user + "@lab.test", Password: "pw-" + user, Realm: "lab.test",
		Media: fakeMediaFactory, ReconnectOff: true,
	}
	if tweak != nil {
		tweak(&opts)
	}
	err := ph.ua.Register(context.Background(), opts, ev)
	if err != nil {
		t.Fatalf("register %s: %v", user, err)
	}
	t.Cleanup(func() { ph.ua.Logout(context.Background()) })
	return ph
}

// put sends v without blocking the user agent (tests read what they need).
func put[T any](ch chan T, v T) {
	select {
	case ch <- v:
	default:
	}
}

func recv[T any](t *testing.T, ch chan T, what string) T {
	t.Helper()
	return siptest.Recv(t, ch, what, wait)
}

func dial(t *testing.T, ph *testPhone, target string) *ua.Call {
	t.Helper()
	c, err := ph.ua.Dial(context.Background(), target)
	if err != nil {
		t.Fatalf("dial %s: %v", target, err)
	}
	return c
}

func TestCallAnsweredAndHungUp(t *testing.T) {
	s := start(t, nil)
	a := newPhone(t, s, "1001", false)
	b := newPhone(t, s, "1002", true)
	if bs := s.p.Location().Lookup("1002@lab.test"); len(bs) != 1 || bs[0].Instance == "" || bs[0].Flow.Transport != "WS" {
		t.Fatalf("binding %+v", bs)
	}
	dial(t, a, "1002")
	in := recv(t, b.incoming, "incoming call")
	if in.CallerNumber() != "1001" {
		t.Errorf("caller %q", in.CallerNumber())
	}
	recv(t, a.accepted, "answer")
	// The callee hangs up: its BYE goes back over the caller's flow.
	if err := in.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, a.ended, "end at the caller"); !e.e.Established {
		t.Errorf("caller end %+v", e.e)
	}
	recv(t, b.ended, "end at the callee")
}

func TestForkThenCancel(t *testing.T) {
	s := start(t, nil)
	a := newPhone(t, s, "1001", false)
	b1 := newPhone(t, s, "1002", false)
	b2 := newPhone(t, s, "1002", false)
	c := dial(t, a, "1002")
	recv(t, b1.incoming, "ring on the first device")
	recv(t, b2.incoming, "ring on the second device")
	if err := c.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, b := range []*testPhone{b1, b2} {
		if e := recv(t, b.ended, "cancel at a device"); e.e.Established || e.e.Code != 487 {
			t.Errorf("device end %+v", e.e)
		}
	}
	if e := recv(t, a.ended, "end at the caller"); e.e.Code != 487 {
		t.Errorf("caller end %+v", e.e)
	}
}

func TestForkOneAnswers(t *testing.T) {
	s := start(t, nil)
	a := newPhone(t, s, "1001", false)
	b1 := newPhone(t, s, "1002", false)
	b2 := newPhone(t, s, "1002", false)
	dial(t, a, "1002")
	recv(t, b1.incoming, "ring 1")
	in2 := recv(t, b2.incoming, "ring 2")
	if err := in2.Accept(context.Background()); err != nil {
		t.Fatal(err)
	}
	recv(t, a.accepted, "answer")
	if e := recv(t, b1.ended, "the other device stops ringing"); e.e.Code != 487 {
		t.Errorf("other device %+v", e.e)
	}
}

func TestNotFoundAndUnavailable(t *testing.T) {
	s := start(t, nil)
	a := newPhone(t, s, "1001", false)
	for target, code := range map[string]int{"9999": 404, "1003": 480} {
		dial(t, a, target)
		if e := recv(t, a.ended, "refusal"); e.e.Code != code {
			t.Errorf("%s: %+v, want %d", target, e.e, code)
		}
	}
}

type fixedExtension struct {
	mu     sync.Mutex
	closed int
	closes chan struct{} // told of each Close, when not nil
	panics bool
}

type session struct{ x *fixedExtension }

func (s session) Update([]byte) ([]byte, error) { return []byte(fakeSDP), nil }
func (s session) Close() error {
	s.x.mu.Lock()
	s.x.closed++
	s.x.mu.Unlock()
	if s.x.closes != nil {
		put(s.x.closes, struct{}{})
	}
	return nil
}

func (x *fixedExtension) Answer(call LocalCall, offer []byte) ([]byte, Session, error) {
	if x.panics {
		panic("extension bug")
	}
	return []byte(fakeSDP), session{x}, nil
}

func TestExtensionsAndPanics(t *testing.T) {
	echo := &fixedExtension{closes: make(chan struct{}, 2)}
	s := start(t, func(c *Config) {
		c.Extensions = map[string]Extension{"*43": echo, "boom": &fixedExtension{panics: true}}
	})
	a := newPhone(t, s, "1001", false)
	dial(t, a, "boom")
	if e := recv(t, a.ended, "the broken extension's answer"); e.e.Code != 500 {
		t.Errorf("panicking extension: %+v, want 500", e.e)
	}
	c := dial(t, a, "*43")
	recv(t, a.accepted, "the echo answering")
	if err := c.Hold(context.Background(), true); err != nil {
		t.Errorf("re-INVITE to the extension: %v", err)
	}
	if err := c.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	recv(t, a.ended, "end")
	recv(t, echo.closes, "the extension's session closed")
	echo.mu.Lock()
	n := echo.closed
	echo.mu.Unlock()
	if n != 1 {
		t.Fatalf("extension session closed %d times, want 1", n)
	}
}

func TestSHA256AndNotifyOnRegister(t *testing.T) {
	var s *server
	s = start(t, func(c *Config) {
		c.Accounts.Algorithms = []string{"SHA-256"}
		c.OnRegister = func(aor string, updated []registrar.Binding) {
			s.p.Notify("1001", Notification{Event: "message-summary", ContentType: "application/simple-message-summary",
				Body: []byte("Messages-Waiting: yes\r\nVoice-Message: 2/1 (0/0)\r\n")}, updated)
		}
	})
	a := newPhone(t, s, "1001", false)
	n := recv(t, a.notified, "message-summary NOTIFY")
	if n.Key != "voicemail_notification" || n.Fields["newMessages"] != 2 {
		t.Errorf("notification %+v", n)
	}
}
