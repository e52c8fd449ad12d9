package proxy

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/registrar"
	ksip "github.com/kazoo-softphone/kazoo/sip"
)

// Extension is a number the server answers itself: the echo test, a
// tone, a voicemail box, a callflow.
type Extension interface {
	// Answer is called for an authenticated INVITE, after 100 Trying; it
	// returns the SDP answer and the media session, or an error:
	// ErrNotAcceptable gives 488, a *Refusal its own code, anything else
	// 500. It may take its time (call.Ringing sends 180 meanwhile); the
	// caller giving up closes call.Done, and a session returned after
	// that is closed at once.
	Answer(call LocalCall, offer []byte) (answer []byte, s Session, err error)
}

// ErrNotAcceptable is an offer an extension cannot answer (no common
// codec, no audio): the INVITE gets 488.
var ErrNotAcceptable = errors.New("proxy: offer not acceptable")

// Refusal is a final failure response: an extension's Answer returns it
// (found with errors.As) to refuse the call with Code (400–699; other
// codes give 500), and Dial returns it when the callee refused.
type Refusal struct {
	Code   int
	Reason string // the reason phrase; empty: the usual one
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("proxy: refused: %d %s", r.Code, r.reason())
}

func (r *Refusal) reason() string {
	if r.Reason != "" {
		return r.Reason
	}
	return ksip.ReasonPhrase(r.Code)
}

// reasonPhrase is the usual phrase of a status code, "" when unknown.
func reasonPhrase(code int) string {
	if r := ksip.ReasonPhrase(code); r != "Rejected" {
		return r
	}
	return ""
}

// LocalCall describes a call to an extension, and lets the extension act
// on it. The funcs are set by the proxy and safe to call from any
// goroutine, any number of times.
type LocalCall struct {
	Number   string // the Request-URI user, e.g. *43
	Caller   string // the caller's user (From), e.g. 1001
	From     string // the caller's URI, e.g. sip:1001@lab.test
	FromName string // the caller's display name (From), may be empty
	To       string // the To URI, e.g. sip:*43@lab.test
	CallID   string

	// Ringing sends 180 Ringing while Answer runs; a no-op afterwards.
	Ringing func()
	// Hangup ends the call from our side: a BYE in the dialog, with an
	// RFC 3326 Reason header "SIP;cause=N" when cause is not 0. Called
	// while Answer runs, the BYE follows the 200 as soon as it is sent
	// (refuse with a *Refusal instead to send no 200). It returns at once
	// (the BYE goes on in the background) and is a no-op once the call
	// has ended; the session's Close follows.
	Hangup func(cause int)
	// Done is closed when the call ends: the caller's BYE or CANCEL,
	// Hangup, a failed answer, or the proxy closing.
	Done <-chan struct{}
}

// Session is the media of a call to an extension. It may also implement
// interface{ DTMF(digit rune) } to hear the digits the caller sends as
// SIP INFO (application/dtmf-relay or application/dtmf): 0-9, *, #, A-D.
type Session interface {
	// Update answers a re-offer (hold, resume, ICE restart).
	Update(offer []byte) ([]byte, error)
	// Close ends the media; it is called once, when the call ends.
	Close() error
}

// dtmfSession is a Session that hears INFO digits.
type dtmfSession interface{ DTMF(digit rune) }

// localCall is a call in which we are the UAS, for an extension.
type localCall struct {
	p    *Proxy
	call LocalCall
	leg  *leg
	done chan struct{}
	req  *sip.Request
	tx   sip.ServerTransaction
	pres *callPresence // the caller's and the number's state

	mu       sync.Mutex
	session  Session
	answered bool // the 200 went out
	ringing  bool // a 180 went out
	ended    bool
	hangup   bool // Hangup was called
	cause    int
	acked    chan struct{}
	ackOnce  sync.Once
}

// answerLocal answers an INVITE with an extension: 200 with its SDP, or
// the failure the extension chose.
func (p *Proxy) answerLocal(req *sip.Request, tx sip.ServerTransaction, ext Extension) {
	if !hasSDP(req) {
		p.respond(tx, req, 488, "Not Acceptable Here") // no late offer
		return
	}
	p.respond(tx, req, 100, "Trying")
	lc := &localCall{p: p, leg: p.uasLeg(req), done: make(chan struct{}), acked: make(chan struct{}), req: req, tx: tx}
	lc.call = LocalCall{Number: req.Recipient.User, CallID: callIDOf(req), To: lc.leg.local.String(),
		Ringing: lc.ring, Hangup: lc.hangupFunc, Done: lc.done}
	if f := req.From(); f != nil {
		lc.call.Caller, lc.call.FromName = f.Address.User, f.DisplayName
		lc.call.From = (&sip.Uri{Scheme: f.Address.Scheme, User: f.Address.User, Host: f.Address.Host, Port: f.Address.Port}).String()
	}
	lc.pres = p.startCall(lc.call.CallID, p.callerSide(req), callSide{id: lc.call.Number})
	if !tx.OnCancel(func(*sip.Request) { lc.end() }) {
		lc.end()
		return
	}
	answer, s, err := ext.Answer(lc.call, req.Body())
	if err != nil {
		lc.end()
		p.log.Info("extension refused the call", "number", lc.call.Number, "err", err)
		var ref *Refusal
		switch {
		case errors.As(err, &ref) && ref.Code >= 400 && ref.Code < 700:
			p.respond(tx, req, ref.Code, ref.reason())
		case errors.Is(err, ErrNotAcceptable):
			p.respond(tx, req, 488, "Not Acceptable Here")
		default:
			p.respond(tx, req, 500, "Server Internal Error")
		}
		return
	}
	lc.mu.Lock()
	if lc.ended { // the caller gave up while we answered
		lc.mu.Unlock()
		_ = s.Close()
		return
	}
	lc.session = s
	lc.mu.Unlock()
	if !p.registerEndpoint(lc.call.CallID, lc) {
		lc.end()
		p.respond(tx, req, 503, "Service Unavailable")
		return
	}
	p.log.Info("extension answered", "number", lc.call.Number, "caller", lc.call.Caller)
	if err := tx.Respond(lc.ok(req, answer)); err != nil {
		p.endDialog(lc.call.CallID)
		return
	}
	lc.mu.Lock()
	lc.answered = true
	hangup, cause := lc.hangup && !lc.ended, lc.cause
	lc.mu.Unlock()
	p.callAnswered(lc.pres, lc.leg.localTag, registrar.Flow{})
	if hangup {
		go lc.bye(cause)
	}
}

// ok is a 2xx from the extension: our To tag and Contact.
func (lc *localCall) ok(req *sip.Request, sdp []byte) *sip.Response {
	res := lc.leg.response(req, 200, "OK")
	res.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, BYE, CANCEL, INFO, OPTIONS, UPDATE"))
	if sdp != nil {
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		res.SetBody(sdp)
	}
	return res
}

// ring sends 180 Ringing once, while the extension has not answered.
func (lc *localCall) ring() {
	lc.mu.Lock()
	if lc.answered || lc.ended || lc.ringing {
		lc.mu.Unlock()
		return
	}
	lc.ringing = true
	lc.mu.Unlock()
	_ = lc.tx.Respond(lc.leg.response(lc.req, 180, "Ringing"))
}

// hangupFunc is LocalCall.Hangup.
func (lc *localCall) hangupFunc(cause int) {
	lc.mu.Lock()
	if lc.ended || lc.hangup {
		lc.mu.Unlock()
		return
	}
	lc.hangup, lc.cause = true, cause
	answered := lc.answered
	lc.mu.Unlock()
	if answered {
		go lc.bye(cause)
	}
}

// bye ends an answered call from our side: once the caller's ACK is in
// (or after 5 s), a BYE; the media closes at once.
func (lc *localCall) bye(cause int) {
	p := lc.p
	p.endDialog(lc.call.CallID)
	select {
	case <-lc.acked:
	case <-p.ctx.Done():
		return
	case <-time.After(5 * time.Second):
	}
	lc.leg.bye(cause)
}

// localDialog returns the dialog we are a user agent of that an
// in-dialog request is for.
func (p *Proxy) localDialog(req *sip.Request) endpoint {
	if !p.isOurContact(req.Recipient) {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if d := p.dialogs[callIDOf(req)]; d != nil {
		return d.local
	}
	return nil
}

func (lc *localCall) ack(*sip.Request) { lc.ackOnce.Do(func() { close(lc.acked) }) }

// handle answers an in-dialog request to an extension call.
func (lc *localCall) handle(req *sip.Request, tx sip.ServerTransaction) {
	p := lc.p
	lc.leg.refresh(req)
	lc.mu.Lock()
	s := lc.session
	lc.mu.Unlock()
	switch req.Method {
	case sip.BYE:
		p.respond(tx, req, 200, "OK")
		p.endDialog(lc.call.CallID)
	case sip.INVITE, sip.UPDATE:
		if !hasSDP(req) {
			p.respond(tx, req, 488, "Not Acceptable Here")
			return
		}
		answer, err := s.Update(req.Body())
		if err != nil {
			p.log.Info("extension cannot take the re-offer", "number", lc.call.Number, "err", err)
			p.respond(tx, req, 488, "Not Acceptable Here")
			return
		}
		_ = tx.Respond(lc.ok(req, answer))
	case sip.INFO:
		p.dtmfInfo(req, tx, func(d rune) {
			if ds, ok := s.(dtmfSession); ok {
				ds.DTMF(d)
			}
		})
	case sip.OPTIONS, sip.NOTIFY:
		p.respond(tx, req, 200, "OK")
	default:
		p.respond(tx, req, 405, "Method Not Allowed")
	}
}

// dtmfInfo answers an INFO in a dialog of ours: a DTMF digit
// (application/dtmf-relay "Signal=5", or application/dtmf "5") is passed
// to hear, then answered 200 (so digits arrive in order); an empty INFO
// gets 200, another body 415, a DTMF body with no valid digit 400.
func (p *Proxy) dtmfInfo(req *sip.Request, tx sip.ServerTransaction, hear func(rune)) {
	if len(req.Body()) == 0 {
		p.respond(tx, req, 200, "OK")
		return
	}
	digit, err := ksip.ParseDTMFInfo(req)
	switch {
	case errors.Is(err, ksip.ErrNotDTMF):
		p.respond(tx, req, 415, "Unsupported Media Type", sip.NewHeader("Accept", ksip.DTMFInfoAccept))
		return
	case err != nil:
		p.respond(tx, req, 400, "Bad Request (no DTMF signal)")
		return
	}
	hear(rune(digit[0]))
	p.respond(tx, req, 200, "OK")
}

// end closes the media once, and Done.
func (lc *localCall) end() {
	lc.mu.Lock()
	if lc.ended {
		lc.mu.Unlock()
		return
	}
	lc.ended = true
	s := lc.session
	lc.mu.Unlock()
	lc.p.endCall(lc.pres)
	close(lc.done)
	if s != nil {
		_ = s.Close()
	}
}
