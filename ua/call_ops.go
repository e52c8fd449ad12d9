package ua

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

// byeTimeout bounds waiting for the answer to a BYE: the call ends
// locally either way.
const byeTimeout = 5 * time.Second

// Hangup ends the call however it stands: BYE when established, CANCEL
// when ringing out, 486 when ringing in. Ending an ended call does
// nothing.
func (c *Call) Hangup(ctx context.Context) *phone.Error {
	c.mu.Lock()
	state, outgoing := c.state, c.outgoing
	c.mu.Unlock()
	switch {
	case state == phone.CallEnded:
	case state == phone.CallRinging && outgoing:
		c.hangupRinging()
	case state == phone.CallRinging:
		if err := c.Reject(486); err != nil && c.State() != phone.CallEnded {
			return err
		}
	default:
		c.bye()
		c.end(phone.End{})
	}
	return nil
}

// abandon ends the call for a page going away: the BYE, CANCEL or 480 is
// written without waiting for any answer.
func (c *Call) abandon() {
	c.mu.Lock()
	state, outgoing, d, provisional := c.state, c.outgoing, c.dlg, c.provisional
	c.mu.Unlock()
	tr := c.r.cur().tr
	switch {
	case state == phone.CallEstablished && d != nil:
		_ = tr.WriteMsg(d.newRequest(c.r, sipgo.BYE, 0))
	case state == phone.CallRinging && outgoing && provisional:
		_ = tr.WriteMsg(c.cancelRequest())
	case state == phone.CallRinging && !outgoing:
		_ = c.serverTx.Respond(c.response(480, "Temporarily Unavailable", ""))
	}
	c.end(phone.End{})
}

// bye sends BYE in the call's dialog and waits a little for the answer.
func (c *Call) bye() {
	c.mu.Lock()
	d := c.dlg
	c.mu.Unlock()
	if d == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	if _, err := c.r.cur().ep.Do(ctx, d.newRequest(c.r, sipgo.BYE, 0), nil); err != nil {
		c.r.ua.cfg.Logger.Debug("BYE got no answer", "error", err)
	}
}

// requireEstablished returns the call's media and dialog, or an error
// when the call is not up.
func (c *Call) requireEstablished(what string) (Media, *dialog, *phone.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != phone.CallEstablished {
		return nil, nil, &phone.Error{Key: phone.KeyCallState, Message: fmt.Sprintf("%s needs an answered call (the call is %s)", what, c.state)}
	}
	return c.media, c.dlg, nil
}

// Hold puts the call on hold (re-INVITE with sendonly, or inactive when
// the far end holds us too) or resumes it (sendrecv).
func (c *Call) Hold(ctx context.Context, hold bool) *phone.Error {
	c.op.Lock()
	defer c.op.Unlock()
	m, _, err := c.requireEstablished("hold")
	if err != nil {
		return err
	}
	dir, undo := SendOnly, SendRecv
	if !hold {
		dir, undo = SendRecv, SendOnly
	}
	if err := m.SetDirection(dir); err != nil {
		return &phone.Error{Key: phone.KeyHoldFailed, Message: err.Error(), Err: err}
	}
	if e := c.renegotiate(ctx, false); e != nil {
		_ = m.SetDirection(undo)
		e.Key = phone.KeyHoldFailed
		return e
	}
	c.mu.Lock()
	c.held = hold
	c.mu.Unlock()
	return nil
}

// renegotiate sends a re-INVITE with a new offer (RFC 3261 §14.1),
// answering a challenge once and retrying once after a 491.
func (c *Call) renegotiate(ctx context.Context, iceRestart bool) *phone.Error {
	m, d, e := c.requireEstablished("a re-INVITE")
	if e != nil {
		return e
	}
	c.mu.Lock()
	if c.reinvite {
		c.mu.Unlock()
		return &phone.Error{Key: phone.KeyCallState, Message: "another offer/answer exchange is in progress"}
	}
	c.reinvite = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.reinvite = false
		c.mu.Unlock()
	}()
	var chal *sip.Challenge
	for attempt := 0; attempt < 3; attempt++ {
		offer, err := m.Offer(ctx, iceRestart)
		if err != nil {
			return &phone.Error{Key: phone.KeyMedia, Message: "cannot make an offer: " + err.Error(), Err: err}
		}
		req := d.newRequest(c.r, sipgo.INVITE, 0)
		req.AppendHeader(sipgo.NewHeader("Allow", allowMethods))
		setSDP(req, offer)
		if chal != nil {
			_ = chal.Authorize(req, sip.Credentials{Username: c.r.t.authUser, Password: c.r.t.opts.Password})
		}
		res, err := c.inDialogInvite(ctx, d, req)
		if err != nil {
			_ = m.Rollback(ctx)
			return &phone.Error{Key: phone.KeyRequestFailed, Message: "the re-INVITE got no answer", Err: err}
		}
		switch code := res.StatusCode; {
		case code >= 200 && code < 300:
			if !isSDP(res) {
				_ = m.Rollback(ctx)
				return &phone.Error{Key: phone.KeyRequestFailed, Message: "the answer to the re-INVITE had no SDP", Code: code}
			}
			if err := m.Accept(ctx, string(res.Body()), false); err != nil {
				return &phone.Error{Key: phone.KeyMedia, Message: "the far end's answer was refused: " + err.Error(), Err: err}
			}
			return nil
		case (code == 401 || code == 407) && chal == nil:
			_ = m.Rollback(ctx)
			if chal, err = sip.ParseChallenge(res, c.r.t.realm); err != nil {
				return statusError(phone.KeyRequestFailed, res, "the re-INVITE was refused")
			}
		case code == 491:
			_ = m.Rollback(ctx)
			select { // RFC 3261 §14.1: retry after 2.1–4 s
			case <-time.After(2100*time.Millisecond + rand.N(1900*time.Millisecond)):
			case <-ctx.Done():
				return &phone.Error{Key: phone.KeyRequestFailed, Message: "cancelled", Err: ctx.Err()}
			}
		default:
			_ = m.Rollback(ctx)
			return statusError(phone.KeyRequestFailed, res, "the re-INVITE was refused")
		}
	}
	return &phone.Error{Key: phone.KeyRequestFailed, Message: "the re-INVITE kept failing"}
}

// inDialogInvite sends a re-INVITE and returns its final response; a 2xx
// is ACKed (again for each retransmission) and refreshes the target.
func (c *Call) inDialogInvite(ctx context.Context, d *dialog, req *sipgo.Request) (*sipgo.Response, error) {
	l := c.r.cur()
	tx, err := l.ep.Request(req)
	if err != nil {
		return nil, err
	}
	for {
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				continue
			}
			if res.IsSuccess() {
				d.refreshTarget(res.Contact())
				ack := d.newRequest(c.r, sipgo.ACK, req.CSeq().SeqNo)
				tx.OnRetransmission(hook(c, func(*sipgo.Response) { _ = l.tr.WriteMsg(ack) }))
				_ = l.tr.WriteMsg(ack)
			}
			return res, nil
		case <-tx.Done():
			if err := tx.Err(); err != nil {
				return nil, err
			}
			return nil, sip.ErrConnectionLost
		case <-l.tr.Done():
			tx.Terminate()
			return nil, sip.ErrConnectionLost
		case <-ctx.Done():
			tx.Terminate()
			return nil, ctx.Err()
		}
	}
}

// SendDTMF sends tones (0-9, *, #) in the RTP stream (RFC 4733) or as
// SIP INFO, as the registration's DTMF option says.
func (c *Call) SendDTMF(ctx context.Context, tones string) *phone.Error {
	if err := phone.CheckDTMF(tones); err != nil {
		return err
	}
	m, d, err := c.requireEstablished("sendDTMF")
	if err != nil {
		return err
	}
	if c.r.t.opts.DTMF != phone.DTMFInfo {
		if err := m.SendDTMF(tones); err != nil {
			return &phone.Error{Key: phone.KeyMedia, Message: "cannot send DTMF: " + err.Error(), Err: err}
		}
		return nil
	}
	for _, tone := range tones {
		req := d.newRequest(c.r, sipgo.INFO, 0)
		ct := sipgo.ContentTypeHeader(sip.ContentTypeDTMFRelay)
		req.AppendHeader(&ct)
		req.SetBody(sip.DTMFRelayBody(tone, 160))
		rctx, cancel := context.WithTimeout(ctx, byeTimeout)
		res, err := c.r.cur().ep.Do(rctx, req, nil)
		cancel()
		if err != nil {
			return &phone.Error{Key: phone.KeyRequestFailed, Message: "the DTMF INFO got no answer", Err: err}
		}
		if !res.IsSuccess() {
			return statusError(phone.KeyRequestFailed, res, "the DTMF INFO was refused")
		}
	}
	return nil
}
