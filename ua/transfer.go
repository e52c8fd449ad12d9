package ua

import (
	"context"
	"strconv"
	"strings"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/phone"
)

// transferTimeout bounds waiting for the final NOTIFY of a transfer.
const transferTimeout = 60 * time.Second

// transferState is a REFER of ours waiting for its outcome.
type transferState struct {
	timer *time.Timer
	other *Call // attended transfer: our call with the target
}

// Transfer asks the far end to call target instead (blind transfer,
// RFC 3515). It returns once the REFER is accepted; the outcome, from the
// NOTIFY sipfrags, comes as CallTransfer. On success our leg is hung up.
func (c *Call) Transfer(ctx context.Context, target string) *phone.Error {
	_, d, err := c.requireEstablished("transfer")
	if err != nil {
		return err
	}
	to, err := c.r.parseTarget("uri", target)
	if err != nil {
		return err
	}
	return c.refer(ctx, d, "<"+to.String()+">", nil)
}

// refer sends a REFER with referTo in the dialog d and follows it:
// the outcome comes as CallTransfer. other, for an attended transfer, is
// our call with the target, hung up with ours on success.
func (c *Call) refer(ctx context.Context, d *dialog, referTo string, other *Call) *phone.Error {
	c.mu.Lock()
	if c.transfer != nil {
		c.mu.Unlock()
		return &phone.Error{Key: phone.KeyCallState, Message: "a transfer is already in progress"}
	}
	c.transfer = &transferState{other: other}
	c.mu.Unlock()
	req := d.newRequest(c.r, sipgo.REFER, 0)
	req.AppendHeader(sipgo.NewHeader("Refer-To", referTo))
	req.AppendHeader(sipgo.NewHeader("Referred-By", "<"+c.r.t.aor.String()+">"))
	rctx, cancel := context.WithTimeout(ctx, 32*time.Second)
	res, rerr := c.r.cur().ep.Do(rctx, req, nil)
	cancel()
	var fail *phone.Error
	switch {
	case rerr != nil:
		fail = &phone.Error{Key: phone.KeyTransferFailed, Message: "the REFER got no answer", Err: rerr}
	case !res.IsSuccess():
		fail = statusError(phone.KeyTransferFailed, res, "the far end refused the transfer")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if fail != nil {
		c.transfer = nil
		return fail
	}
	if c.transfer != nil { // the final NOTIFY may already have come
		c.transfer.timer = time.AfterFunc(transferTimeout, func() {
			c.transferDone(&phone.Error{Key: phone.KeyTransferFailed, Message: "the transfer did not complete in time"})
		})
	}
	return nil
}

// transferDone reports a transfer's outcome once; success hangs up our
// leg, as the transferee now talks to the target (and, attended, our
// call with the target, which the target usually ends itself first:
// RFC 5589 §7).
func (c *Call) transferDone(result *phone.Error) {
	c.mu.Lock()
	t := c.transfer
	c.transfer = nil
	c.mu.Unlock()
	if t == nil {
		return
	}
	if t.timer != nil {
		t.timer.Stop()
	}
	if c.r.ev.CallTransfer != nil {
		c.r.ev.CallTransfer(c, result)
	}
	if result == nil {
		c.bye()
		c.end(phone.End{})
		if t.other != nil {
			_ = t.other.Hangup(context.Background())
		}
	}
}

// handleNotify follows our REFER through the NOTIFYs of its implicit
// subscription (RFC 3515 §2.4.5): a message/sipfrag status line each.
func (c *Call) handleNotify(req *sipgo.Request, tx sipgo.ServerTransaction) {
	event := req.GetHeader("Event")
	if event == nil || !strings.HasPrefix(strings.ToLower(strings.TrimSpace(event.Value())), "refer") {
		_ = tx.Respond(c.answerTo(req, 489, "Bad Event", ""))
		return
	}
	_ = tx.Respond(c.answerTo(req, 200, "OK", ""))
	code, reason := sipfragStatus(string(req.Body()))
	terminated := false
	if s := req.GetHeader("Subscription-State"); s != nil {
		terminated = strings.HasPrefix(strings.ToLower(strings.TrimSpace(s.Value())), "terminated")
	}
	switch {
	case code >= 200 && code < 300:
		go c.transferDone(nil)
	case code >= 300:
		go c.transferDone(&phone.Error{Key: phone.KeyTransferFailed, Message: "the transfer target answered " + strconv.Itoa(code) + " " + reason, Code: code})
	case terminated:
		go c.transferDone(&phone.Error{Key: phone.KeyTransferFailed, Message: "the transfer subscription ended without a final answer"})
	}
}

// sipfragStatus reads the status line of a message/sipfrag body.
func sipfragStatus(body string) (int, string) {
	line, _, _ := strings.Cut(strings.TrimSpace(body), "\n")
	parts := strings.SplitN(strings.TrimSpace(line), " ", 3)
	if len(parts) < 2 || !strings.HasPrefix(parts[0], "SIP/") {
		return 0, ""
	}
	// A Status-Code is three digits (RFC 3261 §25.1).
	code, err := strconv.Atoi(parts[1])
	if err != nil || len(parts[1]) != 3 || code < 100 {
		return 0, ""
	}
	if len(parts) == 3 {
		return code, parts[2]
	}
	return code, ""
}

// handleRefer is the far end transferring us (we are the transferee):
// accept the REFER, call the target, report progress in NOTIFYs, and end
// this call once the new one is answered. A Replaces header in the
// Refer-To URI (attended transfer, RFC 5589 §7) goes into our INVITE.
func (c *Call) handleRefer(req *sipgo.Request, tx sipgo.ServerTransaction) {
	h := req.GetHeader("Refer-To")
	var target sipgo.Uri
	params := sipgo.HeaderParams{}
	if h == nil {
		_ = tx.Respond(c.answerTo(req, 400, "Bad Request (no Refer-To)", ""))
		return
	}
	if _, err := sipgo.ParseAddressValue(h.Value(), &target, &params); err != nil || target.Host == "" {
		_ = tx.Respond(c.answerTo(req, 400, "Bad Request (bad Refer-To)", ""))
		return
	}
	replaces, ok := takeReplaces(&target)
	if !ok {
		_ = tx.Respond(c.answerTo(req, 400, "Bad Request (bad Replaces in Refer-To)", ""))
		return
	}
	if c.State() != phone.CallEstablished || !c.followReferTo(target.String()) || c.State() != phone.CallEstablished {
		_ = tx.Respond(c.answerTo(req, 603, "Decline", ""))
		return
	}
	_ = tx.Respond(c.answerTo(req, 202, "Accepted", ""))
	go c.followRefer(target, req.GetHeader("Referred-By"), replaces)
}

// TransferRequestTimeout bounds how long Events.TransferRequest may take
// to decide; the REFER is declined after it. It stays below the 32 s a
// REFER's sender waits for an answer (Timer F, RFC 3261 §17.1.2.2).
var TransferRequestTimeout = 20 * time.Second

// followReferTo decides, by Options.TransferRequests and then
// Events.TransferRequest, whether to follow a REFER to target (RFC 3515
// §2.4.2 lets the transferee decline one).
func (c *Call) followReferTo(target string) bool {
	switch c.r.t.opts.TransferRequests {
	case TransferRefuse:
		return false
	case TransferAccept:
		return true
	}
	ask := c.r.ev.TransferRequest
	if ask == nil {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), TransferRequestTimeout)
	defer cancel()
	ok := ask(ctx, c, target)
	return ok && ctx.Err() == nil
}

// followRefer calls target for the far end's REFER; replaces, when not
// empty, goes into the INVITE as its Replaces header (an attended
// transfer: the target swaps its call with the transferor for ours).
func (c *Call) followRefer(target sipgo.Uri, referredBy sipgo.Header, replaces string) {
	defer c.r.ua.recoverPanic(c.r.ev, "transfer")
	c.notifyRefer("SIP/2.0 100 Trying", false)
	var extra []sipgo.Header
	if referredBy != nil {
		extra = append(extra, sipgo.NewHeader("Referred-By", referredBy.Value()))
	}
	if replaces != "" {
		extra = append(extra, sipgo.NewHeader("Replaces", replaces))
	}
	next, err := c.r.placeCall(context.Background(), target, extra, nil)
	if err != nil {
		c.notifyRefer("SIP/2.0 503 Service Unavailable", true)
		return
	}
	if c.r.ev.Transferred != nil {
		c.r.ev.Transferred(c, next, target.String())
	}
	<-next.settled
	if next.State() == phone.CallEstablished {
		c.notifyRefer("SIP/2.0 200 OK", true)
		c.bye()
		c.end(phone.End{})
		return
	}
	code, reason := next.endCode()
	c.notifyRefer("SIP/2.0 "+strconv.Itoa(code)+" "+reason, true)
}

// notifyRefer sends the NOTIFY of the REFER subscription with a sipfrag.
func (c *Call) notifyRefer(frag string, final bool) {
	c.mu.Lock()
	d := c.dlg
	c.mu.Unlock()
	req := d.newRequest(c.r, sipgo.NOTIFY, 0)
	req.AppendHeader(sipgo.NewHeader("Event", "refer"))
	state := "active;expires=60"
	if final {
		state = "terminated;reason=noresource"
	}
	req.AppendHeader(sipgo.NewHeader("Subscription-State", state))
	ct := sipgo.ContentTypeHeader("message/sipfrag;version=2.0")
	req.AppendHeader(&ct)
	req.SetBody([]byte(frag + "\r\n"))
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	if _, err := c.r.cur().ep.Do(ctx, req, nil); err != nil {
		c.r.ua.cfg.Logger.Debug("transfer NOTIFY got no answer", "error", err)
	}
}
