package ua

import (
	"context"
	"strings"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/lines"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

// supportedExtensions are the option tags we implement (RFC 3261 §8.2.2.3).
var supportedExtensions = map[string]bool{"outbound": true, "path": true, "gruu": true, "replaces": true}

// unsupportedRequire returns the Require option tags we do not support.
func unsupportedRequire(req *sipgo.Request) []string {
	var out []string
	for _, h := range req.GetHeaders("Require") {
		for _, tag := range strings.Split(h.Value(), ",") {
			if t := strings.TrimSpace(tag); t != "" && !supportedExtensions[t] {
				out = append(out, t)
			}
		}
	}
	return out
}

// handleNewInvite handles an INVITE outside any dialog: a new incoming
// call, refused when every line is busy (486) or the page takes no
// calls (480).
func (r *registration) handleNewInvite(req *sipgo.Request, tx sipgo.ServerTransaction) {
	reply := func(code int, reason string) {
		_ = tx.Respond(sipgo.NewResponseFromRequest(req, code, reason, nil))
	}
	if bad := unsupportedRequire(req); len(bad) > 0 {
		res := sipgo.NewResponseFromRequest(req, 420, "Bad Extension", nil)
		res.AppendHeader(sipgo.NewHeader("Unsupported", strings.Join(bad, ", ")))
		_ = tx.Respond(res)
		return
	}
	if len(req.Body()) > 0 && !isSDP(req) {
		reply(415, "Unsupported Media Type")
		return
	}
	if req.GetHeader("Replaces") != nil { // takes an existing call's place
		r.handleReplacingInvite(req, tx)
		return
	}
	if r.ev.Incoming == nil || r.t.opts.Media == nil {
		reply(480, "Temporarily Unavailable")
		return
	}
	if lines.Full(len(r.liveCalls()), r.t.opts.maxLines()) {
		reply(486, "Busy Here")
		return
	}
	c := r.incomingCall(req, tx)
	if c == nil {
		return
	}
	if err := tx.Respond(c.response(180, "Ringing", "")); err != nil {
		c.end(phone.End{Code: 500, Reason: "the call could not be answered", Originator: phone.BySystem})
		return
	}
	r.ev.Incoming(c)
}

// incomingCall books the call of a new INVITE; nil when it was already
// cancelled (the call ended at once).
func (r *registration) incomingCall(req *sipgo.Request, tx sipgo.ServerTransaction) *Call {
	c := newCall(r, false, req.From().Address, req.From().DisplayName)
	c.invite = req
	c.received = receivedHeaders(req)
	c.serverTx = tx
	c.localTag = sip.RandomToken(10)
	if isSDP(req) {
		c.offer = string(req.Body())
	}
	c.dlg = dialogFromRequest(req, c.localTag)
	r.addCall(c)
	cancelled := !tx.OnCancel(hook(c, func(cancel *sipgo.Request) {
		// The transaction answers 487 itself; the call ends here.
		go c.end(phone.End{Code: 487, Reason: cancelReason(cancel), Originator: phone.ByRemote})
	}))
	if cancelled {
		c.end(phone.End{Code: 487, Reason: "Request Terminated", Originator: phone.ByRemote})
		return nil
	}
	return c
}

// cancelReason reads a CANCEL's Reason header (RFC 3326), e.g. "Call
// completed elsewhere", falling back to Request Terminated.
func cancelReason(cancel *sipgo.Request) string {
	if h := cancel.GetHeader("Reason"); h != nil {
		v := h.Value()
		if i := strings.Index(v, `text="`); i >= 0 {
			if j := strings.Index(v[i+6:], `"`); j >= 0 {
				return v[i+6 : i+6+j]
			}
		}
	}
	return "Request Terminated"
}

// response builds our response to the incoming INVITE, with our To tag
// and, for 1xx/2xx, our Contact (RFC 3261 §12.1.1).
func (c *Call) response(code int, reason, sdp string) *sipgo.Response {
	return c.answerTo(c.invite, code, reason, sdp)
}

// answerTo builds our response to req (the INVITE or an in-dialog
// request) with our tag, Contact, Allow and an optional SDP body.
func (c *Call) answerTo(req *sipgo.Request, code int, reason, sdp string) *sipgo.Response {
	res := sipgo.NewResponseFromRequest(req, code, reason, nil)
	if c.localTag != "" {
		res.To().Params.Add("tag", c.localTag)
	}
	if code > 100 && code < 300 {
		res.AppendHeader(c.r.contactHeader())
		res.AppendHeader(sipgo.NewHeader("Allow", allowMethods))
		res.AppendHeader(sipgo.NewHeader("Supported", "outbound, replaces"))
	}
	res.AppendHeader(sipgo.NewHeader("User-Agent", c.r.ua.cfg.UserAgent))
	if sdp != "" {
		setSDP(res, sdp)
	}
	return res
}

// Accept answers a ringing incoming call: it opens the microphone,
// answers the offer (or offers, when the INVITE had none) and sends 200.
// It returns once the 200 is sent.
func (c *Call) Accept(ctx context.Context) *phone.Error {
	return c.AcceptWith(ctx, phone.AcceptOptions{})
}

// AcceptWith is Accept with o.Headers in the 200 OK (refused with
// invalid_parameter, and the call left ringing, when CheckHeaders
// refuses them).
func (c *Call) AcceptWith(ctx context.Context, o phone.AcceptOptions) *phone.Error {
	return c.AcceptWithMedia(ctx, o, nil)
}

// AcceptWithMedia is AcceptWith whose media comes from f instead of the
// registration's MediaFactory (with tabs sharing one registration, the
// tab that answers owns the audio). f nil means the registration's.
func (c *Call) AcceptWithMedia(ctx context.Context, o phone.AcceptOptions, f MediaFactory) *phone.Error {
	if e := CheckHeaders(o.Headers); e != nil {
		return e
	}
	if f == nil {
		f = c.r.t.opts.Media
	}
	c.op.Lock()
	defer c.op.Unlock()
	if !c.ringingIn() {
		return &phone.Error{Key: phone.KeyCallState, Message: "only a ringing incoming call can be accepted"}
	}
	m, err := f(ctx, c.mediaEvents())
	if err != nil {
		c.reject(480, "Temporarily Unavailable")
		return &phone.Error{Key: phone.KeyMedia, Message: "cannot start the call's audio: " + err.Error(), Err: err}
	}
	c.mu.Lock()
	if c.state == phone.CallEnded {
		c.mu.Unlock()
		m.Close()
		return &phone.Error{Key: phone.KeyCallState, Message: "the caller hung up"}
	}
	c.media = m
	c.mu.Unlock()
	delayed := c.offer == ""
	var sdp string
	if delayed {
		sdp, err = m.Offer(ctx, false)
	} else {
		sdp, err = m.Answer(ctx, c.offer)
	}
	if err != nil {
		c.reject(488, "Not Acceptable Here")
		return &phone.Error{Key: phone.KeyMedia, Message: "cannot answer the caller's audio offer: " + err.Error(), Err: err}
	}
	res := c.response(200, "OK", sdp)
	appendHeaders(res, o.Headers)
	c.mu.Lock()
	if c.state == phone.CallEnded {
		c.mu.Unlock()
		return &phone.Error{Key: phone.KeyCallState, Message: "the caller hung up"}
	}
	c.state = phone.CallEstablished
	c.answeredAt = time.Now()
	d := c.dlg
	c.mu.Unlock()
	c.r.addDialog(c, d)
	if err := c.serverTx.Respond(res); err != nil {
		c.end(phone.End{Code: 487, Reason: "Request Terminated", Originator: phone.ByRemote})
		return &phone.Error{Key: phone.KeyCallState, Message: "the caller hung up", Err: err}
	}
	go c.awaitAck(c.serverTx, res, delayed)
	return nil
}

// awaitAck waits for the ACK of a 2xx we sent, sending the 2xx again at
// T1, 2·T1, … up to T2 meanwhile (RFC 3261 §13.3.1.4). Without an ACK
// after 64·T1 the call is hung up. A delayed offer's answer comes in the
// ACK.
func (c *Call) awaitAck(tx sipgo.ServerTransaction, res *sipgo.Response, delayed bool) {
	defer c.r.ua.recoverPanic(c.r.ev, "waiting for ACK")
	seq := res.CSeq().SeqNo
	l := c.r.cur()
	interval := sipgo.T1
	deadline := time.NewTimer(64 * sipgo.T1)
	defer deadline.Stop()
	resend := time.NewTimer(interval)
	defer resend.Stop()
	for {
		select {
		case ack := <-c.acks:
			if ack.CSeq().SeqNo != seq {
				continue // a late ACK of an earlier exchange
			}
			if delayed {
				if !isSDP(ack) {
					c.bye()
					c.end(phone.End{Code: 488, Reason: "Not Acceptable Here (no SDP answer in the ACK)", Originator: phone.BySystem})
					return
				}
				if err := c.Media().Accept(context.Background(), string(ack.Body()), false); err != nil {
					c.bye()
					c.end(phone.End{Code: 488, Reason: "Not Acceptable Here (" + err.Error() + ")", Originator: phone.BySystem})
				}
			}
			return
		case <-resend.C:
			if err := tx.Respond(res); err != nil {
				_ = l.tr.WriteMsg(res)
			}
			if interval *= 2; interval > sipgo.T2 {
				interval = sipgo.T2
			}
			resend.Reset(interval)
		case <-deadline.C:
			c.bye()
			c.end(phone.End{Code: 408, Reason: "Request Timeout (no ACK)", Originator: phone.BySystem})
			return
		case <-l.tr.Done():
			return
		case <-c.over: // a BYE can overtake the ACK; nothing to wait for then
			return
		}
	}
}

// Reject refuses a ringing incoming call with code (486 Busy Here when
// 0; 300–699 otherwise).
func (c *Call) Reject(code int) *phone.Error {
	if code == 0 {
		code = 486
	}
	if code < 300 || code > 699 {
		return phone.InvalidParameter("code", "%d is not a SIP final failure status (300–699)", code)
	}
	c.op.Lock()
	defer c.op.Unlock()
	if !c.ringingIn() {
		return &phone.Error{Key: phone.KeyCallState, Message: "only a ringing incoming call can be rejected"}
	}
	c.reject(code, sip.ReasonPhrase(code))
	return nil
}

// ringingIn reports an incoming call still ringing, not being accepted.
func (c *Call) ringingIn() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.outgoing && c.state == phone.CallRinging && c.media == nil
}

func (c *Call) reject(code int, reason string) {
	_ = c.serverTx.Respond(c.response(code, reason, ""))
	c.end(phone.End{Code: code, Reason: reason})
}
