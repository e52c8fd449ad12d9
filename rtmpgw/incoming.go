package rtmpgw

import (
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// onInvite handles an INVITE for the line: a new incoming call (invited),
// or a re-INVITE in the current call. It returns once the INVITE has its
// final answer (sipgo ends the transaction when the handler returns).
func (l *line) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if req.To().Params.Has("tag") {
		l.onReinvite(req, tx)
		return
	}
	if req.Contact() == nil {
		respond(tx, req, 400, "Missing Contact", nil)
		return
	}
	if !hasSDP(req) {
		respond(tx, req, 488, "Not Acceptable Here", nil) // no late offer
		return
	}
	offer, err := parseSDP(req.Body())
	if err != nil || offer.audioPT([]int{ptPCMU, ptPCMA}) < 0 {
		respond(tx, req, 488, "Not Acceptable Here", nil, sip.NewHeader("Warning", `399 kazoo-rtmpgw "G.711 only"`))
		return
	}
	c, err := l.newCall(false, codecs{})
	if err != nil {
		code, reason := 486, "Busy Here"
		if se, ok := err.(*statusError); ok {
			code, reason = se.code, se.reason
		}
		respond(tx, req, code, reason, nil)
		return
	}
	defer close(c.finished)
	defer c.recoverPanic()
	dss, err := l.dua.ReadInvite(req, tx)
	if err != nil {
		c.end()
		respond(tx, req, 400, "Bad Request", nil)
		return
	}
	from, to := req.From(), req.To()
	c.mu.Lock()
	c.callID = req.CallID().Value()
	c.from = addressString(from.DisplayName, from.Address)
	c.to = addressString(to.DisplayName, to.Address)
	c.dlg, c.dss, c.firstCSeq = dss, dss, req.CSeq().SeqNo
	c.target = req.Contact().Address
	c.remote = offer
	c.mu.Unlock()
	l.log.Info("incoming call", "from", c.from, "call_id", c.callID)
	if err := dss.Respond(180, "Ringing", nil); err != nil {
		c.end()
		return
	}
	l.send("invited", c.from, c.to)
	c.awaitDecision(dss)
}

// awaitDecision waits for accept or reject, the caller's CANCEL, or the
// ring timeout.
func (c *call) awaitDecision(dss *sipgo.DialogServerSession) {
	timer := time.NewTimer(ringTimeout)
	defer timer.Stop()
	select {
	case d := <-c.decision:
		if d.accept {
			c.answer(dss, d.allow)
			return
		}
		c.l.log.Info("incoming call rejected", "call_id", c.callID, "status", d.code)
		_ = dss.Respond(d.code, d.reason, nil)
		c.end()
	case <-dss.Context().Done():
		c.finish("cancelled", c.from, c.to)
	case <-timer.C:
		_ = dss.Respond(480, "Temporarily Unavailable", nil)
		c.finish("cancelled", c.from, c.to)
	}
}

// answer sends 200 with our SDP answer: the first of the client's codecs
// that the offer has, and telephone-event when both want it. accepted
// goes to the client before the 200, so that its streams start at once.
func (c *call) answer(dss *sipgo.DialogServerSession, allow codecs) {
	c.mu.Lock()
	offer := c.remote
	pt := offer.preferredPT(allow.audio)
	if pt < 0 || c.state != stRinging {
		c.mu.Unlock()
		_ = dss.Respond(488, "Not Acceptable Here", nil)
		c.finish("byed") // siprtmp: a failed accept is reported as byed
		return
	}
	dtmf := noDTMF
	if allow.dtmf {
		dtmf = offer.dtmfPT
	}
	c.allow, c.pt, c.dtmfPT, c.remoteHold = allow, pt, dtmf, offer.held()
	c.state = stActive
	body := c.sdpLocked([]int{pt}, dtmf, answerDir(offer.dir, false))
	c.mu.Unlock()
	offer.dtmfPT = dtmf
	c.media.setRemote(offer)
	c.l.log.Info("call answered", "call_id", c.callID, "codec", codecName(pt), "rtp", offer.addr.String())
	c.l.send("accepted", codecName(pt), nil)
	res := sip.NewSDPResponseFromRequest(dss.InviteRequest, body)
	res.AppendHeader(sip.NewHeader("Allow", allowMethods))
	if err := dss.WriteResponse(res); err != nil {
		c.l.log.Info("answer failed", "call_id", c.callID, "err", err)
		if c.isActive() {
			go c.byeQuietly(dss)
		}
		c.finish("byed")
	}
}
