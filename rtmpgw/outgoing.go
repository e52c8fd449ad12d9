package rtmpgw

import (
	"context"
	"errors"
	"fmt"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// rpcInvite starts an outgoing call: invite(dest, ...codecs).
func (l *line) rpcInvite(args []any) error {
	dest, err := stringArg(args, 0, "invite destination")
	if err != nil {
		return err
	}
	target, display, err := parseTarget(dest, l.aor.Host)
	if err != nil {
		return err
	}
	allow, err := parseCodecs(args[1:])
	if err != nil {
		return err
	}
	c, err := l.newCall(true, allow)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.mu.Lock()
	c.cancel = cancel
	c.mu.Unlock()
	l.log.Info("outgoing call", "to", target.String(), "call_id", c.callID)
	l.afterReply(func() { go c.runOutgoing(ctx, target, display) })
	return nil
}

// runOutgoing sends the INVITE and reports its outcome: ringing for each
// 18x, then accepted or rejected.
func (c *call) runOutgoing(ctx context.Context, target sip.Uri, display string) {
	defer close(c.finished)
	defer c.recoverPanic()
	defer c.cancel()
	l := c.l
	req := sip.NewRequest(sip.INVITE, target)
	from := &sip.FromHeader{DisplayName: l.display, Address: l.aor, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	to := &sip.ToHeader{DisplayName: display, Address: sip.Uri{Scheme: "sip", User: target.User, Host: target.Host, Port: target.Port}}
	callID := sip.CallIDHeader(c.callID)
	contact := l.contact
	ct := sip.ContentTypeHeader("application/sdp")
	req.AppendHeader(&sip.RouteHeader{Address: l.g.proxy})
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(&contact)
	req.AppendHeader(sip.NewHeader("User-Agent", l.g.cfg.UserAgent))
	req.AppendHeader(sip.NewHeader("Allow", allowMethods))
	req.AppendHeader(&ct)
	dtmf := noDTMF
	if c.allow.dtmf {
		dtmf = ptDTMF
	}
	c.mu.Lock()
	req.SetBody(c.sdpLocked(c.allow.audio, dtmf, dirSendRecv))
	c.mu.Unlock()

	dcs, err := l.dua.WriteInvite(ctx, req)
	if err != nil {
		c.rejected(transportError(err))
		return
	}
	c.mu.Lock()
	c.dlg = dcs
	c.mu.Unlock()
	err = dcs.WaitAnswer(ctx, sipgo.AnswerOptions{
		OnResponse: c.onProgress,
		Username:   l.cred.Username,
		Password:   l.cred.Password,
	})
	res := dcs.InviteResponse
	if err != nil {
		var de *sipgo.ErrDialogResponse
		switch {
		case c.wasCancelled():
			if res != nil && res.IsSuccess() {
				c.dropAnswered(dcs) // the 200 crossed our CANCEL
			}
			c.rejected(&statusError{487, "Request Terminated"})
		case errors.As(err, &de):
			c.rejected(responseError(de.Res))
		default:
			l.log.Info("INVITE failed", "err", err)
			c.rejected(transportError(err))
		}
		return
	}
	sd, perr := parseSDP(res.Body())
	pt := -1
	if perr == nil {
		pt = sd.audioPT(c.allow.audio)
	}
	if err := dcs.Ack(context.Background()); err != nil {
		l.log.Info("ACK failed", "err", err)
	}
	if pt < 0 {
		l.log.Info("answer without a usable codec", "err", perr)
		go c.byeQuietly(dcs)
		c.rejected(&statusError{488, "Not Acceptable Here"})
		return
	}
	if !c.allow.dtmf {
		sd.dtmfPT = noDTMF
	}
	c.mu.Lock()
	if c.cancelled || c.state != stInviting {
		c.mu.Unlock()
		go c.byeQuietly(dcs)
		c.rejected(&statusError{487, "Request Terminated"})
		return
	}
	c.target = req.Recipient
	if h := res.Contact(); h != nil {
		c.target = h.Address
	}
	c.pt, c.dtmfPT, c.remote, c.remoteHold = pt, sd.dtmfPT, sd, sd.held()
	c.state = stActive
	c.mu.Unlock()
	c.media.setRemote(sd)
	l.log.Info("call answered", "call_id", c.callID, "codec", codecName(pt), "rtp", sd.addr.String())
	l.send("accepted", codecName(pt), nil)
}

// onProgress reports provisional answers as ringing, and takes early
// media from an SDP in them.
func (c *call) onProgress(res *sip.Response) error {
	if !res.IsProvisional() || res.StatusCode == 100 || c.wasCancelled() {
		return nil
	}
	if hasSDP(res) {
		if sd, err := parseSDP(res.Body()); err == nil && sd.audioPT(c.allow.audio) >= 0 {
			if !c.allow.dtmf {
				sd.dtmfPT = noDTMF
			}
			c.media.setRemote(sd)
		}
	}
	c.l.send("ringing", fmt.Sprintf("%d %s", res.StatusCode, res.Reason))
	return nil
}

func (c *call) wasCancelled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cancelled
}

// rejected ends the outgoing call with rejected(reason).
func (c *call) rejected(se *statusError) {
	c.l.log.Info("call rejected", "call_id", c.callID, "status", se.Error())
	c.finish("rejected", se.Error())
}

// dropAnswered acknowledges and hangs up a call answered after we gave
// it up.
func (c *call) dropAnswered(dcs *sipgo.DialogClientSession) {
	if err := dcs.Ack(context.Background()); err == nil {
		go c.byeQuietly(dcs)
	}
}

func (c *call) byeQuietly(d dialog) {
	ctx, cancel := context.WithTimeout(context.Background(), hangupTimeout)
	defer cancel()
	_ = d.Bye(ctx)
}
