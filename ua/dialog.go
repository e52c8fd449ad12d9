package ua

import (
	"sync"

	sipgo "github.com/emiago/sipgo/sip"
)

// dialog is the state of one SIP dialog (RFC 3261 §12): what every
// request inside it must carry.
type dialog struct {
	callID    string
	localTag  string
	remoteTag string
	local     sipgo.Uri // our URI (From of our requests)
	localName string
	remote    sipgo.Uri // their URI (To of our requests)
	remoteNm  string

	mu       sync.Mutex
	target   sipgo.Uri   // the far end's Contact (§12.1.1, updated by target refreshes)
	routes   []sipgo.Uri // the route set, in the order our requests carry it
	localSeq uint32
	remSeq   uint32 // highest CSeq seen from the far end; 0 before any
}

// dialogID identifies a dialog from our side: Call-ID, our tag, theirs.
func dialogID(callID, localTag, remoteTag string) string {
	return callID + "\x00" + localTag + "\x00" + remoteTag
}

func (d *dialog) id() string { return dialogID(d.callID, d.localTag, d.remoteTag) }

// dialogFromResponse builds the UAC side of a dialog from a 2xx (or 1xx
// with a tag) to our INVITE (§12.1.2): the route set is the response's
// Record-Route in reverse order.
func dialogFromResponse(invite *sipgo.Request, res *sipgo.Response) *dialog {
	d := &dialog{
		callID:    invite.CallID().Value(),
		localTag:  tagOf(invite.From().Params),
		remoteTag: tagOf(res.To().Params),
		local:     invite.From().Address,
		localName: invite.From().DisplayName,
		remote:    invite.To().Address,
		remoteNm:  invite.To().DisplayName,
		localSeq:  invite.CSeq().SeqNo,
	}
	if c := res.Contact(); c != nil {
		d.target = c.Address
	} else {
		d.target = invite.Recipient
	}
	rr := recordRoutes(res)
	for i := len(rr) - 1; i >= 0; i-- {
		d.routes = append(d.routes, rr[i])
	}
	return d
}

// dialogFromRequest builds the UAS side of a dialog from an INVITE we
// answer with localTag (§12.1.1): the route set is the request's
// Record-Route in order.
func dialogFromRequest(invite *sipgo.Request, localTag string) *dialog {
	d := &dialog{
		callID:    invite.CallID().Value(),
		localTag:  localTag,
		remoteTag: tagOf(invite.From().Params),
		local:     invite.To().Address,
		localName: invite.To().DisplayName,
		remote:    invite.From().Address,
		remoteNm:  invite.From().DisplayName,
		remSeq:    invite.CSeq().SeqNo,
		routes:    recordRoutes(invite),
	}
	if c := invite.Contact(); c != nil {
		d.target = c.Address
	} else {
		d.target = invite.From().Address
	}
	return d
}

// recordRoutes returns the URIs of every Record-Route of msg, in order,
// including comma-joined values.
func recordRoutes(msg sipgo.Message) []sipgo.Uri {
	var out []sipgo.Uri
	for _, h := range msg.GetHeaders("Record-Route") {
		for _, v := range splitHeaderList(h.Value()) {
			var u sipgo.Uri
			params := sipgo.HeaderParams{}
			if _, err := sipgo.ParseAddressValue(v, &u, &params); err == nil {
				out = append(out, u)
			}
		}
	}
	return out
}

// splitHeaderList splits a comma-separated header value, ignoring commas
// inside <> and quotes.
func splitHeaderList(v string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"' && (i == 0 || v[i-1] != '\\'):
			quoted = !quoted
		case quoted:
		case c == '<':
			depth++
		case c == '>':
			depth--
		case c == ',' && depth == 0:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

func tagOf(p sipgo.HeaderParams) string {
	t, _ := p.Get("tag")
	return t
}

// refreshTarget takes a new remote target from a target-refresh request
// or its 2xx (§12.2.1.2, §12.2.2).
func (d *dialog) refreshTarget(c *sipgo.ContactHeader) {
	if c != nil {
		d.mu.Lock()
		d.target = c.Address
		d.mu.Unlock()
	}
}

// acceptRemoteSeq checks an in-dialog request's CSeq (§12.2.2): lower
// than the last one means an out-of-order request, answered 500.
func (d *dialog) acceptRemoteSeq(seq uint32) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.remSeq != 0 && seq < d.remSeq {
		return false
	}
	d.remSeq = seq
	return true
}

// newRequest builds a request inside the dialog (§12.2.1.1): Request-URI
// is the remote target, Route is the route set (loose routing), CSeq
// counts up. ACK and CANCEL reuse a given CSeq instead (seq != 0).
func (d *dialog) newRequest(r *registration, method sipgo.RequestMethod, seq uint32) *sipgo.Request {
	d.mu.Lock()
	target := d.target
	routes := append([]sipgo.Uri(nil), d.routes...)
	if seq == 0 {
		d.localSeq++
		seq = d.localSeq
	}
	d.mu.Unlock()

	req := sipgo.NewRequest(method, target)
	req.SetTransport(r.via)
	req.AppendHeader(r.newVia())
	for i := range routes {
		req.AppendHeader(&sipgo.RouteHeader{Address: routes[i]})
	}
	maxfwd := sipgo.MaxForwardsHeader(70)
	req.AppendHeader(&maxfwd)
	req.AppendHeader(&sipgo.FromHeader{DisplayName: d.localName, Address: d.local, Params: sipgo.HeaderParams{{K: "tag", V: d.localTag}}})
	req.AppendHeader(&sipgo.ToHeader{DisplayName: d.remoteNm, Address: d.remote, Params: sipgo.HeaderParams{{K: "tag", V: d.remoteTag}}})
	callID := sipgo.CallIDHeader(d.callID)
	req.AppendHeader(&callID)
	req.AppendHeader(&sipgo.CSeqHeader{SeqNo: seq, MethodName: method})
	if method != sipgo.ACK && method != sipgo.CANCEL {
		req.AppendHeader(r.contactHeader())
	}
	req.AppendHeader(sipgo.NewHeader("User-Agent", r.ua.cfg.UserAgent))
	return req
}
