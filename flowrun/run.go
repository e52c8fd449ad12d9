package flowrun

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/kazoo-softphone/kazoo/callflow"
	"github.com/kazoo-softphone/kazoo/pivot"
)

// Bounds of one call's flow.
const (
	maxSteps  = 1000
	maxPivots = 100
)

// Leg is the caller's audio: what kazoo-dev plays and hears.
type Leg interface {
	// Play sends 8 kHz mono samples in real time; it returns when done
	// or when ctx ends.
	Play(ctx context.Context, pcm []int16) error
	// DTMF delivers the digits the caller presses.
	DTMF() <-chan rune
	// Record returns what the caller says until ctx ends or max passes.
	Record(ctx context.Context, max time.Duration) ([]int16, error)
}

// Target is something a bridge rings.
type Target struct {
	Kind string // "user", "device" or "uri"
	ID   string // a user name, a device name, or a SIP URI / number
	// Timeout is how long it rings.
	Timeout time.Duration
}

// Env is what the runner asks of the server. A nil function makes its
// modules fail with a log line (and continue to "_").
type Env struct {
	Log *slog.Logger
	// Fetch asks a Pivot application (default pivot.Fetch).
	Fetch func(ctx context.Context, cfg pivot.Config, r pivot.Request) (*callflow.Node, error)
	// TTS speaks text with voice.
	TTS func(ctx context.Context, text, voice string) ([]int16, error)
	// Media loads a play module's media (a URL or a name).
	Media func(ctx context.Context, id string) ([]int16, error)
	// Bridge rings targets with c's caller ID and, once one answers,
	// connects it to the caller until either hangs up (answered true).
	// Unanswered, it returns answered false (and the error that says why).
	Bridge func(ctx context.Context, c *Call, targets []Target) (answered bool, err error)
	// Conference puts the caller in room until ctx ends (the caller
	// hangs up) or the server ends it.
	Conference func(ctx context.Context, c *Call, room string) error
	// Voicemail stores a message for owner (and tells owner's devices).
	Voicemail func(owner string, c *Call, pcm []int16) error
	// Recording stores a record_call recording.
	Recording func(c *Call, pcm []int16) error
	// Presence sets presenceID's state (idle, ringing, busy).
	Presence func(presenceID, state string)
	// Hangup ends the call; cause is a SIP status for the Reason header
	// (0: none).
	Hangup func(cause int, reason string)
}

// Call is one call running a flow.
type Call struct {
	// What the Pivot request says of the call.
	ID, Number, From, To, AccountID, UserID, Language string
	// Caller ID, changed by set_cid.
	CallerIDName, CallerIDNumber string
	Leg                          Leg

	mu        sync.Mutex
	buf       []rune            // digits pressed, not collected yet
	digits    string            // the last collection
	name      string            // its collection_name
	named     map[string]string // collections by name
	recording context.CancelFunc
	recDone   chan struct{}
}

// First asks a leading pivot node's application before the call is
// answered (so that its response module can refuse the call): the node
// to run next, the pivot's fallback child when the request failed (nil:
// none), or node itself when it is not a pivot.
func First(ctx context.Context, env Env, c *Call, node *callflow.Node) *callflow.Node {
	p, err := node.Pivot()
	if err != nil {
		return node
	}
	r := newRunner(env, c)
	next, _, _ := r.pivot(ctx, node, p)
	return next
}

// Run runs node on c until the flow ends or ctx ends (the caller hung
// up); the flow's end hangs the call up. It never panics on a bad flow.
func Run(ctx context.Context, env Env, c *Call, node *callflow.Node) {
	r := newRunner(env, c)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go r.listen(ctx)
	ended := r.run(ctx, node)
	r.stopRecording()
	if !ended && ctx.Err() == nil && env.Hangup != nil {
		env.Hangup(0, "")
	}
}

func newRunner(env Env, c *Call) *runner {
	r := &runner{env: env, c: c, log: env.Log, wake: make(chan struct{}, 1)}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.log = r.log.With("call", c.ID)
	if r.env.Fetch == nil {
		r.env.Fetch = pivot.Fetch
	}
	return r
}

type runner struct {
	env    Env
	c      *Call
	log    *slog.Logger
	pivots int
	wake   chan struct{}
}

// listen keeps the digits the caller presses for the next collection.
func (r *runner) listen(ctx context.Context) {
	if r.c.Leg == nil {
		return
	}
	ch := r.c.Leg.DTMF()
	for {
		select {
		case <-ctx.Done():
			return
		case d, ok := <-ch:
			if !ok {
				return
			}
			r.c.mu.Lock()
			r.c.buf = append(r.c.buf, d)
			r.c.mu.Unlock()
			r.signal()
		}
	}
}

// run walks the flow; it reports whether a module ended the call itself.
func (r *runner) run(ctx context.Context, n *callflow.Node) (ended bool) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("callflow: internal error; the call is hung up", "panic", p)
			ended = false
		}
	}()
	for steps := 0; n != nil && ctx.Err() == nil; steps++ {
		if steps >= maxSteps {
			r.log.Warn("callflow: over 1000 steps; the call is hung up")
			return false
		}
		if n.Skip() {
			n = n.Child("_")
			continue
		}
		next, end, err := r.step(ctx, n)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("callflow: module failed; continuing", "module", n.Module, "error", err)
		}
		if end {
			return true
		}
		n = next
	}
	return false
}

var errNoEnv = errors.New("kazoo-dev cannot do this here")

// step runs one node and says where to go next (end: the call is over).
func (r *runner) step(ctx context.Context, n *callflow.Node) (next *callflow.Node, end bool, err error) {
	v, err := n.Decode()
	if err != nil {
		return n.Child("_"), false, err
	}
	switch d := v.(type) {
	case callflow.Pivot:
		return r.pivot(ctx, n, d)
	case callflow.TTS:
		return n.Child("_"), false, r.speak(ctx, d.Text, d.Voice, d.Terminators)
	case callflow.Play:
		return n.Child("_"), false, r.play(ctx, d)
	case callflow.Say:
		return n.Child("_"), false, r.speak(ctx, sayText(d), "", d.Terminators)
	case callflow.CollectDTMF:
		r.collectDTMF(ctx, d)
		return n.Child("_"), false, nil
	case callflow.Branch:
		return n.Child(r.lastDigits(d.CollectionName)), false, nil
	case callflow.Menu:
		return r.menu(ctx, n, d), false, nil
	case callflow.User:
		return r.bridge(ctx, n, []Target{{Kind: "user", ID: d.ID, Timeout: d.Timeout()}})
	case callflow.Device:
		return r.bridge(ctx, n, []Target{{Kind: "device", ID: d.ID, Timeout: d.Timeout()}})
	case callflow.Bridge:
		var ts []Target
		for _, e := range d.Endpoints {
			ts = append(ts, Target{Kind: e.EndpointType, ID: e.ID, Timeout: time.Duration(e.TimeoutS) * time.Second})
		}
		return r.bridge(ctx, n, ts)
	case callflow.Resources:
		return r.bridge(ctx, n, []Target{{Kind: "uri", ID: d.ToDID, Timeout: d.Timeout()}})
	case callflow.Conference:
		if r.env.Conference == nil {
			return n.Child("_"), false, errNoEnv
		}
		return nil, true, r.env.Conference(ctx, r.c, d.Room())
	case callflow.Voicemail:
		return r.voicemail(ctx, n, d)
	case callflow.RecordCall:
		return n.Child("_"), false, r.recordCall(ctx, d)
	case callflow.SetCID:
		r.c.mu.Lock()
		if d.CallerIDName != "" {
			r.c.CallerIDName = d.CallerIDName
		}
		if d.CallerIDNumber != "" {
			r.c.CallerIDNumber = d.CallerIDNumber
		}
		r.c.mu.Unlock()
		return n.Child("_"), false, nil
	case callflow.ManualPresence:
		if r.env.Presence == nil {
			return n.Child("_"), false, errNoEnv
		}
		r.env.Presence(d.PresenceID, d.Status)
		return n.Child("_"), false, nil
	case callflow.Response:
		r.hangup(int(d.Code), d.Message)
		return nil, true, nil
	case callflow.Hangup:
		r.hangup(0, "")
		return nil, true, nil
	}
	return n.Child("_"), false, errors.New("module " + n.Module + " is not run by kazoo-dev")
}

func (r *runner) hangup(cause int, reason string) {
	if r.env.Hangup != nil {
		r.env.Hangup(cause, reason)
	}
}

// pivot asks the application; its callflow replaces the rest, a failure
// takes the pivot node's "_" child (the fallback).
func (r *runner) pivot(ctx context.Context, n *callflow.Node, d callflow.Pivot) (*callflow.Node, bool, error) {
	r.pivots++
	if r.pivots > maxPivots {
		r.log.Warn("callflow: over 100 Pivot requests; the call is hung up")
		return nil, false, nil
	}
	r.c.mu.Lock()
	req := pivot.Request{
		CallID: r.c.ID, Request: r.c.Number, To: r.c.To, From: r.c.From, AccountID: r.c.AccountID,
		CallerIDName: r.c.CallerIDName, CallerIDNumber: r.c.CallerIDNumber, UserID: r.c.UserID,
		Language: r.c.Language, Digits: r.c.digits, DigitsName: r.c.name,
	}
	r.c.mu.Unlock()
	flow, err := r.env.Fetch(ctx, pivot.FromNode(d), req)
	if err != nil {
		var pe *pivot.Error
		if errors.As(err, &pe) {
			r.log.Warn("pivot request failed; the call takes the pivot node's fallback", "key", pe.Key, "status", pe.Status, "url", pe.URL, "error", err)
		} else {
			r.log.Warn("pivot request failed; the call takes the pivot node's fallback", "error", err)
		}
		return n.Child("_"), false, nil
	}
	r.log.Info("pivot answered", "module", flow.Module)
	return flow, false, nil
}

// lastDigits is the named collection, or the last one.
func (r *runner) lastDigits(name string) string {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	if name != "" {
		return r.c.named[name]
	}
	return r.c.digits
}

// Digits is the last collection (for tests and logs).
func (c *Call) Digits() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.digits
}

func sayText(d callflow.Say) string {
	t := strings.TrimSpace(d.Text)
	if d.Digits() {
		return spellDigits(t)
	}
	return sayNumber(t)
}
