package ua

import (
	"context"
	"strings"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

// allowMethods are the methods we answer, for Allow (RFC 3261 §20.5).
const allowMethods = "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, INFO, REFER, MESSAGE"

// cancelTimeout bounds waiting for a 1xx before giving up on a CANCEL.
const cancelTimeout = 32 * time.Second

// parseTarget reads what the page dialled: a sip:/sips: URI, user@host,
// or a bare user or number (in our domain).
func (r *registration) parseTarget(name, target string) (sipgo.Uri, *phone.Error) {
	t := strings.TrimSpace(target)
	if t == "" {
		return sipgo.Uri{}, phone.InvalidParameter(name, "is empty: give a SIP URI (sip:bob@example.com) or a user or number")
	}
	if !strings.HasPrefix(t, "sip:") && !strings.HasPrefix(t, "sips:") {
		if !strings.Contains(t, "@") {
			t += "@" + r.t.aor.Host
		}
		t = "sip:" + t
	}
	var u sipgo.Uri
	if err := sipgo.ParseUri(t, &u); err != nil || u.User == "" || u.Host == "" ||
		strings.ContainsAny(t, " \t\r\n<>\"") {
		return sipgo.Uri{}, phone.InvalidParameter(name, "%q is not a SIP URI of the form sip:user@domain", target)
	}
	u.Headers = nil
	return u, nil
}

// Dial places a call to target (see parseTarget). It returns once the
// INVITE is sent; the outcome comes as CallProgress, CallAccepted and
// CallEnded events.
func (u *UserAgent) Dial(ctx context.Context, target string) (*Call, *phone.Error) {
	return u.DialWith(ctx, target, DialOptions{})
}

// DialOptions are DialWith's choices.
type DialOptions struct {
	// Media makes the call's media instead of the registration's
	// MediaFactory (a pre-call test with other ICE servers); nil means
	// the registration's.
	Media MediaFactory
	// Headers go into the INVITE, and into the INVITE sent again after a
	// 401/407 challenge (CheckHeaders must allow them).
	Headers []phone.Header
}

// DialWith is Dial with options.
func (u *UserAgent) DialWith(ctx context.Context, target string, o DialOptions) (*Call, *phone.Error) {
	if e := CheckHeaders(o.Headers); e != nil {
		return nil, e
	}
	r := u.current()
	if r == nil {
		return nil, &phone.Error{Key: phone.KeyNotRegistered, Message: "register before calling"}
	}
	to, err := r.parseTarget("uri", target)
	if err != nil {
		return nil, err
	}
	var extra []sipgo.Header
	for _, h := range o.Headers {
		extra = append(extra, sipgo.NewHeader(h.Name, h.Value))
	}
	return r.placeCall(ctx, to, extra, o.Media)
}

// current returns the registration in force, or nil.
func (u *UserAgent) current() *registration {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.reg == nil || !u.reg.isRegistered() {
		return nil
	}
	return u.reg
}

// placeCall starts an outgoing call; extra headers go into the INVITE;
// media makes its media (nil: the registration's factory).
func (r *registration) placeCall(ctx context.Context, to sipgo.Uri, extra []sipgo.Header, media MediaFactory) (*Call, *phone.Error) {
	if media == nil {
		media = r.t.opts.Media
	}
	if media == nil {
		return nil, &phone.Error{Key: phone.KeyMedia, Message: "calls need media, and this user agent has none"}
	}
	c := newCall(r, true, to, "")
	m, err := media(ctx, c.mediaEvents())
	if err != nil {
		return nil, &phone.Error{Key: phone.KeyMedia, Message: "cannot start the call's audio: " + err.Error(), Err: err}
	}
	offer, err := m.Offer(ctx, false)
	if err != nil {
		m.Close()
		return nil, &phone.Error{Key: phone.KeyMedia, Message: "cannot make the call's offer: " + err.Error(), Err: err}
	}
	c.media = m
	req := r.outOfDialog(sipgo.INVITE, to, to, sip.RandomToken(22), sip.RandomToken(10), 1)
	req.AppendHeader(r.contactHeader())
	req.AppendHeader(sipgo.NewHeader("Allow", allowMethods))
	req.AppendHeader(sipgo.NewHeader("Supported", "outbound, replaces"))
	req.AppendHeader(sipgo.NewHeader("User-Agent", r.ua.cfg.UserAgent))
	for _, h := range extra {
		req.AppendHeader(h)
	}
	setSDP(req, offer)
	// A proxy that challenged our last INVITE (Kamailio, Kazoo's
	// Kamailio, FreeSWITCH: 407) usually takes the same nonce again with
	// the next nc: answering it ahead saves the INVITE → 407 → ACK round
	// trip. A proxy that wants a new nonce challenges again, and that
	// challenge is answered as usual.
	// Before any INVITE was challenged, the registrar's challenge is
	// offered to the proxy (RFC 3261 §22.3 preemptive credentials): a
	// Kamailio or Kazoo proxy checks INVITEs against the same realm and
	// nonces, so even the first call skips the 407.
	seeded := r.authorizeAhead(req)
	r.addCall(c)
	go c.runInvite(req, seeded)
	return c, nil
}

// authorizeAhead puts credentials in req before any challenge to it
// (see placeCall): for the last challenge to an INVITE or MESSAGE, else
// for the registrar's. seeded says they are the registrar's.
func (r *registration) authorizeAhead(req *sipgo.Request) (seeded bool) {
	r.mu.Lock()
	pre := r.inviteChal
	if pre == nil && r.chal != nil && !r.noSeed {
		pre, seeded = r.chal.ForProxy(), true
	}
	r.mu.Unlock()
	if pre != nil {
		_ = pre.Authorize(req, sip.Credentials{Username: r.t.authUser, Password: r.t.opts.Password, Realm: r.t.realm})
	}
	return seeded
}

// runInvite sends the INVITE and follows it to its final response,
// answering 401/407 challenges. seeded says the INVITE carries the
// registrar's credentials, which a proxy might refuse with 403 instead
// of challenging: then it is sent once more without them, and never
// seeded again for this registration.
func (c *Call) runInvite(req *sipgo.Request, seeded bool) {
	defer c.r.ua.recoverPanic(c.r.ev, "outgoing call")
	r := c.r
	cred := sip.Credentials{Username: r.t.authUser, Password: r.t.opts.Password, Realm: r.t.realm}
	for round := 0; ; round++ {
		c.mu.Lock()
		c.invite = req
		c.provisional = false
		c.mu.Unlock()
		l := r.cur()
		tx, err := l.ep.Request(req)
		if err != nil {
			c.end(phone.End{Code: 503, Reason: "Service Unavailable (the INVITE could not be sent)", Originator: phone.BySystem})
			return
		}
		res := c.awaitFinal(l, tx)
		if res == nil {
			c.end(phone.End{Code: 408, Reason: "Request Timeout", Originator: phone.BySystem})
			return
		}
		switch code := res.StatusCode; {
		case code >= 200 && code < 300:
			c.answered(l, tx, res)
			return
		case code == 403 && seeded && !c.cancelled():
			seeded = false
			r.mu.Lock()
			r.noSeed = true
			r.mu.Unlock()
			req = nextAttempt(r, req)
			req.RemoveHeader("Proxy-Authorization")
		case (code == 401 || code == 407) && round < 2 && !c.cancelled():
			chal, err := sip.ParseChallenge(res, r.t.realm)
			if err != nil {
				c.end(phone.End{Code: code, Reason: res.Reason, Originator: phone.ByRemote})
				return
			}
			r.mu.Lock()
			r.inviteChal = chal
			r.mu.Unlock()
			next := nextAttempt(r, req)
			if err := chal.Authorize(next, cred); err != nil {
				c.end(phone.End{Code: code, Reason: res.Reason, Originator: phone.ByRemote})
				return
			}
			req = next
		default:
			if code == 401 || code == 407 {
				r.mu.Lock()
				r.inviteChal = nil // the credentials were refused
				r.mu.Unlock()
			}
			by := phone.ByRemote
			if code == 487 && c.cancelled() {
				by = phone.ByLocal
			}
			c.end(phone.End{Code: code, Reason: res.Reason, Originator: by})
			return
		}
	}
}

// awaitFinal reads the INVITE's responses up to the final one; nil when
// the transaction ended without one (timeout, lost connection).
func (c *Call) awaitFinal(l *link, tx *sipgo.ClientTx) *sipgo.Response {
	for {
		select {
		case res := <-tx.Responses():
			if !res.IsProvisional() {
				return res
			}
			c.provisionalResponse(res)
		case <-tx.Done():
			return nil
		case <-l.tr.Done():
			tx.Terminate()
			return nil
		}
	}
}

// provisionalResponse handles a 1xx: CANCEL becomes possible, 180/183 are
// reported, and a 18x with SDP starts early media.
func (c *Call) provisionalResponse(res *sipgo.Response) {
	c.mu.Lock()
	first := !c.provisional
	c.provisional = true
	c.noteEarlyTag(res)
	wantCancel := c.cancel
	early := res.StatusCode > 100 && isSDP(res) && c.earlySDP == ""
	if early {
		c.earlySDP = string(res.Body())
	}
	m := c.media
	c.mu.Unlock()
	if first && wantCancel {
		go c.sendCancel()
	}
	if early {
		if err := m.Accept(context.Background(), string(res.Body()), true); err != nil {
			c.r.ua.cfg.Logger.Warn("early media refused", "error", err)
		}
	}
	if res.StatusCode > 100 && c.r.ev.CallProgress != nil {
		c.r.ev.CallProgress(c, res.StatusCode, early)
	}
}

// answered completes an answered INVITE: dialog, answer, ACK (RFC 3261
// §13.2.2.4). Other 2xx (forks, retransmissions) are ACKed too, and a
// fork we did not keep is hung up.
func (c *Call) answered(l *link, tx *sipgo.ClientTx, res *sipgo.Response) {
	d := dialogFromResponse(c.invite, res)
	ack := d.newRequest(c.r, sipgo.ACK, c.invite.CSeq().SeqNo)
	c.mu.Lock()
	c.dlg = d
	m := c.media
	answer := c.earlySDP
	c.mu.Unlock()
	if isSDP(res) {
		answer = string(res.Body())
	}
	c.r.addDialog(c, d)
	tx.OnRetransmission(hook(c, func(again *sipgo.Response) { c.extra2xx(l, d, ack, again) }))
	if err := l.tr.WriteMsg(ack); err != nil {
		c.end(phone.End{Code: 500, Reason: "the ACK could not be sent", Originator: phone.BySystem})
		return
	}
	if answer == "" {
		c.bye()
		c.end(phone.End{Code: 488, Reason: "Not Acceptable Here (no SDP answer)", Originator: phone.BySystem})
		return
	}
	if err := m.Accept(context.Background(), answer, false); err != nil {
		c.bye()
		c.end(phone.End{Code: 488, Reason: "Not Acceptable Here (" + err.Error() + ")", Originator: phone.BySystem})
		return
	}
	c.mu.Lock()
	cancelled := c.cancel
	if !cancelled {
		c.state = phone.CallEstablished
		c.answeredAt = time.Now()
		c.received = receivedHeaders(res)
	}
	c.mu.Unlock()
	if cancelled { // hung up while the 200 was on its way
		c.bye()
		c.end(phone.End{Code: 487, Reason: "Request Terminated"})
		return
	}
	c.settle()
	if c.r.ev.CallAccepted != nil {
		c.r.ev.CallAccepted(c)
	}
}

// extra2xx handles a 2xx after the first: the same dialog gets its ACK
// again; another fork is ACKed and hung up (RFC 3261 §13.2.2.4).
func (c *Call) extra2xx(l *link, d *dialog, ack *sipgo.Request, res *sipgo.Response) {
	if tagOf(res.To().Params) == d.remoteTag {
		_ = l.tr.WriteMsg(ack)
		return
	}
	fork := dialogFromResponse(c.invite, res)
	_ = l.tr.WriteMsg(fork.newRequest(c.r, sipgo.ACK, c.invite.CSeq().SeqNo))
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = l.ep.Do(ctx, fork.newRequest(c.r, sipgo.BYE, 0), nil)
	}()
}

func (c *Call) cancelled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cancel
}

// hangupRinging cancels our unanswered INVITE: at once if a 1xx arrived,
// otherwise as soon as one does (RFC 3261 §9.1).
func (c *Call) hangupRinging() {
	c.mu.Lock()
	c.cancel = true
	send := c.provisional
	c.mu.Unlock()
	if send {
		c.sendCancel()
		return
	}
	time.AfterFunc(cancelTimeout, func() { // no 1xx ever: give up locally
		c.end(phone.End{Code: 487, Reason: "Request Terminated"})
	})
}

// sendCancel sends CANCEL for the pending INVITE and waits for its answer.
func (c *Call) sendCancel() {
	ctx, cancel := context.WithTimeout(context.Background(), cancelTimeout)
	defer cancel()
	if _, err := c.r.cur().ep.Do(ctx, c.cancelRequest(), nil); err != nil {
		c.r.ua.cfg.Logger.Debug("CANCEL failed", "error", err)
	}
}

// cancelRequest builds the CANCEL of the pending INVITE (RFC 3261 §9.1):
// same Request-URI, Call-ID, From, To, CSeq number and top Via branch.
func (c *Call) cancelRequest() *sipgo.Request {
	c.mu.Lock()
	inv := c.invite
	c.mu.Unlock()
	req := sipgo.NewRequest(sipgo.CANCEL, inv.Recipient)
	req.SetTransport(inv.Transport())
	req.AppendHeader(inv.Via().Clone())
	for _, h := range inv.GetHeaders("Route") {
		req.AppendHeader(sipgo.HeaderClone(h))
	}
	maxfwd := sipgo.MaxForwardsHeader(70)
	req.AppendHeader(&maxfwd)
	req.AppendHeader(sipgo.HeaderClone(inv.From()))
	req.AppendHeader(sipgo.HeaderClone(inv.To()))
	req.AppendHeader(sipgo.HeaderClone(inv.CallID()))
	req.AppendHeader(&sipgo.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sipgo.CANCEL})
	req.AppendHeader(sipgo.NewHeader("User-Agent", c.r.ua.cfg.UserAgent))
	return req
}
