package proxy

import (
	"errors"
	"net"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/registrar"
)

// handle routes every request the server receives.
func (p *Proxy) handle(req *sip.Request, tx sip.ServerTransaction) {
	if req.IsAck() {
		p.forwardAck(req)
		return
	}
	p.stampVia(req)
	if mf := req.MaxForwards(); mf != nil && mf.Val() == 0 {
		p.respond(tx, req, 483, "Too Many Hops")
		return
	}
	if to := req.To(); to != nil && to.Params.Has("tag") {
		p.inDialog(req, tx)
		return
	}
	switch req.Method {
	case sip.REGISTER:
		p.register(req, tx)
	case sip.CANCEL:
		// sipgo answers a CANCEL that matches an INVITE we are
		// forwarding; this one matches nothing (RFC 3261 §16.10).
		p.respond(tx, req, 481, "Call/Transaction Does Not Exist")
	default:
		p.outOfDialog(req, tx)
	}
}

// stampVia adds received and rport to the top Via (RFC 3261 §18.2.1, RFC
// 3581 §4), so responses find the way back to the client's real address.
func (p *Proxy) stampVia(req *sip.Request) {
	via := req.Via()
	src := req.Source()
	if via == nil || src == "" {
		return
	}
	host, port, err := net.SplitHostPort(src)
	if err != nil {
		return
	}
	if via.Host != host {
		via.Params.Add("received", host)
	}
	if v, ok := via.Params.Get("rport"); ok && v == "" {
		via.Params.Add("rport", port)
	}
}

// register authenticates and applies a REGISTER.
func (p *Proxy) register(req *sip.Request, tx sip.ServerTransaction) {
	if !p.isSelf(req.Recipient) {
		p.respond(tx, req, 403, "Forbidden domain")
		return
	}
	to := req.To()
	if to == nil || !strings.EqualFold(to.Address.Host, p.cfg.Domain) {
		p.respond(tx, req, 403, "Forbidden domain")
		return
	}
	if !p.authorize(req, tx, to.Address.User) {
		return
	}
	res := p.reg.Register(req, flowOf(req))
	res.Response.AppendHeader(sip.NewHeader("Server", p.cfg.UserAgent))
	if err := tx.Respond(res.Response); err != nil {
		p.log.Debug("cannot answer REGISTER", "err", err)
		return
	}
	for _, b := range res.Updated {
		p.log.Info("registered", "aor", b.AOR, "flow", b.Flow.Transport+" "+b.Flow.Addr, "expires_in", b.Expires.Sub(b.Updated).Round(1e9).String())
	}
	for _, b := range res.Removed {
		p.log.Info("unregistered", "aor", b.AOR, "flow", b.Flow.Transport+" "+b.Flow.Addr)
	}
	if p.cfg.OnRegister != nil && res.Response.StatusCode == 200 && len(res.New) > 0 {
		go p.cfg.OnRegister(res.New[0].AOR, res.New)
	}
}

// authorize checks a request's digest credentials for identity and
// answers it with a challenge or a refusal when they do not do. It
// removes the credentials it used from a request that goes on
// (Kamailio's consume_credentials).
func (p *Proxy) authorize(req *sip.Request, tx sip.ServerTransaction, identity string) bool {
	header, challenge, code, reason := "Proxy-Authorization", "Proxy-Authenticate", 407, "Proxy Authentication Required"
	if req.Method == sip.REGISTER {
		header, challenge, code, reason = "Authorization", "WWW-Authenticate", 401, "Unauthorized"
	}
	outcome, err := p.cfg.Accounts.Check(req, header, identity)
	if err != nil {
		p.respond(tx, req, 400, "Bad credentials")
		return false
	}
	switch outcome {
	case registrar.Authorized:
		if req.Method != sip.REGISTER {
			for req.RemoveHeader(header) {
			}
		}
		return true
	case registrar.WrongIdentity:
		p.respond(tx, req, 403, "Forbidden auth ID")
		return false
	}
	var algs []string
	if !isWebRTC(flowOf(req)) {
		algs = p.cfg.UDPDigest
	}
	var hs []sip.Header
	for _, c := range p.cfg.Accounts.Challenges(outcome == registrar.Stale, algs...) {
		hs = append(hs, sip.NewHeader(challenge, c))
	}
	p.respond(tx, req, code, reason, hs...)
	return false
}

// outOfDialog routes a request that starts something: a call, a
// message, a subscription, an OPTIONS ping.
func (p *Proxy) outOfDialog(req *sip.Request, tx sip.ServerTransaction) {
	p.popSelfRoutes(req)
	if req.Method == sip.OPTIONS && req.Recipient.User == "" && p.isSelf(req.Recipient) {
		p.respond(tx, req, 200, "Keepalive")
		return
	}
	from := req.From()
	if from == nil || !strings.EqualFold(from.Address.Host, p.cfg.Domain) {
		p.respond(tx, req, 403, "Forbidden domain")
		return
	}
	if !p.authorize(req, tx, from.Address.User) {
		return
	}
	if !p.isSelf(req.Recipient) {
		p.respond(tx, req, 403, "Not relaying")
		return
	}
	user := req.Recipient.User
	if user == "" {
		p.respond(tx, req, 484, "Address Incomplete")
		return
	}
	if req.Method == sip.SUBSCRIBE {
		p.subscribe(req, tx, user)
		return
	}
	if ext := p.extension(user); ext != nil {
		if req.IsInvite() {
			p.answerLocal(req, tx, ext)
		} else {
			p.respond(tx, req, 405, "Method Not Allowed", sip.NewHeader("Allow", "INVITE, ACK, BYE, CANCEL, INFO, OPTIONS"))
		}
		return
	}
	var targets []target
	callee := user
	if req.Recipient.UriParams.Has("gr") {
		if b, ok := p.loc.LookupGRUU(req.Recipient, p.cfg.Domain); ok {
			targets = append(targets, target{uri: b.Contact, flow: b.Flow})
			callee = b.AOR
		}
	} else {
		for _, b := range p.loc.Lookup(user + "@" + p.cfg.Domain) {
			targets = append(targets, target{uri: b.Contact, flow: b.Flow})
		}
	}
	if len(targets) == 0 {
		if p.cfg.Accounts.Exists(user) || strings.HasPrefix(user, "tgruu.") {
			p.respond(tx, req, 480, "Temporarily Unavailable")
		} else {
			p.respond(tx, req, 404, "Not Found")
		}
		return
	}
	rr := req.IsInvite() || req.Method == sip.SUBSCRIBE || req.Method == sip.REFER
	var call *callPresence
	if req.IsInvite() {
		call = p.startCall(callIDOf(req), p.callerSide(req), callSide{id: callee})
	}
	p.fork(req, tx, targets, rr, call)
}

// callerSide is the caller of an INVITE as a side of its call.
func (p *Proxy) callerSide(req *sip.Request) callSide {
	from, _ := tagsOf(req)
	return callSide{id: req.From().Address.User, initiator: true, tag: from, flow: flowOf(req)}
}

// inDialog forwards a request inside a dialog along its route set
// (loose routing, RFC 3261 §16.12), or hands it to a local extension.
func (p *Proxy) inDialog(req *sip.Request, tx sip.ServerTransaction) {
	p.callRefreshed(req)
	if d := p.localDialog(req); d != nil {
		d.handle(req, tx)
		return
	}
	if p.isOurContact(req.Recipient) { // a dialog of ours that ended
		p.respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	via, popped := p.popSelfRoutes(req)
	t, ok := p.nextHop(req, via)
	if !popped && !ok {
		p.respond(tx, req, 404, "Not here")
		return
	}
	if !ok {
		p.respond(tx, req, 480, "Temporarily Unavailable")
		return
	}
	p.fork(req, tx, []target{t}, false, nil)
	if req.Method == sip.BYE {
		p.endDialog(callIDOf(req))
		p.byeCall(req)
	}
}

// nextHop is where an in-dialog request goes: a Route we do not own,
// the instance a GRUU names wherever it is connected now, the flow our
// Record-Route recorded, or the Request-URI itself (UDP only).
func (p *Proxy) nextHop(req *sip.Request, recorded registrar.Flow) (target, bool) {
	if r := req.Route(); r != nil {
		f, err := uriFlow(r.Address)
		return target{uri: req.Recipient, flow: f, keepURI: true}, err == nil
	}
	if req.Recipient.UriParams.Has("gr") && p.isSelf(sip.Uri{Host: req.Recipient.Host}) {
		if b, ok := p.loc.LookupGRUU(req.Recipient, p.cfg.Domain); ok {
			return target{uri: req.Recipient, flow: b.Flow, keepURI: true}, true
		}
		return target{}, false
	}
	if recorded.Addr != "" {
		return target{uri: req.Recipient, flow: recorded, keepURI: true}, true
	}
	f, err := uriFlow(req.Recipient)
	return target{uri: req.Recipient, flow: f, keepURI: true}, err == nil
}

var errNotDiallable = errors.New("proxy: URI cannot be dialled")

// uriFlow is the flow a URI can be reached on by dialling: UDP to its
// host:port (an IP; we resolve no names).
func uriFlow(u sip.Uri) (registrar.Flow, error) {
	tr := "UDP"
	if t, ok := u.UriParams.Get("transport"); ok {
		tr = strings.ToUpper(t)
	}
	if tr != "UDP" || net.ParseIP(u.Host) == nil {
		return registrar.Flow{}, errNotDiallable
	}
	port := u.Port
	if port == 0 {
		port = 5060
	}
	return registrar.Flow{Transport: "UDP", Addr: net.JoinHostPort(u.Host, strconv.Itoa(port))}, nil
}

// extension returns the local extension that answers user, if any.
func (p *Proxy) extension(user string) Extension {
	if e, ok := p.cfg.Extensions[user]; ok {
		return e
	}
	for prefix, e := range p.cfg.ExtensionPrefixes {
		if rest, ok := strings.CutPrefix(user, prefix); ok && rest != "" {
			return e
		}
	}
	return nil
}
