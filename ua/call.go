package ua

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

var callSeq atomic.Int64

// Call is one call (an INVITE session, RFC 3261 §13–15).
type Call struct {
	r        *registration
	id       string
	outgoing bool
	peer     sipgo.Uri // who we call or who calls us
	peerName string
	started  time.Time

	op sync.Mutex // serialises operations on the call (accept, hold, …)

	mu          sync.Mutex
	cuts        []func() // cut the callbacks held by sipgo transactions (hook)
	state       phone.CallState
	media       Media
	dlg         *dialog
	invite      *sipgo.Request // the INVITE that made the call (ours: the last one sent)
	serverTx    sipgo.ServerTransaction
	localTag    string // incoming: our To tag
	offer       string // incoming: the INVITE's SDP offer
	provisional bool   // outgoing: a 1xx arrived, so CANCEL may be sent
	cancel      bool   // outgoing: hang up as soon as possible
	earlySDP    string // outgoing: the answer applied from a 18x
	reinvite    bool   // our re-INVITE is pending (glare: theirs gets 491)
	acks        chan *sipgo.Request
	transfer    *transferState
	earlyTags   []string // outgoing: To tags of the 1xx (early dialogs, for Replaces)
	ended       phone.End
	answeredAt  time.Time      // when it was answered; zero before
	received    []phone.Header // the INVITE's (incoming) or the 2xx's (outgoing) header fields
	muted       bool           // the page muted the microphone
	held        bool           // we put the call on hold (Hold(true) succeeded)
	ice         string         // last ICE connection state
	iceRestart  bool           // an ICE restart waits for the reconnect

	settled    chan struct{} // closed once the call is answered or over
	settleOnce sync.Once
	over       chan struct{} // closed when the call ends
}

func newCall(r *registration, outgoing bool, peer sipgo.Uri, peerName string) *Call {
	return &Call{
		r:        r,
		id:       "call-" + strconv.FormatInt(callSeq.Add(1), 10) + "-" + sip.RandomToken(6),
		outgoing: outgoing,
		peer:     peer,
		peerName: peerName,
		started:  time.Now(),
		acks:     make(chan *sipgo.Request, 4),
		settled:  make(chan struct{}),
		over:     make(chan struct{}),
	}
}

func (c *Call) settle() { c.settleOnce.Do(func() { close(c.settled) }) }

// endCode is the status an unanswered call ended with.
func (c *Call) endCode() (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended.Code == 0 {
		return 487, "Request Terminated"
	}
	return c.ended.Code, c.ended.Reason
}

// ID identifies the call for the page.
func (c *Call) ID() string { return c.id }

// Outgoing reports whether we placed the call.
func (c *Call) Outgoing() bool { return c.outgoing }

// RemoteURI is the far end's SIP URI.
func (c *Call) RemoteURI() string { return c.peer.String() }

// CallerName is the far end's display name (From of an incoming call).
func (c *Call) CallerName() string { return c.peerName }

// CallerNumber is the user part of the far end's URI.
func (c *Call) CallerNumber() string { return c.peer.User }

// RemoteName is the far end's display name (From of an incoming call).
func (c *Call) RemoteName() string { return c.peerName }

// LocalURI is our address of record.
func (c *Call) LocalURI() string { return c.r.t.aor.String() }

// StartedAt is when the INVITE was sent or received.
func (c *Call) StartedAt() time.Time { return c.started }

// AnsweredAt is when the call was answered (zero before, or never).
func (c *Call) AnsweredAt() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answeredAt
}

// ReceivedHeaders are the header fields of the incoming INVITE, or of
// the 2xx that answered our INVITE (nil before).
func (c *Call) ReceivedHeaders() []phone.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.received
}

// State is the call's current state.
func (c *Call) State() phone.CallState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Media is the call's media session, nil before it has one.
func (c *Call) Media() Media {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.media
}

// end finishes the call once: frees its media, forgets its dialog and
// reports CallEnded.
func (c *Call) end(e phone.End) {
	c.mu.Lock()
	if c.state == phone.CallEnded {
		c.mu.Unlock()
		return
	}
	e.Established = c.state == phone.CallEstablished
	c.state = phone.CallEnded
	c.ended = e
	m := c.media
	dlg := c.dlg
	cuts := c.cuts
	c.cuts = nil
	close(c.over)
	c.mu.Unlock()
	for _, cut := range cuts {
		cut()
	}
	if m != nil {
		m.Close()
	}
	c.r.forgetCall(c, dlg)
	c.settle()
	if c.r.ev.CallEnded != nil {
		c.r.ev.CallEnded(c, e)
	}
}

// calls is the registration's call registry.
type calls struct {
	mu      sync.Mutex
	all     map[*Call]bool
	dialogs map[string]*Call
	gone    []string // the last ended dialogs' IDs (replaces.go)
}

func (r *registration) addCall(c *Call) {
	r.calls.mu.Lock()
	defer r.calls.mu.Unlock()
	if r.calls.all == nil {
		r.calls.all = map[*Call]bool{}
		r.calls.dialogs = map[string]*Call{}
	}
	r.calls.all[c] = true
}

func (r *registration) addDialog(c *Call, d *dialog) {
	r.calls.mu.Lock()
	defer r.calls.mu.Unlock()
	r.calls.dialogs[d.id()] = c
}

func (r *registration) forgetCall(c *Call, d *dialog) {
	r.calls.mu.Lock()
	defer r.calls.mu.Unlock()
	delete(r.calls.all, c)
	if d != nil && r.calls.dialogs[d.id()] == c {
		delete(r.calls.dialogs, d.id())
		r.rememberGone(d.id())
	}
}

// callFor finds the call of an in-dialog request (our tag is in To).
func (r *registration) callFor(req *sipgo.Request) *Call {
	id := dialogID(req.CallID().Value(), tagOf(req.To().Params), tagOf(req.From().Params))
	r.calls.mu.Lock()
	defer r.calls.mu.Unlock()
	return r.calls.dialogs[id]
}

// liveCalls returns the calls not ended.
func (r *registration) liveCalls() []*Call {
	r.calls.mu.Lock()
	defer r.calls.mu.Unlock()
	out := make([]*Call, 0, len(r.calls.all))
	for c := range r.calls.all {
		out = append(out, c)
	}
	return out
}

// isSDP reports whether msg carries an SDP body.
func isSDP(msg sipgo.Message) bool {
	return len(msg.Body()) > 0 && sip.HasContentType(msg, "application/sdp")
}

// editable is a request or a response.
type editable interface {
	sipgo.Message
	RemoveHeader(name string) bool
}

// setSDP puts an SDP body into msg.
func setSDP(msg editable, sdp string) {
	ct := sipgo.ContentTypeHeader("application/sdp")
	msg.RemoveHeader("Content-Type")
	msg.AppendHeader(&ct)
	msg.SetBody([]byte(sdp))
}

// hook wraps a callback handed to one of the call's sipgo transactions
// so that it is cut when the call ends. sipgo keeps an answered INVITE's
// transactions for 64×T1 (32 s, RFC 6026 Timers L and M) and Terminate
// does not stop those timers, so a callback holding the call would keep
// the call, its registration and their messages in memory that long.
func hook[T any](c *Call, f func(T)) func(T) {
	h := &cutoff[T]{f: f}
	c.mu.Lock()
	if c.state == phone.CallEnded {
		h.f = nil
	} else {
		c.cuts = append(c.cuts, h.cut)
	}
	c.mu.Unlock()
	return h.call
}

type cutoff[T any] struct {
	mu sync.Mutex
	f  func(T)
}

func (h *cutoff[T]) call(v T) {
	h.mu.Lock()
	f := h.f
	h.mu.Unlock()
	if f != nil {
		f(v)
	}
}

func (h *cutoff[T]) cut() {
	h.mu.Lock()
	h.f = nil
	h.mu.Unlock()
}
