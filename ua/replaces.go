package ua

import (
	"context"
	"strings"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

// Attended transfer (RFC 5589 §7) with the Replaces header (RFC 3891).
//
// The transferor (A) has a call with the transferee (B), usually on
// hold, and a call with the target (C). TransferTo sends B a REFER whose
// Refer-To is C with a Replaces header naming the A–C dialog; B calls C
// with that Replaces (handleRefer, followRefer); C matches it to its call
// with A, answers B at once in that call's place and hangs up on A
// (handleReplacingInvite); B's NOTIFY tells A the transfer worked, and A
// hangs up on B.

// goneDialogs is how many ended dialogs a registration remembers, so that
// an INVITE replacing one is declined with 603 rather than 481 (RFC 3891
// §3).
const goneDialogs = 32

// maxEarlyTags bounds the To tags of the 1xx (early dialogs, one per
// fork) an outgoing call remembers.
const maxEarlyTags = 8

// TransferTo hands the far end of c over to the far end of other
// (attended transfer): both calls must be answered, other is usually
// the one where we consulted the target. It returns once the REFER is
// accepted; the outcome comes as CallTransfer for c, and on success both
// calls are hung up.
func (c *Call) TransferTo(ctx context.Context, other *Call) *phone.Error {
	if other == nil || other == c {
		return phone.InvalidParameter("call", "give the other call, the one with the transfer target")
	}
	if other.r.ua != c.r.ua {
		return phone.InvalidParameter("call", "the target's call belongs to another phone")
	}
	_, d, err := c.requireEstablished("transfer")
	if err != nil {
		return err
	}
	_, od, err := other.requireEstablished("an attended transfer's target call")
	if err != nil {
		return err
	}
	rep := sip.Replaces{CallID: od.callID, ToTag: od.remoteTag, FromTag: od.localTag}
	target := replacesTarget(od)
	return c.refer(ctx, d, "<"+target.String()+"?Replaces="+rep.URIHeader()+">", other)
}

// replacesTarget is where the transferee sends its INVITE with Replaces:
// the target's Contact when it is a GRUU (RFC 5627: it reaches that very
// device), else the target's address of record, which the proxy forks to
// every device of the target; those without the dialog answer 481 and
// the one with it answers.
func replacesTarget(d *dialog) sipgo.Uri {
	d.mu.Lock()
	t := d.target
	d.mu.Unlock()
	if _, gruu := t.UriParams.Get("gr"); !gruu {
		t = d.remote
	}
	t.Headers = nil
	return t
}

// takeReplaces removes the headers of a Refer-To URI and returns its
// Replaces header's value ("" when it has none); ok is false when that
// value cannot be read.
func takeReplaces(target *sipgo.Uri) (string, bool) {
	h := target.Headers
	target.Headers = nil // other headers of the Refer-To are not used
	for _, kv := range h {
		if !strings.EqualFold(kv.K, "Replaces") {
			continue
		}
		v, err := sip.UnescapeURIHeader(kv.V)
		if err != nil {
			return "", false
		}
		rep, err := sip.ParseReplaces(v)
		if err != nil {
			return "", false
		}
		return rep.String(), true
	}
	return "", true
}

// handleReplacingInvite handles a new INVITE with Replaces: it takes the
// place of the call it names. The new call is answered at once (it is
// not offered to the page: the page already accepted the call it
// replaces) and reported as Replaced, then the old call is hung up.
//
// RFC 3891 §3: no such dialog, or an early dialog the far end started,
// 481; a dialog already over, 603; early-only and the dialog is answered,
// 486; more than one Replaces, 400. The dialog identifiers (Call-ID and
// both tags) are the proof the new party was given the call, as the RFC
// allows over a transport kept private (WSS).
func (r *registration) handleReplacingInvite(req *sipgo.Request, tx sipgo.ServerTransaction) {
	reply := func(code int, reason string) {
		_ = tx.Respond(sipgo.NewResponseFromRequest(req, code, reason, nil))
	}
	hs := req.GetHeaders("Replaces")
	if len(hs) != 1 {
		reply(400, "Bad Request (more than one Replaces)")
		return
	}
	rep, err := sip.ParseReplaces(hs[0].Value())
	if err != nil {
		reply(400, "Bad Request (bad Replaces)")
		return
	}
	if r.t.opts.Media == nil {
		reply(480, "Temporarily Unavailable")
		return
	}
	old, code := r.replacedCall(rep)
	if code != 0 {
		reply(code, sip.ReasonPhrase(code))
		return
	}
	c := r.incomingCall(req, tx)
	if c == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	if err := c.Accept(ctx); err != nil {
		r.ua.cfg.Logger.Warn("could not answer an INVITE with Replaces", "error", err)
		return // Accept answered it with a failure
	}
	if r.ev.Replaced != nil {
		r.ev.Replaced(old, c)
	}
	_ = old.Hangup(context.Background()) // BYE, or CANCEL of an early dialog
}

// replacedCall finds the call a Replaces header names, or the status to
// answer (see handleReplacingInvite).
func (r *registration) replacedCall(rep sip.Replaces) (*Call, int) {
	id := dialogID(rep.CallID, rep.ToTag, rep.FromTag)
	r.calls.mu.Lock()
	c := r.calls.dialogs[id]
	gone := false
	for _, g := range r.calls.gone {
		gone = gone || g == id
	}
	r.calls.mu.Unlock()
	switch {
	case c != nil && c.State() == phone.CallEnded:
		return nil, 603
	case c != nil && rep.EarlyOnly:
		return nil, 486
	case c != nil:
		return c, 0
	case gone:
		return nil, 603
	}
	for _, c := range r.liveCalls() {
		if c.earlyDialog(rep) {
			return c, 0
		}
	}
	return nil, 481
}

// earlyDialog reports whether rep names an early dialog of c, an
// outgoing call still ringing: our From tag is its to-tag, a tag of one
// of the 1xx its from-tag.
func (c *Call) earlyDialog(rep sip.Replaces) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.outgoing || c.state != phone.CallRinging || c.invite == nil ||
		c.invite.CallID().Value() != rep.CallID || tagOf(c.invite.From().Params) != rep.ToTag {
		return false
	}
	for _, t := range c.earlyTags {
		if t == rep.FromTag {
			return true
		}
	}
	return false
}

// noteEarlyTag remembers the To tag of a 1xx (c.mu held).
func (c *Call) noteEarlyTag(res *sipgo.Response) {
	t := tagOf(res.To().Params)
	if t == "" || len(c.earlyTags) >= maxEarlyTags {
		return
	}
	for _, have := range c.earlyTags {
		if have == t {
			return
		}
	}
	c.earlyTags = append(c.earlyTags, t)
}

// rememberGone notes an ended dialog (r.calls.mu held).
func (r *registration) rememberGone(id string) {
	if len(r.calls.gone) >= goneDialogs {
		r.calls.gone = r.calls.gone[1:]
	}
	r.calls.gone = append(r.calls.gone, id)
}
