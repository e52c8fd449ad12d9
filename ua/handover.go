package ua

import (
	"context"
	"errors"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

// Handing an established call over to another UserAgent of the same
// account (several tabs sharing one registration: when the tab holding
// the connection closes, another one registers again and takes over the
// calls).
//
// The new owner knows the dialog from a Handover (RFC 3261 §12: Call-ID,
// both tags, both URIs, the remote target, the route set and both CSeq
// numbers) and tells the far end its new way in with a target refresh
// re-INVITE (§12.2: a new Contact), whose offer comes from the call's
// media, still alive in a tab that stays open.

// resumeSeqGap is how far a resumed call's CSeq jumps past the
// snapshot's: the old owner may have sent requests after the snapshot,
// and §12.2.1.1 only asks that our CSeq grows.
const resumeSeqGap = 1000

// Handover is an established call's dialog, enough for another UserAgent
// (of the same account, after the first is gone) to take it over with
// Resume. It is JSON-serialisable and holds no credentials.
type Handover struct {
	// ID is the call's id, kept by the adopting call.
	ID string `json:"id"`
	// Outgoing reports whether we placed the call.
	Outgoing bool `json:"outgoing"`
	// CallID, LocalTag and RemoteTag identify the dialog.
	CallID    string `json:"callId"`
	LocalTag  string `json:"localTag"`
	RemoteTag string `json:"remoteTag"`
	// LocalURI and LocalName go into From, RemoteURI and RemoteName into
	// To of our requests.
	LocalURI   string `json:"localUri"`
	LocalName  string `json:"localName,omitempty"`
	RemoteURI  string `json:"remoteUri"`
	RemoteName string `json:"remoteName,omitempty"`
	// Target is the remote target (the far end's Contact).
	Target string `json:"target"`
	// Routes is the route set, in the order our requests carry it.
	Routes []string `json:"routes,omitempty"`
	// LocalSeq is the CSeq of our last request, RemoteSeq the highest
	// of the far end's (0 before any).
	LocalSeq  uint32 `json:"localSeq"`
	RemoteSeq uint32 `json:"remoteSeq"`
	// Peer and PeerName are what the call's RemoteURI, RemoteName and
	// CallerNumber return.
	Peer     string `json:"peer"`
	PeerName string `json:"peerName,omitempty"`
	// StartedAt and AnsweredAt are the call's.
	StartedAt  time.Time `json:"startedAt"`
	AnsweredAt time.Time `json:"answeredAt"`
	// Received are the call's ReceivedHeaders.
	Received []phone.Header `json:"received,omitempty"`
	// Muted: the page muted the microphone.
	Muted bool `json:"muted,omitempty"`
	// Held: we had put the call on hold (direction sendonly).
	Held bool `json:"held,omitempty"`
}

// Handover returns the call's dialog state; ok is false unless the call
// is established. During a re-INVITE it is the state at that moment
// (best effort): snapshot again after each accept, hold or re-INVITE.
func (c *Call) Handover() (h Handover, ok bool) {
	c.mu.Lock()
	d := c.dlg
	if c.state != phone.CallEstablished || d == nil {
		c.mu.Unlock()
		return Handover{}, false
	}
	h = Handover{
		ID:         c.id,
		Outgoing:   c.outgoing,
		CallID:     d.callID,
		LocalTag:   d.localTag,
		RemoteTag:  d.remoteTag,
		LocalURI:   d.local.String(),
		LocalName:  d.localName,
		RemoteURI:  d.remote.String(),
		RemoteName: d.remoteNm,
		Peer:       c.peer.String(),
		PeerName:   c.peerName,
		StartedAt:  c.started.Round(0),
		AnsweredAt: c.answeredAt.Round(0),
		Received:   append([]phone.Header(nil), c.received...),
		Muted:      c.muted,
		Held:       c.held,
	}
	c.mu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	h.Target = d.target.String()
	for _, r := range d.routes {
		h.Routes = append(h.Routes, r.String())
	}
	h.LocalSeq, h.RemoteSeq = d.localSeq, d.remSeq
	return h, true
}

// dialogFromHandover rebuilds a dialog from h; the error names the field
// that cannot be read.
func dialogFromHandover(h Handover) (*dialog, *phone.Error) {
	if h.CallID == "" || h.LocalTag == "" || h.RemoteTag == "" {
		return nil, phone.InvalidParameter("handover", "needs the dialog's Call-ID and both tags")
	}
	d := &dialog{
		callID:    h.CallID,
		localTag:  h.LocalTag,
		remoteTag: h.RemoteTag,
		localName: h.LocalName,
		remoteNm:  h.RemoteName,
		localSeq:  h.LocalSeq + resumeSeqGap - 1, // the next request has LocalSeq+resumeSeqGap
		remSeq:    h.RemoteSeq,
	}
	for _, f := range []struct {
		name, v string
		to      *sipgo.Uri
	}{{"localUri", h.LocalURI, &d.local}, {"remoteUri", h.RemoteURI, &d.remote}, {"target", h.Target, &d.target}} {
		if err := sipgo.ParseUri(f.v, f.to); err != nil || f.to.Host == "" {
			return nil, phone.InvalidParameter(f.name, "%q is not a SIP URI", f.v)
		}
	}
	for _, s := range h.Routes {
		var u sipgo.Uri
		if err := sipgo.ParseUri(s, &u); err != nil || u.Host == "" {
			return nil, phone.InvalidParameter("routes", "%q is not a SIP URI", s)
		}
		d.routes = append(d.routes, u)
	}
	return d, nil
}

// Resume takes over an established dialog from a Handover: the call is
// known to u at once (the far end's requests inside the dialog reach it
// and u's Events fire for it as for any call), its CSeq restarts at
// h.LocalSeq+1000, and it sends a target refresh re-INVITE (RFC 3261
// §12.2) with the registration's Contact and an offer from f's media
// (nil f: the registration's MediaFactory), whose answer that media
// accepts. A 481 or 408 to it, or no answer in time, ends the call
// (BySystem) and returns an invalid_call_state error; other failures
// leave the call up with its old target and return an error. The call
// is returned whenever it was made, even with an error.
func (u *UserAgent) Resume(ctx context.Context, h Handover, f MediaFactory) (*Call, *phone.Error) {
	d, e := dialogFromHandover(h)
	if e != nil {
		return nil, e
	}
	var peer sipgo.Uri
	if err := sipgo.ParseUri(h.Peer, &peer); err != nil {
		return nil, phone.InvalidParameter("peer", "%q is not a SIP URI", h.Peer)
	}
	r := u.current()
	if r == nil {
		return nil, &phone.Error{Key: phone.KeyNotRegistered, Message: "register before taking over a call"}
	}
	if f == nil {
		f = r.t.opts.Media
	}
	if f == nil {
		return nil, &phone.Error{Key: phone.KeyMedia, Message: "calls need media, and this user agent has none"}
	}
	r.calls.mu.Lock()
	_, known := r.calls.dialogs[d.id()]
	r.calls.mu.Unlock()
	if known {
		return nil, &phone.Error{Key: phone.KeyCallState, Message: "this call is already here"}
	}
	c := resumedCall(r, h, d, peer)
	m, err := f(ctx, c.mediaEvents())
	if err != nil {
		return nil, &phone.Error{Key: phone.KeyMedia, Message: "cannot reach the call's audio: " + err.Error(), Err: err}
	}
	if h.Held {
		_ = m.SetDirection(SendOnly)
	}
	if h.Muted {
		_ = m.SetMuted(true)
	}
	c.media = m
	r.addCall(c)
	r.addDialog(c, d)
	c.settle()

	c.op.Lock()
	rctx, cancel := context.WithTimeout(ctx, recoverTimeout)
	e = c.renegotiate(rctx, false)
	cancel()
	c.op.Unlock()
	if e == nil {
		return c, nil
	}
	if code, gone := dialogGone(e); gone {
		if code != 481 { // the far end may still be there: hang up properly
			c.bye()
		}
		c.end(phone.End{Code: code, Reason: sip.ReasonPhrase(code), Originator: phone.BySystem})
		return c, &phone.Error{Key: phone.KeyCallState, Message: "the call could not be taken over: " + e.Message, Code: e.Code, Source: e.Source, Err: e.Err}
	}
	return c, e
}

// resumedCall makes the established call of a Handover.
func resumedCall(r *registration, h Handover, d *dialog, peer sipgo.Uri) *Call {
	c := newCall(r, h.Outgoing, peer, h.PeerName)
	if h.ID != "" {
		c.id = h.ID
	}
	if !h.StartedAt.IsZero() {
		c.started = h.StartedAt
	}
	if !h.Outgoing {
		c.localTag = h.LocalTag // our To tag, as answerTo puts it
	}
	c.dlg = d
	c.state = phone.CallEstablished
	c.answeredAt = h.AnsweredAt
	c.received = h.Received
	c.muted = h.Muted
	c.held = h.Held
	return c
}

// dialogGone reports whether a failed re-INVITE ends the dialog (RFC 3261
// §14.1: 481 or 408, or no answer in time), with the status to end it
// with. A lost connection does not: the reconnect refreshes the target.
func dialogGone(e *phone.Error) (int, bool) {
	switch {
	case e.Code == 481 || e.Code == 408:
		return e.Code, true
	case e.Code != 0 || e.Key != phone.KeyRequestFailed || e.Err == nil:
		return 0, false
	case errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, sip.ErrConnectionLost):
		return 0, false
	}
	return 408, true
}
