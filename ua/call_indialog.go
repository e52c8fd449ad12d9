package ua

import (
	"context"
	"errors"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

// handleInDialog handles a request carrying our tag in To: it belongs to
// one of our subscriptions (a NOTIFY, subscribe_notify.go) or calls, or
// gets 481 (RFC 3261 §12.2.2).
func (r *registration) handleInDialog(req *sipgo.Request, tx sipgo.ServerTransaction) {
	if req.Method == sipgo.NOTIFY && r.handleSubscriptionNotify(req, tx) {
		return
	}
	c := r.callFor(req)
	if req.IsAck() {
		if c != nil {
			select {
			case c.acks <- req:
			default:
			}
		}
		return
	}
	if c == nil {
		_ = tx.Respond(sipgo.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	if !c.dlg.acceptRemoteSeq(req.CSeq().SeqNo) {
		_ = tx.Respond(sipgo.NewResponseFromRequest(req, 500, "Server Internal Error (CSeq out of order)", nil))
		return
	}
	switch req.Method {
	case sipgo.BYE:
		_ = tx.Respond(c.answerTo(req, 200, "OK", ""))
		c.end(phone.End{Originator: phone.ByRemote})
	case sipgo.INVITE:
		c.handleReinvite(req, tx)
	case sipgo.INFO:
		c.handleInfo(req, tx)
	case sipgo.REFER:
		c.handleRefer(req, tx)
	case sipgo.NOTIFY:
		c.handleNotify(req, tx)
	case sipgo.MESSAGE:
		c.r.handleMessage(req, tx, c)
	case sipgo.OPTIONS:
		_ = tx.Respond(c.answerTo(req, 200, "OK", ""))
	default:
		res := c.answerTo(req, 405, "Method Not Allowed", "")
		res.AppendHeader(sipgo.NewHeader("Allow", allowMethods))
		_ = tx.Respond(res)
	}
}

// handleReinvite answers a re-INVITE (hold, resume, ICE restart, target
// refresh). Our own pending re-INVITE makes it 491 (RFC 3261 §14.2).
func (c *Call) handleReinvite(req *sipgo.Request, tx sipgo.ServerTransaction) {
	c.mu.Lock()
	busy := c.reinvite || c.state != phone.CallEstablished
	if !busy {
		c.reinvite = true
	}
	m := c.media
	c.mu.Unlock()
	if busy {
		_ = tx.Respond(c.answerTo(req, 491, "Request Pending", ""))
		return
	}
	defer func() {
		c.mu.Lock()
		c.reinvite = false
		c.mu.Unlock()
	}()
	delayed := !isSDP(req)
	var sdp string
	var err error
	if delayed {
		sdp, err = m.Offer(context.Background(), false)
	} else {
		sdp, err = m.Answer(context.Background(), string(req.Body()))
	}
	if err != nil {
		c.r.ua.cfg.Logger.Warn("re-INVITE offer refused", "error", err)
		_ = tx.Respond(c.answerTo(req, 488, "Not Acceptable Here", ""))
		return
	}
	c.dlg.refreshTarget(req.Contact())
	res := c.answerTo(req, 200, "OK", sdp)
	if err := tx.Respond(res); err != nil {
		return
	}
	c.awaitAck(tx, res, delayed)
}

// handleInfo reports DTMF sent as SIP INFO: application/dtmf-relay
// ("Signal=5") or application/dtmf ("5").
func (c *Call) handleInfo(req *sipgo.Request, tx sipgo.ServerTransaction) {
	digit, err := sip.ParseDTMFInfo(req)
	switch {
	case errors.Is(err, sip.ErrNotDTMF):
		res := c.answerTo(req, 415, "Unsupported Media Type", "")
		res.AppendHeader(sipgo.NewHeader("Accept", sip.DTMFInfoAccept))
		_ = tx.Respond(res)
		return
	case err != nil:
		_ = tx.Respond(c.answerTo(req, 400, "Bad Request (no DTMF signal)", ""))
		return
	}
	// Report before answering: the sender waits for our 200 before its
	// next digit, so digits are reported in order.
	if c.r.ev.CallDTMF != nil {
		c.r.ev.CallDTMF(c, digit)
	}
	_ = tx.Respond(c.answerTo(req, 200, "OK", ""))
}
