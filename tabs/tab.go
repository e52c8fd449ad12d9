package tabs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/kazoo-softphone/kazoo/ua"
)

// ErrGone is a request's error when the tab it went to left, or no tab
// answered in time.
var ErrGone = errors.New("the other tab did not answer")

// Tab is this tab's end of the channel: it posts messages, matches
// answers to requests, serves the media of calls whose audio is here
// (its [MediaHost]) and hands everything else to its role, leader or
// follower.
type Tab struct {
	ID    string
	Media *MediaHost
	log   *slog.Logger
	post  func([]byte) error
	parse func([]byte) (any, error)

	seq     atomic.Uint64
	mu      sync.Mutex
	pending map[uint64]chan Msg
	role    handler
	closed  bool

	inbox inbox
}

// handler is a role: what the leader or a follower does with a message.
type handler interface {
	handle(m Msg)
}

// NewTab makes the end of the channel of the tab id: post sends a
// message to the other tabs, local makes the media of a call whose audio
// is in this tab (the page's own media factory), parse parses a received
// message's JSON into a tree of map[string]any, []any, float64, string,
// bool and nil (nil: encoding/json, which the wasm build leaves out —
// there it is the browser's JSON.parse, jsbridge.ParseJSON). Give it
// every message received with Receive.
func NewTab(id string, post func([]byte) error, local ua.MediaFactory, log *slog.Logger, parse func([]byte) (any, error)) *Tab {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if parse == nil {
		parse = defaultParseJSON
	}
	t := &Tab{ID: id, post: post, parse: parse, log: log, pending: map[uint64]chan Msg{}}
	t.Media = newMediaHost(t, local)
	t.inbox.start(t.dispatch)
	return t
}

// Receive takes a message from the channel. It never blocks: the
// messages are handled in order on the tab's own goroutine.
func (t *Tab) Receive(b []byte) { t.inbox.put(b) }

// Close stops the tab: pending requests fail with ErrGone, messages are
// no longer handled.
func (t *Tab) Close() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	pending := t.pending
	t.pending = map[uint64]chan Msg{}
	t.role = nil
	t.mu.Unlock()
	for _, ch := range pending {
		close(ch)
	}
	t.inbox.stop()
	t.Media.closeAll()
}

func (t *Tab) setRole(h handler) {
	t.mu.Lock()
	t.role = h
	t.mu.Unlock()
}

// dropRole stops handing messages to h, if it is still the tab's role
// (a role that stopped gets no more messages).
func (t *Tab) dropRole(h handler) {
	t.mu.Lock()
	if t.role == h {
		t.role = nil
	}
	t.mu.Unlock()
}

// send posts m from this tab.
func (t *Tab) send(m Msg) {
	m.From = t.ID
	b, err := json.Marshal(m)
	if err != nil {
		t.log.Error("tabs: cannot encode a message", "type", m.T, "error", err)
		return
	}
	if err := t.post(b); err != nil {
		t.log.Warn("tabs: cannot post a message", "type", m.T, "error", err)
	}
}

// request posts m and waits for the answer with the same Seq (tRep or
// tMediaRep addressed to this tab), or ctx's end.
func (t *Tab) request(ctx context.Context, m Msg) (Msg, error) {
	seq := t.seq.Add(1)
	ch := make(chan Msg, 1)
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return Msg{}, ErrGone
	}
	t.pending[seq] = ch
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		delete(t.pending, seq)
		t.mu.Unlock()
	}()
	m.Seq = seq
	t.send(m)
	select {
	case r, ok := <-ch:
		if !ok {
			return Msg{}, ErrGone
		}
		return r, nil
	case <-ctx.Done():
		return Msg{}, errors.Join(ErrGone, ctx.Err())
	}
}

// reply answers request q with data or e.
func (t *Tab) reply(q Msg, typ string, data any, e *WireError) {
	r := Msg{T: typ, To: q.From, Seq: q.Seq, Call: q.Call, Media: q.Media, Err: e}
	if data != nil {
		r.Data = mustJSON(data)
	}
	t.send(r)
}

// dispatch handles one message from the channel.
func (t *Tab) dispatch(b []byte) {
	v, err := t.parse(b)
	if err != nil {
		return // garbage
	}
	m, err := decodeMsg(v)
	if err != nil || m.From == t.ID {
		return // not ours: another version, or garbage
	}
	if m.To != "" && m.To != t.ID {
		return
	}
	switch m.T {
	case tRep, tMediaRep:
		t.mu.Lock()
		ch := t.pending[m.Seq]
		delete(t.pending, m.Seq)
		t.mu.Unlock()
		if ch != nil {
			ch <- m
		}
		return
	case tMedia:
		if m.To == t.ID {
			go t.Media.serve(m)
		}
		return
	}
	t.mu.Lock()
	role := t.role
	t.mu.Unlock()
	if role != nil {
		role.handle(m)
	}
}

// inbox queues received messages for one goroutine, in order, without
// ever blocking the sender (a JS event handler).
type inbox struct {
	mu     sync.Mutex
	queue  [][]byte
	wake   chan struct{}
	done   chan struct{}
	closed bool
}

func (q *inbox) start(handle func([]byte)) {
	q.wake = make(chan struct{}, 1)
	q.done = make(chan struct{})
	go func() {
		for {
			select {
			case <-q.done:
				return
			case <-q.wake:
			}
			for {
				q.mu.Lock()
				if len(q.queue) == 0 || q.closed {
					q.mu.Unlock()
					break
				}
				b := q.queue[0]
				q.queue[0] = nil
				q.queue = q.queue[1:]
				q.mu.Unlock()
				handle(b)
			}
		}
	}()
}

func (q *inbox) put(b []byte) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.queue = append(q.queue, b)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *inbox) stop() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		q.queue = nil
		close(q.done)
	}
}
