package proxy

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/emiago/sipgo/sip"
)

// Extension is a number the server answers itself: the echo test, a
// tone, a voicemail box.
type Extension interface {
	// Answer is called for an authenticated INVITE; it returns the SDP
	// answer and the media session, or an error (ErrNotAcceptable gives
	// 488, anything else 500).
	Answer(call LocalCall, offer []byte) (answer []byte, s Session, err error)
}

// ErrNotAcceptable is an offer an extension cannot answer (no common
// codec, no audio): the INVITE gets 488.
var ErrNotAcceptable = errors.New("proxy: offer not acceptable")

// LocalCall describes a call to an extension.
type LocalCall struct {
	Number string // the Request-URI user, e.g. *43
	Caller string // the caller's user (From), e.g. 1001
	CallID string
}

// Session is the media of a call to an extension.
type Session interface {
	// Update answers a re-offer (hold, resume, ICE restart).
	Update(offer []byte) ([]byte, error)
	// Close ends the media; it is called once, when the call ends.
	Close() error
}

// localCall is a dialog in which we are the UAS.
type localCall struct {
	p       *Proxy
	call    LocalCall
	session Session
	tag     string // our To tag
	contact string // our Contact's user part, ext-N
	once    sync.Once
}

var localSeq atomic.Uint64

// answerLocal answers an INVITE with an extension: 200 with its SDP.
func (p *Proxy) answerLocal(req *sip.Request, tx sip.ServerTransaction, ext Extension) {
	if !hasSDP(req) {
		p.respond(tx, req, 488, "Not Acceptable Here") // no late offer
		return
	}
	call := LocalCall{Number: req.Recipient.User, CallID: callIDOf(req)}
	if f := req.From(); f != nil {
		call.Caller = f.Address.User
	}
	answer, s, err := ext.Answer(call, req.Body())
	if err != nil {
		p.log.Info("extension refused the call", "number", call.Number, "err", err)
		if errors.Is(err, ErrNotAcceptable) {
			p.respond(tx, req, 488, "Not Acceptable Here")
		} else {
			p.respond(tx, req, 500, "Server Internal Error")
		}
		return
	}
	lc := &localCall{p: p, call: call, session: s, tag: sip.GenerateTagN(16), contact: "ext-" + itoa(int(localSeq.Add(1)))}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		_ = s.Close()
		p.respond(tx, req, 503, "Service Unavailable")
		return
	}
	p.dialogs[call.CallID] = &dialog{callID: call.CallID, local: lc}
	p.mu.Unlock()
	p.log.Info("extension answered", "number", call.Number, "caller", call.Caller)
	res := lc.ok(req, answer)
	if err := tx.Respond(res); err != nil {
		p.endDialog(call.CallID)
	}
}

// ok is a 2xx from the extension: our To tag and a Contact on the
// transport the request came in on.
func (lc *localCall) ok(req *sip.Request, sdp []byte) *sip.Response {
	res := lc.p.response(req, 200, "OK")
	if to := res.To(); to != nil {
		to.Params.Remove("tag")
		to.Params.Add("tag", lc.tag)
	}
	contact := lc.p.selfURI(flowOf(req).Transport)
	contact.User = lc.contact
	res.AppendHeader(&sip.ContactHeader{Address: contact})
	res.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, BYE, CANCEL, INFO, OPTIONS, UPDATE"))
	if sdp != nil {
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		res.SetBody(sdp)
	}
	return res
}

// localDialog returns the extension call an in-dialog request is for.
func (p *Proxy) localDialog(req *sip.Request) *localCall {
	if !p.isSelf(sip.Uri{Host: req.Recipient.Host, Port: req.Recipient.Port}) || !strings.HasPrefix(req.Recipient.User, "ext-") {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if d := p.dialogs[callIDOf(req)]; d != nil {
		return d.local
	}
	return nil
}

// handle answers an in-dialog request to an extension call.
func (lc *localCall) handle(req *sip.Request, tx sip.ServerTransaction) {
	p := lc.p
	switch req.Method {
	case sip.BYE:
		p.respond(tx, req, 200, "OK")
		p.endDialog(lc.call.CallID)
	case sip.INVITE, sip.UPDATE:
		if !hasSDP(req) {
			p.respond(tx, req, 488, "Not Acceptable Here")
			return
		}
		answer, err := lc.session.Update(req.Body())
		if err != nil {
			p.log.Info("extension cannot take the re-offer", "number", lc.call.Number, "err", err)
			p.respond(tx, req, 488, "Not Acceptable Here")
			return
		}
		_ = tx.Respond(lc.ok(req, answer))
	case sip.INFO, sip.OPTIONS, sip.NOTIFY:
		p.respond(tx, req, 200, "OK")
	default:
		p.respond(tx, req, 405, "Method Not Allowed")
	}
}

// end closes the media once.
func (lc *localCall) end() {
	lc.once.Do(func() {
		_ = lc.session.Close()
	})
}
