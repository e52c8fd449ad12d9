package proxy

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/registrar"
)

// endpoint is a dialog in which the server itself is a user agent: an
// extension's call, an outbound call (Dial), a subscription. The
// requests and ACKs of the far end in it are handed to it.
type endpoint interface {
	handle(req *sip.Request, tx sip.ServerTransaction)
	ack(req *sip.Request)
	end()
}

// contactPrefix starts the user part of our Contact in the dialogs we
// are a user agent of (sip:ext-7@<us>), so that their in-dialog
// requests are told from those we only route.
const contactPrefix = "ext-"

var localSeq atomic.Uint64

func newContactUser() string { return contactPrefix + itoa(int(localSeq.Add(1))) }

// leg is our side of such a dialog (RFC 3261 §12): the addresses, tags
// and route set, the far end's target and the flow that reaches it, and
// our CSeq. Its methods build and send our requests in it.
type leg struct {
	p        *Proxy
	callID   string
	contact  string // our Contact's user part, ext-N
	local    sip.Uri
	name     string // our display name, if any
	localTag string

	mu        sync.Mutex
	remote    sip.Uri
	remoteTag string
	target    sip.Uri        // the far end's Contact
	routes    []sip.Uri      // route set, first hop first
	flow      registrar.Flow // the far end's connection
	seq       uint32         // our last CSeq
}

// uasLeg is the dialog a request of the far end creates (we answer it):
// our URI is its To, theirs its From.
func (p *Proxy) uasLeg(req *sip.Request) *leg {
	l := &leg{p: p, callID: callIDOf(req), contact: newContactUser(), localTag: sip.GenerateTagN(16), seq: 1}
	if to := req.To(); to != nil {
		l.local = *to.Address.Clone()
	}
	if f := req.From(); f != nil {
		l.remote = *f.Address.Clone()
		l.remoteTag, _ = f.Params.Get("tag")
	}
	for _, h := range req.GetHeaders("Record-Route") {
		if rr, ok := h.(*sip.RecordRouteHeader); ok {
			l.routes = append(l.routes, *rr.Address.Clone())
		}
	}
	l.refresh(req)
	return l
}

// refresh follows the far end's Contact and connection from a request
// it sent in the dialog (a target refresh, RFC 3261 §12.2.2).
func (l *leg) refresh(req *sip.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := req.Contact(); c != nil && req.Method != sip.BYE {
		l.target = *c.Address.Clone()
	}
	if f := flowOf(req); f.Addr != "" {
		l.flow = f
	}
}

// response is our answer to req in the dialog: our tag in To, our
// Contact on the transport it came in on.
func (l *leg) response(req *sip.Request, code int, reason string) *sip.Response {
	res := l.p.response(req, code, reason)
	if to := res.To(); to != nil && code > 100 {
		to.Params.Remove("tag")
		to.Params.Add("tag", l.localTag)
	}
	if code > 100 && code < 300 {
		contact := l.p.selfURI(flowOf(req).Transport)
		contact.User = l.contact
		res.AppendHeader(&sip.ContactHeader{Address: contact})
	}
	return res
}

// request is a new request of ours in the dialog, addressed to the far
// end's target along the route set, over its connection.
func (l *leg) request(method sip.RequestMethod) *sip.Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	if method != sip.ACK && method != sip.CANCEL {
		l.seq++
	}
	return l.buildLocked(method, l.target, l.routes, l.seq, l.destLocked())
}

// buildLocked is a request of ours with the dialog's From, To, Call-ID
// and Contact: CSeq seq, to ruri along routes, over f. l.mu is held.
func (l *leg) buildLocked(method sip.RequestMethod, ruri sip.Uri, routes []sip.Uri, seq uint32, f registrar.Flow) *sip.Request {
	req := sip.NewRequest(method, *ruri.Clone())
	for _, r := range routes {
		req.AppendHeader(&sip.RouteHeader{Address: *r.Clone()})
	}
	from := &sip.FromHeader{DisplayName: l.name, Address: *l.local.Clone(), Params: sip.NewParams()}
	from.Params.Add("tag", l.localTag)
	req.AppendHeader(from)
	to := &sip.ToHeader{Address: *l.remote.Clone(), Params: sip.NewParams()}
	if l.remoteTag != "" {
		to.Params.Add("tag", l.remoteTag)
	}
	req.AppendHeader(to)
	callID := sip.CallIDHeader(l.callID)
	req.AppendHeader(&callID)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: method})
	mf := sip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	contact := l.p.selfURI(f.Transport)
	contact.User = l.contact
	req.AppendHeader(&sip.ContactHeader{Address: contact})
	req.AppendHeader(sip.NewHeader("User-Agent", l.p.cfg.UserAgent))
	l.p.addVia(req, f)
	return req
}

// destLocked is where our requests go: the first Route when it is not
// us, else the instance a GRUU target names wherever it is connected
// now, else the connection the far end last used. l.mu is held.
func (l *leg) destLocked() registrar.Flow {
	if len(l.routes) > 0 && !l.p.isSelf(l.routes[0]) {
		if f, err := uriFlow(l.routes[0]); err == nil {
			return f
		}
	}
	if l.target.UriParams.Has("gr") && l.p.isSelf(sip.Uri{Host: l.target.Host}) {
		if b, ok := l.p.loc.LookupGRUU(l.target, l.p.cfg.Domain); ok {
			return b.Flow
		}
	}
	return l.flow
}

// send sends req and returns its final response.
func (l *leg) send(ctx context.Context, req *sip.Request) (*sip.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, 32*time.Second)
	defer cancel()
	tx, err := l.p.cli.TransactionRequest(ctx, req, asIs)
	if err != nil {
		return nil, err
	}
	defer tx.Terminate()
	for {
		select {
		case res := <-tx.Responses():
			if res == nil || res.IsProvisional() {
				continue
			}
			return res, nil
		case <-tx.Done():
			if err := tx.Err(); err != nil {
				return nil, err
			}
			return nil, errors.New("proxy: no final response")
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// bye ends the dialog from our side, with an RFC 3326 Reason header
// (SIP;cause=N) when cause is not 0. It waits for the answer.
func (l *leg) bye(cause int) {
	req := l.request(sip.BYE)
	if cause != 0 {
		req.AppendHeader(sip.NewHeader("Reason", "SIP;cause="+itoa(cause)+reasonText(cause)))
	}
	if _, err := l.send(l.p.ctx, req); err != nil {
		l.p.log.Debug("BYE got no answer", "call_id", l.callID, "err", err)
	}
}

func reasonText(cause int) string {
	if r := reasonPhrase(cause); r != "" {
		return `;text="` + r + `"`
	}
	return ""
}

// registerEndpoint adds a dialog we are a user agent of; false when the
// proxy is closing or the Call-ID is taken.
func (p *Proxy) registerEndpoint(callID string, e endpoint) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.dialogs[callID] != nil {
		return false
	}
	p.dialogs[callID] = &dialog{callID: callID, local: e}
	return true
}

// isOurContact reports whether a Request-URI is one of our Contacts.
func (p *Proxy) isOurContact(u sip.Uri) bool {
	return strings.HasPrefix(u.User, contactPrefix) && p.isSelf(sip.Uri{Host: u.Host, Port: u.Port})
}
