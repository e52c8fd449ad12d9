package rtmpgw

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	ksip "github.com/kazoo-softphone/kazoo/sip"
)

// rpcAccept answers the ringing incoming call: accept(...codecs).
func (l *line) rpcAccept(args []any) error {
	allow, err := parseCodecs(args)
	if err != nil {
		return err
	}
	return l.decideLater(decision{accept: true, allow: allow})
}

// decideLater claims the ringing call's decision now and hands it over
// once the RPC is answered.
func (l *line) decideLater(d decision) error {
	c := l.current()
	if c == nil {
		return errNoInvite
	}
	if err := c.claim(); err != nil {
		return err
	}
	l.afterReply(func() { c.decision <- d })
	return nil
}

// rpcReject refuses the ringing incoming call: reject(reason), where a
// reason starting with a status code ("486 Busy Here") is sent as that
// status, anything else with 603.
func (l *line) rpcReject(args []any) error {
	reason := ""
	if len(args) > 0 && args[0] != nil {
		s, ok := args[0].(string)
		if !ok || len(s) > 128 || strings.ContainsAny(s, "\r\n") {
			return errors.New("reject: the reason must be a short string")
		}
		reason = s
	}
	code, text := parseStatus(reason, 603)
	return l.decideLater(decision{code: code, reason: text})
}

// rpcBye hangs up: BYE, CANCEL (then rejected 487) or, for a ringing
// incoming call, 603. Without a call it does nothing.
func (l *line) rpcBye() error {
	if c := l.current(); c != nil {
		l.afterReply(func() { c.hangup(false) })
	}
	return nil
}

// rpcDTMF sends one digit: sendDTMF(digit) as RFC 4733 events, or
// sendDTMF(digit, "info") as a SIP INFO (application/dtmf-relay), which
// is also used when the peer did not negotiate telephone-event. An INFO
// is answered once the peer answered it.
func (l *line) rpcDTMF(txid float64, args []any) error {
	d, err := stringArg(args, 0, "sendDTMF digit")
	if err != nil {
		return err
	}
	if len(d) != 1 {
		return errors.New("sendDTMF: exactly one digit of 0-9 * # A-D")
	}
	if _, ok := dtmfEvent(d[0]); !ok {
		return errors.New("sendDTMF: exactly one digit of 0-9 * # A-D")
	}
	mode := ""
	if len(args) > 1 && args[1] != nil {
		if mode, err = stringArg(args, 1, "sendDTMF mode"); err != nil {
			return err
		}
	}
	if mode != "" && mode != dtmfModeInfo && mode != dtmfModeRTP {
		return errors.New(`sendDTMF: the mode is "info" or "rfc2833"`)
	}
	c := l.current()
	if c == nil || !c.isActive() {
		return errNoCall
	}
	if mode != dtmfModeInfo {
		err := c.media.queueDTMF(d[0])
		if !errors.Is(err, errNoDTMF) || mode == dtmfModeRTP {
			return err
		}
	}
	go func() { l.reply(txid, c.info(d[0])) }()
	return errAsync
}

// DTMF modes of sendDTMF's second argument.
const (
	dtmfModeInfo = "info"
	dtmfModeRTP  = "rfc2833"
)

// info sends one tone as SIP INFO in the call.
func (c *call) info(tone byte) error {
	res, _, err := c.request(sip.INFO, func(r *sip.Request) {
		ct := sip.ContentTypeHeader(ksip.ContentTypeDTMFRelay)
		r.AppendHeader(&ct)
		r.SetBody(ksip.DTMFRelayBody(rune(tone), dtmfInfoMs))
	})
	switch {
	case err != nil:
		return transportError(err)
	case !res.IsSuccess():
		return responseError(res)
	}
	return nil
}

// dtmfInfoMs is the Duration of a tone sent as INFO.
const dtmfInfoMs = 160

// onInfo reports a tone the peer sent as SIP INFO (application/dtmf-relay
// or application/dtmf) with dtmf(tone); an INFO without a body (a
// keepalive) gets 200, other bodies 415.
func (l *line) onInfo(req *sip.Request, tx sip.ServerTransaction) {
	c := l.callFor(req)
	if c == nil {
		respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	tone, err := ksip.ParseDTMFInfo(req)
	switch {
	case errors.Is(err, ksip.ErrNotDTMF) && len(req.Body()) == 0:
		respond(tx, req, 200, "OK", nil)
	case errors.Is(err, ksip.ErrNotDTMF):
		respond(tx, req, 415, "Unsupported Media Type", nil, sip.NewHeader("Accept", ksip.DTMFInfoAccept))
	case err != nil:
		respond(tx, req, 400, "Bad Request", nil)
	default:
		// Sent before the 200: the peer waits for it before its next
		// tone, so tones reach the connection in order.
		l.send("dtmf", tone)
		respond(tx, req, 200, "OK", nil)
	}
}

// rpcHold puts the call on hold (a=sendonly) or resumes it (a=sendrecv)
// with a re-INVITE; the RPC is answered once the re-INVITE is.
func (l *line) rpcHold(txid float64, args []any) error {
	on, ok := false, len(args) > 0
	if ok {
		on, ok = args[0].(bool)
	}
	if !ok {
		return errors.New("hold: a boolean is required")
	}
	c := l.current()
	if c == nil || !c.isActive() {
		return errNoCall
	}
	go func() { l.reply(txid, c.hold(on)) }()
	return errAsync
}

func (c *call) hold(on bool) error {
	c.mu.Lock()
	if c.reinvite {
		c.mu.Unlock()
		return errors.New("a re-INVITE is already pending")
	}
	c.reinvite = true
	dir := dirSendRecv
	if on {
		dir = dirSendOnly
	}
	body := c.sdpLocked([]int{c.pt}, c.dtmfPT, dir)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.reinvite = false
		c.mu.Unlock()
	}()
	res, req, err := c.request(sip.INVITE, func(r *sip.Request) {
		ct := sip.ContentTypeHeader("application/sdp")
		r.AppendHeader(&ct)
		r.SetBody(body)
	})
	if err != nil {
		return transportError(err)
	}
	if !res.IsSuccess() {
		return responseError(res)
	}
	c.ack(req)
	if sd, err := parseSDP(res.Body()); err == nil && hasSDP(res) {
		c.mu.Lock()
		sd.dtmfPT = c.dtmfPT
		c.mu.Unlock()
		c.media.setRemote(sd)
	}
	c.mu.Lock()
	c.localHold = on
	c.mu.Unlock()
	return nil
}

// rpcTransfer sends REFER in the call: transfer(dest). The RPC is
// answered when the REFER is; the outcome comes as transferred or
// transferFailed (see the package documentation).
func (l *line) rpcTransfer(txid float64, args []any) error {
	dest, err := stringArg(args, 0, "transfer destination")
	if err != nil {
		return err
	}
	to, _, err := parseTarget(dest, l.aor.Host)
	if err != nil {
		return err
	}
	c := l.current()
	if c == nil || !c.isActive() {
		return errNoCall
	}
	go func() {
		status, err := c.transfer(to)
		if err != nil {
			l.reply(txid, err)
			return
		}
		// A value in the _result tells the client that this gateway
		// transfers: siprtmp answers every RPC, even one it does not
		// have, with a bare _result.
		_ = l.rc.Reply(txid, status)
	}()
	return errAsync
}

// transfer sends the REFER; it returns the REFER's status ("202
// Accepted") when it was accepted.
func (c *call) transfer(to sip.Uri) (string, error) {
	c.mu.Lock()
	if c.referring {
		c.mu.Unlock()
		return "", errors.New("a transfer is already in progress")
	}
	c.referring = true
	c.mu.Unlock()
	res, _, err := c.request(sip.REFER, func(r *sip.Request) {
		r.AppendHeader(&sip.ReferToHeader{Address: to})
		r.AppendHeader(&sip.ReferredByHeader{Address: c.l.aor})
	})
	var se *statusError
	switch {
	case err != nil:
		se = transportError(err)
	case !res.IsSuccess():
		se = responseError(res)
	default:
		c.l.log.Info("transfer accepted", "call_id", c.callID, "to", to.String())
		return strconv.Itoa(int(res.StatusCode)) + " " + res.Reason, nil
	}
	c.mu.Lock()
	c.referring = false
	c.mu.Unlock()
	c.l.send("transferFailed", se.Error())
	return "", se
}

// handleSIP handles a request addressed to the line's Contact.
func (l *line) handleSIP(req *sip.Request, tx sip.ServerTransaction) {
	switch req.Method {
	case sip.INVITE:
		l.onInvite(req, tx)
	case sip.ACK:
		l.onAck(req)
	case sip.BYE:
		l.onBye(req, tx)
	case sip.NOTIFY:
		l.onNotify(req, tx)
	case sip.INFO:
		l.onInfo(req, tx)
	case sip.OPTIONS:
		respond(tx, req, 200, "OK", nil, sip.NewHeader("Allow", allowMethods))
	default: // CANCEL matching no INVITE
		respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
	}
}

// callFor returns the line's call when req belongs to it.
func (l *line) callFor(req *sip.Request) *call {
	c := l.current()
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dlg == nil || c.callID != req.CallID().Value() {
		return nil
	}
	return c
}

func (l *line) onAck(req *sip.Request) {
	c := l.callFor(req)
	if c == nil {
		return
	}
	c.mu.Lock()
	dss, first := c.dss, c.firstCSeq
	c.mu.Unlock()
	seq := req.CSeq().SeqNo
	if dss != nil && seq == first {
		_ = dss.ReadAck(req, nil)
		return
	}
	select {
	case c.acks <- seq:
	default:
	}
}

func (l *line) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c := l.callFor(req)
	if c == nil {
		respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	c.mu.Lock()
	dlg := c.dlg
	c.mu.Unlock()
	if err := dlg.ReadBye(req, tx); err != nil {
		respond(tx, req, 400, "Bad Request", nil)
		return
	}
	l.log.Info("remote hangup", "call_id", c.callID)
	c.finish("byed")
}

// onReinvite answers a re-INVITE in the call, reporting hold changes
// with holded(bool).
func (l *line) onReinvite(req *sip.Request, tx sip.ServerTransaction) {
	c := l.callFor(req)
	if c == nil {
		respond(tx, req, 481, "Call/Transaction Does Not Exist", nil)
		return
	}
	var sd sdpMedia
	offered := hasSDP(req)
	if offered {
		var err error
		if sd, err = parseSDP(req.Body()); err != nil {
			respond(tx, req, 488, "Not Acceptable Here", nil)
			return
		}
	}
	c.mu.Lock()
	if c.state != stActive || c.reinvite {
		c.mu.Unlock()
		respond(tx, req, 491, "Request Pending", nil)
		return
	}
	changed := false
	var body []byte
	if offered {
		pt := sd.audioPT([]int{c.pt})
		if pt < 0 {
			pt = sd.audioPT(c.allow.audio)
		}
		if pt < 0 {
			c.mu.Unlock()
			respond(tx, req, 488, "Not Acceptable Here", nil)
			return
		}
		if !c.allow.dtmf {
			sd.dtmfPT = noDTMF
		}
		changed = sd.held() != c.remoteHold
		c.pt, c.dtmfPT, c.remote, c.remoteHold = pt, sd.dtmfPT, sd, sd.held()
		body = c.sdpLocked([]int{pt}, sd.dtmfPT, answerDir(sd.dir, c.localHold))
	} else { // offer in our 200, answer in the ACK (ignored)
		body = c.sdpLocked([]int{c.pt}, c.dtmfPT, answerDir(dirSendRecv, c.localHold))
	}
	held := c.remoteHold
	c.mu.Unlock()
	if offered {
		c.media.setRemote(sd)
	}
	res := sip.NewSDPResponseFromRequest(req, body)
	contact := l.contact
	res.AppendHeader(&contact)
	if err := tx.Respond(res); err != nil {
		return
	}
	go c.retransmit(res, req.CSeq().SeqNo)
	if changed {
		l.log.Info("remote hold", "call_id", c.callID, "held", held)
		l.send("holded", held)
	}
}

// retransmit resends our 2xx to a re-INVITE until its ACK (RFC 3261
// §13.3.1.4).
func (c *call) retransmit(res *sip.Response, cseq uint32) {
	wait, deadline := sip.T1, time.Now().Add(64*sip.T1)
	for time.Now().Before(deadline) {
		select {
		case seq := <-c.acks:
			if seq == cseq {
				return
			}
		case <-time.After(wait):
			_ = c.l.g.srv.WriteResponse(res)
			wait = min(2*wait, sip.T2)
		case <-c.media.closed:
			return
		}
	}
}

// onNotify answers NOTIFY: the outcome of our REFER (Event: refer) in
// the call, or anything else (message-summary, Kazoo's Overwrote: and
// Replaced-By: notices, check-sync…) as notified(event, body).
func (l *line) onNotify(req *sip.Request, tx sip.ServerTransaction) {
	event := strings.ToLower(strings.TrimSpace(strings.SplitN(headerValue(req, "Event"), ";", 2)[0]))
	var c *call
	if req.To().Params.Has("tag") {
		if c = l.callFor(req); c == nil && event == "refer" {
			respond(tx, req, 481, "Subscription Does Not Exist", nil)
			return
		}
	}
	respond(tx, req, 200, "OK", nil)
	if c == nil || event != "refer" {
		l.send("notified", event, string(req.Body()))
		return
	}
	st, ok := sipfragStatus(req.Body())
	if !ok || st.code < 200 {
		return
	}
	c.mu.Lock()
	was := c.referring
	c.referring = false
	c.mu.Unlock()
	if !was {
		return
	}
	if st.code >= 300 {
		l.log.Info("transfer failed", "call_id", c.callID, "status", st.Error())
		l.send("transferFailed", st.Error())
		return
	}
	// Transferred: the transferor leaves the call (RFC 5589 §6.1).
	l.log.Info("transferred", "call_id", c.callID, "status", st.Error())
	l.send("transferred", st.Error())
	c.mu.Lock()
	dlg := c.dlg
	c.mu.Unlock()
	if c.end() {
		go c.byeQuietly(dlg)
		l.send("byed")
	}
}
