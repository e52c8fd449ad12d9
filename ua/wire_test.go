package ua

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/internal/siptest"
	"github.com/kazoo-softphone/kazoo/phone"
)

// wire is the server's side of the wire to registered user agents, for
// hostile-input tests: raw messages written to every user agent's
// WebSocket, their answers read back. Calls the server offers are
// refused (486) by the page at once, except the one the test places
// between wirePhones with keepCall.
type wire struct {
	reg    *siptest.Registrar
	phones []*wirePhone
	probes atomic.Int64
}

type wirePhone struct {
	user     string
	ua       *UserAgent
	opts     Options
	ev       Events
	expect   atomic.Bool // the next incoming call from 1001 is the kept one
	incoming chan *Call
	accepted chan *Call
	ended    chan *Call
}

func newWire(tb testing.TB, users ...string) *wire {
	w := &wire{reg: siptest.NewRegistrar(tb, "lab.test", map[string]string{"1001": "pw-1001", "1002": "pw-1002"})}
	for _, user := range users {
		p := &wirePhone{user: user, ua: New(Config{}), incoming: make(chan *Call, 1), accepted: make(chan *Call, 1), ended: make(chan *Call, 64)}
		media := &fakeMediaSet{name: user}
		p.opts = options(w.reg, user, "pw-"+user)
		p.opts.Media = func(ctx context.Context, ev MediaEvents) (Media, error) {
			m, err := media.factory(ctx, ev)
			media.mu.Lock()
			media.all = nil // keep nothing: fuzzing makes many calls
			media.mu.Unlock()
			return m, err
		}
		p.opts.AllowIncomingWhileBusy = true // every offered call reaches the page
		p.ev = Events{
			Incoming: func(c *Call) {
				if c.CallerNumber() == "1001" && p.expect.CompareAndSwap(true, false) {
					go func() {
						if c.Accept(context.Background()) == nil {
							p.incoming <- c
						}
					}()
					return
				}
				go c.Reject(486)
			},
			CallAccepted: func(c *Call) {
				select {
				case p.accepted <- c:
				default:
				}
			},
			CallEnded: func(c *Call, e phone.End) {
				select {
				case p.ended <- c:
				default:
				}
			},
		}
		p.register(tb)
		tb.Cleanup(func() { p.ua.Logout(context.Background()) })
		w.phones = append(w.phones, p)
	}
	return w
}

func (p *wirePhone) register(tb testing.TB) {
	tb.Helper()
	if err := p.ua.Register(context.Background(), p.opts, p.ev); err != nil {
		tb.Fatalf("%s cannot register: %v", p.user, err)
	}
}

// ensureRegistered registers again a user agent that hostile input
// unregistered (a NOTIFY Replaced-By does, by design).
func (w *wire) ensureRegistered(tb testing.TB) {
	for _, p := range w.phones {
		if !p.ua.Registered() {
			p.ua.Logout(context.Background())
			w.reg.Unbind(p.user)
			p.register(tb)
		}
	}
}

// call places a call from the first phone to the second and returns
// both ends once it is answered.
func (w *wire) call(tb testing.TB) (out, in *Call) {
	tb.Helper()
	a, b := w.phones[0], w.phones[1]
	b.expect.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	out, err := a.ua.Dial(ctx, b.user)
	if err != nil {
		tb.Fatalf("cannot call: %v", err)
	}
	in = siptest.Recv(tb, b.incoming, "the kept call at the callee", wait)
	for {
		if c := siptest.Recv(tb, a.accepted, "the kept call answered", wait); c == out {
			return out, in
		}
	}
}

// registration is a phone's registration in force.
func (p *wirePhone) registration() *registration {
	p.ua.mu.Lock()
	defer p.ua.mu.Unlock()
	return p.ua.reg
}

// transactions counts the transactions running at every phone.
func (w *wire) transactions() int {
	n := 0
	for _, p := range w.phones {
		r := p.registration()
		if r == nil {
			continue
		}
		r.mu.Lock()
		l := r.link
		r.mu.Unlock()
		if l != nil {
			c, s := l.ep.Transactions()
			n += c + s
		}
	}
	return n
}

// liveCalls counts the calls at every phone.
func (w *wire) liveCalls() int {
	n := 0
	for _, p := range w.phones {
		if r := p.registration(); r != nil {
			n += len(r.liveCalls())
		}
	}
	return n
}

// probe checks that every phone still answers: an OPTIONS from the
// server gets its 200. Other responses read meanwhile go to seen.
func (w *wire) probe(tb testing.TB, seen func(*sipgo.Response)) {
	tb.Helper()
	id := fmt.Sprintf("probe-%d", w.probes.Add(1))
	w.reg.Send("OPTIONS sip:lab.test SIP/2.0\r\nVia: SIP/2.0/WS server.invalid;branch=z9hG4bK" + id + "\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:lab.test>;tag=probe\r\nTo: <sip:lab.test>\r\nCall-ID: " + id + "\r\n" +
		"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
	deadline := time.After(wait)
	for got := 0; got < len(w.phones); {
		select {
		case res := <-w.reg.Responses():
			if res.CallID() != nil && res.CallID().Value() == id {
				if res.StatusCode != 200 {
					tb.Fatalf("OPTIONS answered %d", res.StatusCode)
				}
				got++
			} else if seen != nil {
				seen(res)
			}
		case <-deadline:
			tb.Fatalf("a user agent no longer answers OPTIONS (%d of %d answered)", got, len(w.phones))
		}
	}
}

// settle waits until no call is up at any phone but keep (the kept
// call's ends) and, with txs, no transaction runs (an answered INVITE's
// lingers for 32 s: not with txs after a 2xx), ACKing the non-2xx final responses
// to INVITEs the server sent. Responses read meanwhile go to seen.
func (w *wire) settle(tb testing.TB, keep int, txs bool, seen func(*sipgo.Response)) {
	tb.Helper()
	deadline := time.Now().Add(wait)
	for (txs && w.transactions() > 0) || w.liveCalls() > keep {
		if time.Now().After(deadline) {
			tb.Fatalf("stuck: %d transactions, %d calls still running", w.transactions(), w.liveCalls()-keep)
		}
		select {
		case res := <-w.reg.Responses():
			w.ack(res)
			if seen != nil {
				seen(res)
			}
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// ack sends the ACK of a non-2xx final response to an INVITE (RFC 3261
// §17.1.1.3), as the server's INVITE client transaction would.
func (w *wire) ack(res *sipgo.Response) {
	if res.StatusCode < 300 || res.CSeq() == nil || res.CSeq().MethodName != sipgo.INVITE ||
		res.Via() == nil || res.From() == nil || res.To() == nil || res.CallID() == nil {
		return
	}
	var b strings.Builder
	b.WriteString("ACK sip:lab.test SIP/2.0\r\n")
	b.WriteString("Via: " + res.Via().Value() + "\r\n")
	b.WriteString("Max-Forwards: 70\r\n")
	b.WriteString("From: " + res.From().Value() + "\r\n")
	b.WriteString("To: " + res.To().Value() + "\r\n")
	b.WriteString("Call-ID: " + res.CallID().Value() + "\r\n")
	fmt.Fprintf(&b, "CSeq: %d ACK\r\nContent-Length: 0\r\n\r\n", res.CSeq().SeqNo)
	w.reg.Send(b.String())
}
