package proxy

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/registrar"
)

// target is one place a request is forwarded to.
type target struct {
	uri     sip.Uri        // the new Request-URI
	flow    registrar.Flow // where it is sent
	keepURI bool           // in-dialog: the Request-URI stays as it is
}

// asIs sends a request exactly as we built it (no header added by sipgo).
func asIs(*sipgo.Client, *sip.Request) error { return nil }

// prepare makes the copy of req that goes to t (RFC 3261 §16.6): new
// Request-URI, Max-Forwards decremented, our Record-Route pair when rr,
// our Via on top.
func (p *Proxy) prepare(req *sip.Request, t target, rr bool) *sip.Request {
	out := req.Clone()
	if !t.keepURI {
		out.Recipient = *t.uri.Clone()
	}
	if mf := out.MaxForwards(); mf != nil {
		mf.Dec()
	} else {
		m := sip.MaxForwardsHeader(70)
		out.AppendHeader(&m)
	}
	if rr {
		// Two entries, one facing each side (Kamailio's double
		// Record-Route): the callee's requests see its own side first.
		out.PrependHeader(p.recordRoute(flowOf(req)))
		out.PrependHeader(p.recordRoute(t.flow))
	}
	p.addVia(out, t.flow)
	return out
}

// addVia puts our Via on top and addresses the request to flow.
func (p *Proxy) addVia(out *sip.Request, f registrar.Flow) {
	self := p.selfURI(f.Transport)
	via := &sip.ViaHeader{
		ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: f.Transport,
		Host: self.Host, Port: self.Port, Params: sip.NewParams(),
	}
	via.Params.Add("branch", sip.GenerateBranchN(16))
	out.PrependHeader(via)
	out.SetTransport(f.Transport)
	out.SetDestination(f.Addr)
	out.SetSource("")
	out.Laddr = sip.Addr{}
	if f.Transport == "UDP" {
		a := p.addrs()
		out.Laddr = sip.Addr{IP: net.ParseIP(a.udpHost), Port: a.udpPort}
	}
}

// upstream turns a response from a branch into the one we send back:
// our Via removed, addressed by the Via below it.
func upstream(res *sip.Response) *sip.Response {
	up := res.Clone()
	up.RemoveHeader("Via")
	up.SetTransport("")
	up.SetDestination("")
	up.SetSource("")
	return up
}

// branch is one forwarded copy of a request.
type branch struct {
	req    *sip.Request
	tx     sip.ClientTransaction
	t      target
	bridge Bridge        // anchored media, nil when the SDP passes as is
	owned  bool          // the bridge is this branch's: closed if the branch loses
	final  *sip.Response // ready to send upstream
	done   bool
}

type branchEvent struct {
	b   *branch
	res *sip.Response // nil: the transaction ended without a final response
	err error
}

// fork forwards req to every target and answers tx with what comes
// back (RFC 3261 §16.7): provisional responses as they come (INVITE),
// every 2xx at once, else the best final response when all branches are
// done. An INVITE rings for at most RingTimeout; a CANCEL from upstream
// cancels every branch still ringing. call, when not nil, is the
// presence of a new call: busy on the first 2xx, over without one.
func (p *Proxy) fork(req *sip.Request, tx sip.ServerTransaction, targets []target, rr bool, call *callPresence) {
	invite := req.IsInvite()
	if invite {
		p.respond(tx, req, 100, "Trying")
	}
	timeout := 32 * time.Second // Timer F
	if invite {
		timeout = p.cfg.RingTimeout
	}
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()

	from := flowOf(req)
	anchored := p.anchoredDialog(req)
	events := make(chan branchEvent, 16)
	var branches []*branch
	for _, t := range targets {
		out := p.prepare(req, t, rr)
		b := &branch{req: out, t: t}
		if err := p.anchorRequest(req, out, b, from, anchored); err != nil {
			p.log.Info("cannot anchor media", "to", t.flow.Addr, "err", err)
			b.final = p.response(req, 488, "Not Acceptable Here")
			b.done = true
			branches = append(branches, b)
			continue
		}
		// The context bounds getting a connection only; the transaction
		// then runs on its own timers (an INVITE's ends by CANCEL).
		connCtx, connCancel := context.WithTimeout(p.ctx, 10*time.Second)
		ctxTx, err := p.cli.TransactionRequest(connCtx, out, asIs)
		connCancel()
		if err != nil {
			p.log.Info("cannot forward", "method", req.Method, "to", t.flow.Transport+" "+t.flow.Addr, "err", err)
			b.final = p.response(req, 480, "Temporarily Unavailable")
			b.done = true
			b.closeBridge()
			branches = append(branches, b)
			continue
		}
		b.tx = ctxTx
		branches = append(branches, b)
		go p.watch(b, events)
	}

	cancelled := make(chan struct{})
	if invite {
		if !tx.OnCancel(func(*sip.Request) { close(cancelled) }) {
			p.cancelBranches(branches)
		}
	}
	answered := false
	defer func() {
		if !answered {
			p.endCall(call)
		}
	}()
	expired := ctx.Done()
	for pending(branches) > 0 {
		select {
		case ev := <-events:
			b := ev.b
			res := ev.res
			if res == nil {
				b.done = true
				b.closeBridge()
				code, reason := lostBranch(ev.err)
				b.final = p.response(req, code, reason)
				continue
			}
			switch {
			case res.IsProvisional():
				if !invite || res.StatusCode == 100 || answered {
					continue
				}
				up := upstream(res)
				if b.bridge != nil {
					// Early media is not anchored: the answer comes with the 2xx.
					up.SetBody(nil)
					up.RemoveHeader("Content-Type")
				}
				_ = tx.Respond(up)
			case res.IsSuccess():
				b.done = true
				up := upstream(res)
				if err := p.anchorAnswer(res, up, b, req); err != nil {
					p.log.Info("cannot anchor the answer", "err", err)
				}
				if !answered {
					answered = true
					p.cancelOthers(branches, b)
					p.callAnswered(call, toTag(res), b.t.flow)
				}
				if err := tx.Respond(up); err != nil {
					p.log.Debug("cannot forward 2xx", "err", err)
				}
			default:
				b.done = true
				b.final = upstream(res)
				b.closeBridge()
			}
		case <-cancelled:
			cancelled = nil
			p.cancelBranches(branches)
		case <-expired:
			expired = nil // once; answered INVITE branches still await their 487
			if invite && !answered {
				p.cancelBranches(branches)
				// Stop waiting: the branches' 487s no longer matter.
				for _, b := range branches {
					if !b.done {
						b.done = true
						b.closeBridge()
					}
				}
				p.respond(tx, req, 408, "Request Timeout")
				return
			}
			if !invite {
				for _, b := range branches {
					if !b.done {
						b.done = true
						b.final = p.response(req, 408, "Request Timeout")
					}
				}
			}
		}
	}
	if answered {
		return
	}
	best := bestResponse(branches)
	if best == nil {
		p.respond(tx, req, 500, "No response")
		return
	}
	if err := tx.Respond(best); err != nil {
		p.log.Debug("cannot forward final response", "err", err)
	}
}

// watch passes a branch's responses on until its final one.
func (p *Proxy) watch(b *branch, events chan<- branchEvent) {
	for {
		select {
		case res, ok := <-b.tx.Responses():
			if !ok {
				events <- branchEvent{b: b, err: b.tx.Err()}
				return
			}
			events <- branchEvent{b: b, res: res}
			if !res.IsProvisional() {
				return
			}
		case <-b.tx.Done():
			// A final response may be queued behind Done.
			select {
			case res := <-b.tx.Responses():
				if res != nil {
					events <- branchEvent{b: b, res: res}
					if !res.IsProvisional() {
						return
					}
				}
			default:
			}
			events <- branchEvent{b: b, err: b.tx.Err()}
			return
		}
	}
}

// lostBranch is the final response of a branch whose transaction
// ended without one: 480 when its connection failed, else 408.
func lostBranch(err error) (code int, reason string) {
	if errors.Is(err, sip.ErrTransactionTransport) {
		return 480, "Temporarily Unavailable"
	}
	return 408, "Request Timeout"
}

func pending(bs []*branch) int {
	n := 0
	for _, b := range bs {
		if !b.done {
			n++
		}
	}
	return n
}

// cancelOthers cancels every branch still ringing but won.
func (p *Proxy) cancelOthers(bs []*branch, won *branch) {
	for _, b := range bs {
		if b != won && !b.done {
			p.sendCancel(b)
		}
	}
}

func (p *Proxy) cancelBranches(bs []*branch) {
	for _, b := range bs {
		if !b.done {
			p.sendCancel(b)
		}
	}
}

// sendCancel sends a CANCEL for a branch's INVITE (RFC 3261 §9.1): same
// Request-URI, Via, Call-ID, From, To, CSeq number and Route.
func (p *Proxy) sendCancel(b *branch) {
	inv := b.req
	if !inv.IsInvite() {
		return
	}
	c := sip.NewRequest(sip.CANCEL, *inv.Recipient.Clone())
	c.AppendHeader(inv.Via().Clone())
	for _, h := range inv.GetHeaders("Route") {
		c.AppendHeader(sip.HeaderClone(h))
	}
	mf := sip.MaxForwardsHeader(70)
	c.AppendHeader(&mf)
	for _, name := range []string{"From", "To", "Call-ID"} {
		if h := inv.GetHeader(name); h != nil {
			c.AppendHeader(sip.HeaderClone(h))
		}
	}
	cseq := &sip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sip.CANCEL}
	c.AppendHeader(cseq)
	c.SetBody(nil)
	c.SetTransport(inv.Transport())
	c.SetDestination(inv.Destination())
	c.Laddr = inv.Laddr
	go func() {
		ctx, cancel := context.WithTimeout(p.ctx, 32*time.Second)
		defer cancel()
		tx, err := p.cli.TransactionRequest(ctx, c, asIs)
		if err != nil {
			p.log.Debug("cannot send CANCEL", "err", err)
			return
		}
		defer tx.Terminate()
		select {
		case <-tx.Responses():
		case <-tx.Done():
		case <-ctx.Done():
		}
	}()
}

// bestResponse picks the final response to send when no branch answered
// (RFC 3261 §16.7 step 6): a 6xx, else the lowest class, preferring
// 486 Busy to 480/408 within 4xx, as a person would want to hear.
func bestResponse(bs []*branch) *sip.Response {
	var best *sip.Response
	rank := func(r *sip.Response) int {
		c := r.StatusCode
		switch {
		case c >= 600:
			return 0
		case c == 486:
			return 1
		case c == 487:
			return 2
		case c >= 300 && c < 400:
			return 3
		case c >= 400 && c < 500 && c != 408 && c != 480:
			return 4
		case c == 480:
			return 5
		case c == 408:
			return 6
		default:
			return 7
		}
	}
	for _, b := range bs {
		if b.final == nil {
			continue
		}
		if best == nil || rank(b.final) < rank(best) {
			best = b.final
		}
	}
	return best
}

// forwardAck forwards an ACK for a 2xx statelessly along the route set
// (an ACK for a non-2xx is absorbed by its INVITE transaction).
func (p *Proxy) forwardAck(req *sip.Request) {
	if d := p.localDialog(req); d != nil {
		d.ack(req)
		return
	}
	p.stampVia(req)
	recorded, _ := p.popSelfRoutes(req)
	t, ok := p.nextHop(req, recorded)
	if !ok {
		return
	}
	out := req.Clone()
	if mf := out.MaxForwards(); mf != nil {
		mf.Dec()
	}
	p.addVia(out, t.flow)
	if err := p.cli.WriteRequest(out, asIs); err != nil {
		p.log.Debug("cannot forward ACK", "err", err)
	}
}
