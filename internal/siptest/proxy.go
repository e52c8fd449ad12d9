package siptest

import (
	"context"
	"strings"

	"github.com/icholy/digest"

	"github.com/coder/websocket"
	sipgo "github.com/emiago/sipgo/sip"
)

// proxyHost names the fake proxy in Via and Record-Route.
const proxyHost = "proxy.invalid"

// ChallengeInvites makes the proxy answer initial INVITEs without valid
// Proxy-Authorization with 407, as Kamailio does.
func (r *Registrar) ChallengeInvites(v bool) { r.mu.Lock(); r.inviteAuth = v; r.mu.Unlock() }

// RefuseRegistrarNonces makes the proxy answer 403 to an INVITE whose
// Proxy-Authorization uses a nonce of the registrar's 401, as a proxy
// with its own nonces might.
func (r *Registrar) RefuseRegistrarNonces(v bool) { r.mu.Lock(); r.strict407 = v; r.mu.Unlock() }

// ChallengeMessages makes the proxy answer MESSAGEs without valid
// Proxy-Authorization with 407, as Kamailio does.
func (r *Registrar) ChallengeMessages(v bool) { r.mu.Lock(); r.messageAuth = v; r.mu.Unlock() }

// MessageChallenges counts the 407s the proxy sent to MESSAGEs.
func (r *Registrar) MessageChallenges() int { r.mu.Lock(); defer r.mu.Unlock(); return r.messageChals }

// InviteChallenges counts the 407s the proxy sent to INVITEs.
func (r *Registrar) InviteChallenges() int { r.mu.Lock(); defer r.mu.Unlock(); return r.inviteChals }

// InviteForbids counts the 403s RefuseRegistrarNonces gave.
func (r *Registrar) InviteForbids() int { r.mu.Lock(); defer r.mu.Unlock(); return r.inviteForbids }

// forward relays a request statelessly (RFC 3261 §16.11): an R-URI that
// is a registered contact goes to that contact's connection, an AOR to its
// first binding; our Route is removed, our Via (a branch derived from the
// incoming one, so CANCEL matches its INVITE) and, on initial INVITEs, our
// Record-Route are added.
func (r *Registrar) forward(from *websocket.Conn, req *sipgo.Request) {
	reply := func(code int, reason string) {
		if req.IsAck() {
			return
		}
		res := sipgo.NewResponseFromRequest(req, code, reason, nil)
		_ = from.Write(context.Background(), websocket.MessageText, []byte(res.String()))
	}
	if rt := req.Route(); rt != nil && rt.Address.Host == proxyHost {
		req.RemoveHeader("Route")
	}
	initial := tagOf(req.To().Params) == ""
	r.mu.Lock()
	to := r.contacts[req.Recipient.User]
	if to == nil {
		for uri := range r.bindings[req.Recipient.User] {
			var contact sipgo.Uri
			if sipgo.ParseUri(uri, &contact) == nil {
				req.Recipient = contact
				to = r.contacts[contact.User]
				break
			}
		}
	}
	var challenge *sipgo.Response
	if initial && req.Method == sipgo.INVITE && r.inviteAuth && r.strict407 {
		if h := req.GetHeader("Proxy-Authorization"); h != nil {
			if cred, err := digest.ParseCredentials(h.Value()); err == nil && !r.proxyNonces[cred.Nonce] {
				challenge = sipgo.NewResponseFromRequest(req, 403, "Forbidden", nil)
				r.inviteForbids++
			}
		}
	}
	if challenge == nil && initial && req.Method == sipgo.INVITE && r.inviteAuth {
		challenge = r.authenticate(req, req.From().Address.User, true)
		if challenge != nil {
			r.inviteChals++
		}
	}
	if initial && req.Method == sipgo.MESSAGE && r.messageAuth {
		challenge = r.authenticate(req, req.From().Address.User, true)
		if challenge != nil {
			r.messageChals++
		}
	}
	branch := ""
	if v := req.Via(); v != nil {
		b, _ := v.Params.Get("branch")
		branch = "z9hG4bK-fp-" + strings.TrimPrefix(b, "z9hG4bK")
		r.branches[branch] = from
	}
	r.mu.Unlock()
	switch {
	case challenge != nil:
		_ = from.Write(context.Background(), websocket.MessageText, []byte(challenge.String()))
		return
	case to == nil:
		reply(480, "Temporarily Unavailable")
		return
	}
	if initial && req.Method == sipgo.INVITE {
		req.PrependHeader(&sipgo.RecordRouteHeader{Address: sipgo.Uri{Scheme: "sip", Host: proxyHost, UriParams: sipgo.HeaderParams{{K: "lr", V: ""}}}})
	}
	req.PrependHeader(&sipgo.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: "WS", Host: proxyHost,
		Params: sipgo.HeaderParams{{K: "branch", V: branch}}})
	_ = to.Write(context.Background(), websocket.MessageText, []byte(req.String()))
}

// handleResponse relays a response to a request we forwarded (its top
// Via is ours), or keeps it for the test (it answers one of ours).
func (r *Registrar) handleResponse(res *sipgo.Response) {
	v := res.Via()
	if v == nil || v.Host != proxyHost {
		select {
		case r.responses <- res:
		default:
		}
		return
	}
	b, _ := v.Params.Get("branch")
	r.mu.Lock()
	to := r.branches[b]
	r.mu.Unlock()
	res.RemoveHeader("Via")
	if to != nil {
		_ = to.Write(context.Background(), websocket.MessageText, []byte(res.String()))
	}
}

func tagOf(p sipgo.HeaderParams) string {
	t, _ := p.Get("tag")
	return t
}
