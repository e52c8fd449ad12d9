package proxy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/ua"
)

// funcExtension answers with answer(call).
type funcExtension func(call LocalCall, offer []byte) ([]byte, Session, error)

func (f funcExtension) Answer(call LocalCall, offer []byte) ([]byte, Session, error) {
	return f(call, offer)
}

// dtmfRecorder is a session that hears INFO digits.
type dtmfRecorder struct {
	digits chan rune
	closed chan struct{}
	once   sync.Once
}

func newRecorder() *dtmfRecorder {
	return &dtmfRecorder{digits: make(chan rune, 8), closed: make(chan struct{})}
}

func (r *dtmfRecorder) Update([]byte) ([]byte, error) { return []byte(fakeSDP), nil }
func (r *dtmfRecorder) Close() error                  { r.once.Do(func() { close(r.closed) }); return nil }
func (r *dtmfRecorder) DTMF(d rune)                   { r.digits <- d }

func TestExtensionRefusesWithItsCode(t *testing.T) {
	s := start(t, func(c *Config) {
		c.Extensions = map[string]Extension{}
		for num, err := range map[string]error{
			"busy":    fmt.Errorf("the line is taken: %w", &Refusal{Code: 486}),
			"decline": &Refusal{Code: 603, Reason: "Go Away"},
			"weird":   &Refusal{Code: 302},
			"broken":  errors.New("no"),
		} {
			c.Extensions[num] = funcExtension(func(LocalCall, []byte) ([]byte, Session, error) { return nil, nil, err })
		}
	})
	a := newPhone(t, s, "1001", false)
	for num, want := range map[string]string{"busy": "486 Busy Here", "decline": "603 Go Away", "weird": "500 Server Internal Error", "broken": "500 Server Internal Error"} {
		dial(t, a, num)
		e := recv(t, a.ended, "refusal of "+num)
		if got := fmt.Sprintf("%d %s", e.e.Code, e.e.Reason); got != want {
			t.Errorf("%s: %q, want %q", num, got, want)
		}
	}
}

func TestExtensionRingsWhileItAnswersAndSeesTheCaller(t *testing.T) {
	calls := make(chan LocalCall, 1)
	release := make(chan struct{})
	s := start(t, func(c *Config) {
		c.Extensions = map[string]Extension{"slow": funcExtension(func(call LocalCall, offer []byte) ([]byte, Session, error) {
			call.Ringing()
			call.Ringing() // once is enough
			calls <- call
			<-release
			return []byte(fakeSDP), newRecorder(), nil
		})}
	})
	a := newPhoneWith(t, s, "1001", false, func(o *ua.Options) { o.DisplayName = "Alice Smith" })
	dial(t, a, "slow")
	call := recv(t, calls, "the extension asked")
	if code := recv(t, a.progress, "180 at the caller"); code != 180 {
		t.Errorf("progress %d, want 180", code)
	}
	close(release)
	recv(t, a.accepted, "answer")
	if call.From != "sip:1001@lab.test" || call.FromName != "Alice Smith" || call.To != "sip:slow@lab.test" || call.Caller != "1001" || call.Number != "slow" {
		t.Errorf("call %+v", call)
	}
}

func TestExtensionCancelledWhileAnswering(t *testing.T) {
	calls := make(chan LocalCall, 1)
	rec := newRecorder()
	s := start(t, func(c *Config) {
		c.Extensions = map[string]Extension{"slow": funcExtension(func(call LocalCall, offer []byte) ([]byte, Session, error) {
			call.Ringing()
			calls <- call
			<-call.Done // the caller gives up
			return []byte(fakeSDP), rec, nil
		})}
	})
	a := newPhone(t, s, "1001", false)
	c := dial(t, a, "slow")
	recv(t, calls, "the extension asked")
	recv(t, a.progress, "180")
	if err := c.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, a.ended, "cancelled"); e.e.Code != 487 {
		t.Errorf("end %+v", e.e)
	}
	recv(t, rec.closed, "the late session closed")
}

func TestExtensionHangsUpWithAReason(t *testing.T) {
	calls := make(chan LocalCall, 1)
	rec := newRecorder()
	s := start(t, func(c *Config) {
		c.Extensions = map[string]Extension{"ivr": funcExtension(func(call LocalCall, offer []byte) ([]byte, Session, error) {
			calls <- call
			return []byte(fakeSDP), rec, nil
		})}
	})
	// A kazoo phone hears the BYE.
	a := newPhone(t, s, "1001", false)
	dial(t, a, "ivr")
	recv(t, a.accepted, "answer")
	call := recv(t, calls, "call")
	call.Hangup(0)
	if e := recv(t, a.ended, "the server's BYE"); !e.e.Established || e.e.Originator != phone.ByRemote {
		t.Errorf("end %+v", e.e)
	}
	recv(t, rec.closed, "session closed")
	select {
	case <-call.Done:
	default:
		t.Error("Done is open after the BYE was sent")
	}
	call.Hangup(16) // no-op after the end

	// On the wire: the BYE carries the Reason.
	r := dialRaw(t, s, "1002")
	d := r.invite("sip:ivr@lab.test", "1002")
	call = recv(t, calls, "call")
	call.Hangup(480)
	bye := r.readRequest("BYE")
	if !strings.Contains(bye, "\r\nReason: SIP;cause=480;text=\"Temporarily Unavailable\"\r\n") {
		t.Errorf("BYE without the Reason:\n%s", bye)
	}
	if !strings.Contains(bye, "Call-ID: "+d.callID+"\r\n") || !strings.Contains(bye, ";tag="+d.toTag) {
		t.Errorf("BYE out of the dialog:\n%s", bye)
	}
	r.respondTo(bye, 200, "OK")
}

func TestExtensionHearsINFODigits(t *testing.T) {
	rec := newRecorder()
	s := start(t, func(c *Config) {
		c.Extensions = map[string]Extension{"menu": funcExtension(func(call LocalCall, offer []byte) ([]byte, Session, error) {
			return []byte(fakeSDP), rec, nil
		})}
	})
	// kazoo with dtmfType 'info' sends application/dtmf-relay.
	a := newPhoneWith(t, s, "1001", false, func(o *ua.Options) { o.DTMF = phone.DTMFInfo })
	c := dial(t, a, "menu")
	recv(t, a.accepted, "answer")
	if err := c.SendDTMF(context.Background(), "5#"); err != nil {
		t.Fatal(err)
	}
	for _, want := range "5#" {
		if d := recv(t, rec.digits, "digit"); d != want {
			t.Errorf("digit %q, want %q", d, want)
		}
	}
	// application/dtmf, and bad bodies, on the wire.
	r := dialRaw(t, s, "1002")
	d := r.invite("sip:menu@lab.test", "1002")
	for _, tc := range []struct{ ct, body, want string }{
		{"application/dtmf", "7", "200 OK"},
		{"application/dtmf-relay", "Signal=x\r\nDuration=160\r\n", "400 Bad Request (no DTMF signal)"},
		{"application/dtmf-relay", "Duration=160\r\n", "400 Bad Request (no DTMF signal)"},
		{"text/plain", "hello", "415 Unsupported Media Type"},
		{"", "", "200 OK"},
	} {
		if got := status(r.inDialog(d, "INFO", tc.ct, tc.body)); got != tc.want {
			t.Errorf("INFO %s %q: %s, want %s", tc.ct, tc.body, got, tc.want)
		}
	}
	if got := recv(t, rec.digits, "application/dtmf digit"); got != '7' {
		t.Errorf("digit %q", got)
	}
	select {
	case extra := <-rec.digits:
		t.Errorf("a bad INFO gave the digit %q", extra)
	default:
	}
}
