package proxy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/registrar"
)

// ErrNotRegistered is a Dial to a user (or a URI of our domain) with no
// device registered, or no such user: nothing rang.
var ErrNotRegistered = errors.New("proxy: not registered")

// ErrNoAnswer is a Dial nobody answered within its Timeout (every
// branch was cancelled).
var ErrNoAnswer = errors.New("proxy: no answer")

// Outbound is a call the server places (Dial): a callflow's bridge.
type Outbound struct {
	// User is a local user: every device registered for it rings
	// (forking), over its own connection. Or:
	User string
	// URI is a SIP URI: one of our domain rings that user (or the one
	// device a GRUU names); another is dialled over UDP at its host (an
	// IP address) and port, as the proxy routes requests.
	URI string
	// FromUser and FromName are the caller ID the callee sees:
	// "FromName" <sip:FromUser@domain>. FromUser defaults to kazoo-dev.
	FromUser, FromName string
	// Offer is the SDP offer, made by the media server.
	Offer []byte
	// UDPOffer, when set, is the offer sent to devices reached over UDP
	// (plain RTP phones) instead of Offer; OutboundCall.WebRTC says which
	// one the answer is for.
	UDPOffer []byte
	// Timeout ends the ringing with ErrNoAnswer; default
	// Config.RingTimeout.
	Timeout time.Duration
	// OnUpdate answers a re-offer from the callee (hold, resume, ICE
	// restart): it returns the SDP answer. When nil, re-offers get 488
	// and the call goes on as it was; an INVITE without an offer is
	// answered with our last SDP.
	OnUpdate func(offer []byte) ([]byte, error)
	// OnDTMF hears the digits the callee sends as SIP INFO; may be nil.
	OnDTMF func(digit rune)
}

// OutboundCall is an answered call placed by Dial.
type OutboundCall struct {
	Answer []byte // the callee's SDP answer
	// WebRTC is true when a WebSocket client (a browser) answered: the
	// answer is to Offer; otherwise to UDPOffer when one was given.
	WebRTC bool
	CallID string

	p    *Proxy
	leg  *leg
	o    Outbound
	done chan struct{}
	pres *callPresence // the callee's state

	mu    sync.Mutex
	ended bool
	sdp   []byte // our last SDP
}

// Dial places a call and returns once a device answered 2xx (ACK sent,
// the other devices cancelled). It fails with ErrNotRegistered when
// nothing can ring, a *Refusal with the callee's code when every device
// refused (486 busy, 603 declined, 480 unreachable, …), ErrNoAnswer
// after o.Timeout, or ctx's error when ctx ends first (CANCEL sent).
func (p *Proxy) Dial(ctx context.Context, o Outbound) (*OutboundCall, error) {
	if (o.User == "") == (o.URI == "") || len(o.Offer) == 0 {
		return nil, errors.New("proxy: Dial needs one of User and URI, and an Offer")
	}
	to, targets, err := p.outboundTargets(o)
	if err != nil {
		return nil, err
	}
	if o.FromUser == "" {
		o.FromUser = "kazoo-dev"
	}
	if o.Timeout <= 0 {
		o.Timeout = p.cfg.RingTimeout
	}
	c := &OutboundCall{CallID: "kd-" + sip.GenerateTagN(20), p: p, o: o, done: make(chan struct{})}
	c.leg = &leg{p: p, callID: c.CallID, contact: newContactUser(), local: sip.Uri{Scheme: "sip", User: o.FromUser, Host: p.cfg.Domain},
		name: o.FromName, localTag: sip.GenerateTagN(16), remote: to, seq: 1}
	if !p.registerEndpoint(c.CallID, c) {
		return nil, errors.New("proxy: closed")
	}
	// The callee's lamp only: From is a caller ID, and the caller of a
	// callflow is counted by its own call.
	if p.isSelf(sip.Uri{Host: to.Host, Port: to.Port}) {
		c.pres = p.startCall(c.CallID, callSide{id: to.User})
	}
	events := make(chan branchEvent, 16)
	var branches []*branch
	for _, t := range targets {
		b := &branch{req: c.invite(t), t: t}
		branches = append(branches, b)
		connCtx, connCancel := context.WithTimeout(p.ctx, 10*time.Second)
		tx, err := p.cli.TransactionRequest(connCtx, b.req, asIs)
		connCancel()
		if err != nil {
			p.log.Info("cannot place the call", "to", t.flow.Transport+" "+t.flow.Addr, "err", err)
			b.done = true
			b.final = sip.NewResponseFromRequest(b.req, 480, "Temporarily Unavailable", nil)
			continue
		}
		b.tx = tx
		go p.watch(b, events)
	}
	timer := time.NewTimer(o.Timeout)
	defer timer.Stop()
	var fail error
	for fail == nil && pending(branches) > 0 {
		select {
		case ev := <-events:
			b := ev.b
			switch res := ev.res; {
			case res == nil:
				b.done = true
				code, reason := lostBranch(ev.err)
				b.final = sip.NewResponseFromRequest(b.req, code, reason, nil)
			case res.IsProvisional():
			case res.IsSuccess():
				b.done = true
				c.answered(res, b)
				p.cancelOthers(branches, b)
				go p.drainDial(c, branches, events)
				return c, nil
			default:
				b.done = true
				b.final = res
			}
		case <-timer.C:
			fail = ErrNoAnswer
		case <-ctx.Done():
			fail = ctx.Err()
		case <-p.ctx.Done():
			fail = errors.New("proxy: closed")
		}
	}
	p.endDialog(c.CallID) // ends c.pres too
	if fail != nil {
		p.cancelBranches(branches)
		go p.drainDial(c, branches, events)
		return nil, fail
	}
	best := bestResponse(branches)
	if best == nil {
		return nil, &Refusal{Code: 500, Reason: "No response"}
	}
	return nil, &Refusal{Code: best.StatusCode, Reason: best.Reason}
}

// outboundTargets is the To URI of a Dial and where its INVITEs go.
func (p *Proxy) outboundTargets(o Outbound) (sip.Uri, []target, error) {
	u := sip.Uri{Scheme: "sip", User: o.User, Host: p.cfg.Domain}
	if o.URI != "" {
		if err := sip.ParseUri(o.URI, &u); err != nil {
			return u, nil, fmt.Errorf("proxy: Dial URI %q: %w", o.URI, err)
		}
		if !p.isSelf(u) {
			f, err := uriFlow(u)
			if err != nil {
				return u, nil, fmt.Errorf("proxy: Dial URI %q: %w", o.URI, err)
			}
			return u, []target{{uri: u, flow: f}}, nil
		}
	}
	var bs []registrar.Binding
	if u.UriParams.Has("gr") {
		if b, ok := p.loc.LookupGRUU(u, p.cfg.Domain); ok {
			bs = append(bs, b)
		}
	} else {
		bs = p.loc.Lookup(u.User + "@" + p.cfg.Domain)
	}
	if len(bs) == 0 {
		return u, nil, fmt.Errorf("%w: %s", ErrNotRegistered, u.User)
	}
	ts := make([]target, len(bs))
	for i, b := range bs {
		ts[i] = target{uri: b.Contact, flow: b.Flow}
	}
	to := sip.Uri{Scheme: "sip", User: u.User, Host: u.Host, Port: u.Port}
	return to, ts, nil
}

// invite is the INVITE of one branch.
func (c *OutboundCall) invite(t target) *sip.Request {
	l := c.leg
	l.mu.Lock()
	req := l.buildLocked(sip.INVITE, t.uri, nil, 1, t.flow)
	l.mu.Unlock()
	req.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, BYE, CANCEL, INFO, OPTIONS, UPDATE"))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(c.offerFor(t.flow))
	return req
}

func (c *OutboundCall) offerFor(f registrar.Flow) []byte {
	if !isWebRTC(f) && len(c.o.UDPOffer) > 0 {
		return c.o.UDPOffer
	}
	return c.o.Offer
}

// answered takes the winning 2xx: the dialog, the answer, the ACK.
func (c *OutboundCall) answered(res *sip.Response, b *branch) {
	c.leg.fromUAC(res, b.t.flow)
	c.Answer = res.Body()
	c.WebRTC = isWebRTC(b.t.flow)
	c.sdp = c.offerFor(b.t.flow)
	c.p.callAnswered(c.pres, c.leg.remoteTag, b.t.flow)
	c.p.log.Info("outbound call answered", "to", c.leg.remote.String(), "flow", b.t.flow.Transport+" "+b.t.flow.Addr)
	c.p.sendACK(c.leg)
}

func (p *Proxy) sendACK(l *leg) {
	if err := p.cli.WriteRequest(l.request(sip.ACK), asIs); err != nil {
		p.log.Debug("cannot send ACK", "err", err)
	}
}

// drainDial follows the branches left once Dial returned: a device that
// answers anyway (its 2xx crossed our CANCEL) gets an ACK and a BYE.
func (p *Proxy) drainDial(c *OutboundCall, branches []*branch, events chan branchEvent) {
	for pending(branches) > 0 {
		select {
		case ev := <-events:
			if ev.res != nil && ev.res.IsProvisional() {
				continue
			}
			ev.b.done = true
			if ev.res != nil && ev.res.IsSuccess() {
				l := &leg{p: p, callID: c.CallID, contact: c.leg.contact, local: c.leg.local, name: c.leg.name,
					localTag: c.leg.localTag, remote: c.leg.remote, seq: 1}
				l.fromUAC(ev.res, ev.b.t.flow)
				p.sendACK(l)
				go l.bye(0)
			}
		case <-p.ctx.Done():
			return
		}
	}
}

// Hangup ends the call from our side: a BYE goes out in the background
// and Done is closed at once; a no-op once the call has ended.
func (c *OutboundCall) Hangup() {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.p.endDialog(c.CallID)
	go c.leg.bye(0)
}

// Done is closed when the call has ended: the callee's BYE (answered
// 200), Hangup, or the proxy closing.
func (c *OutboundCall) Done() <-chan struct{} { return c.done }

func (c *OutboundCall) end() {
	c.p.endCall(c.pres)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ended {
		c.ended = true
		close(c.done)
	}
}

func (c *OutboundCall) ack(*sip.Request) {}

// handle answers the callee's requests in the dialog.
func (c *OutboundCall) handle(req *sip.Request, tx sip.ServerTransaction) {
	p := c.p
	c.leg.refresh(req)
	switch req.Method {
	case sip.BYE:
		p.respond(tx, req, 200, "OK")
		p.endDialog(c.CallID)
	case sip.INVITE, sip.UPDATE:
		c.mu.Lock()
		sdp := c.sdp
		c.mu.Unlock()
		if hasSDP(req) {
			if c.o.OnUpdate == nil {
				p.respond(tx, req, 488, "Not Acceptable Here")
				return
			}
			var err error
			if sdp, err = c.o.OnUpdate(req.Body()); err != nil {
				p.log.Info("cannot take the callee's re-offer", "call_id", c.CallID, "err", err)
				p.respond(tx, req, 488, "Not Acceptable Here")
				return
			}
			c.mu.Lock()
			c.sdp = sdp
			c.mu.Unlock()
		}
		res := c.leg.response(req, 200, "OK")
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		res.SetBody(sdp)
		_ = tx.Respond(res)
	case sip.INFO:
		p.dtmfInfo(req, tx, func(d rune) {
			if c.o.OnDTMF != nil {
				c.o.OnDTMF(d)
			}
		})
	case sip.OPTIONS, sip.NOTIFY:
		p.respond(tx, req, 200, "OK")
	default:
		p.respond(tx, req, 405, "Method Not Allowed")
	}
}

// fromUAC sets the dialog from the 2xx answering our request (RFC 3261
// §12.1.2): their tag and Contact, the route set reversed.
func (l *leg) fromUAC(res *sip.Response, f registrar.Flow) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if to := res.To(); to != nil {
		l.remoteTag, _ = to.Params.Get("tag")
	}
	if c := res.Contact(); c != nil {
		l.target = *c.Address.Clone()
	}
	l.routes = nil
	for _, h := range res.GetHeaders("Record-Route") {
		if rr, ok := h.(*sip.RecordRouteHeader); ok {
			l.routes = append(l.routes, *rr.Address.Clone())
		}
	}
	slices.Reverse(l.routes)
	l.flow = f
}
