package tabs

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/ua"
)

// bus is an in-memory BroadcastChannel: a post reaches every other tab.
type bus struct {
	mu   sync.Mutex
	tabs []*Tab
	// parse is the tabs' JSON parser (nil: the default, encoding/json).
	parse func([]byte) (any, error)
}

func (b *bus) join(t *testing.T, id string, local ua.MediaFactory) *Tab {
	var tab *Tab
	tab = NewTab(id, func(msg []byte) error {
		b.mu.Lock()
		list := append([]*Tab(nil), b.tabs...)
		b.mu.Unlock()
		for _, o := range list {
			if o != tab {
				o.Receive(append([]byte(nil), msg...))
			}
		}
		return nil
	}, local, nil, b.parse)
	b.mu.Lock()
	b.tabs = append(b.tabs, tab)
	b.mu.Unlock()
	t.Cleanup(tab.Close)
	return tab
}

// fakeMedia is a tab's session: it records the steps it ran.
type fakeMedia struct {
	tab   string
	mu    sync.Mutex
	steps []string
	ev    ua.MediaEvents
}

func (m *fakeMedia) rec(s string) {
	m.mu.Lock()
	m.steps = append(m.steps, s)
	m.mu.Unlock()
}

func (m *fakeMedia) Offer(context.Context, bool) (string, error) {
	m.rec("offer")
	return "offer-from-" + m.tab, nil
}
func (m *fakeMedia) Answer(_ context.Context, offer string) (string, error) {
	m.rec("answer:" + offer)
	return "answer-from-" + m.tab, nil
}
func (m *fakeMedia) Accept(_ context.Context, a string, _ bool) error {
	m.rec("accept:" + a)
	return nil
}
func (m *fakeMedia) Rollback(context.Context) error    { return nil }
func (m *fakeMedia) SetDirection(d ua.Direction) error { m.rec("dir:" + string(d)); return nil }
func (m *fakeMedia) SendDTMF(t string) error           { m.rec("dtmf:" + t); return nil }
func (m *fakeMedia) SetMuted(bool) error               { return nil }
func (m *fakeMedia) Stats(context.Context) (phone.MediaStats, error) {
	return phone.MediaStats{InboundPackets: 42, Codec: "audio/PCMU"}, nil
}
func (m *fakeMedia) SetMicrophone(context.Context, string) error { return phone.ErrDeviceNotFound }
func (m *fakeMedia) SetSpeaker(context.Context, string) error    { return nil }
func (m *fakeMedia) Levels(context.Context) (phone.Levels, error) {
	return phone.Levels{Input: 0.5, Output: math.NaN()}, nil
}
func (m *fakeMedia) Close() { m.rec("close") }

type mediaMaker struct {
	tab  string
	mu   sync.Mutex
	made []*fakeMedia
}

func (mm *mediaMaker) factory(_ context.Context, ev ua.MediaEvents) (ua.Media, error) {
	m := &fakeMedia{tab: mm.tab, ev: ev}
	mm.mu.Lock()
	mm.made = append(mm.made, m)
	mm.mu.Unlock()
	return m, nil
}

func (mm *mediaMaker) last() *fakeMedia {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if len(mm.made) == 0 {
		return nil
	}
	return mm.made[len(mm.made)-1]
}

// fakeCall is a leader's call.
type fakeCall struct {
	id       string
	outgoing bool
	mu       sync.Mutex
	state    phone.CallState
	media    ua.Media
	hungUp   bool
	rejected int
	// over is closed when the call ends (Hangup or Reject); see ended.
	overOnce sync.Once
	over     chan struct{}
}

// ended is closed when the call ends.
func (c *fakeCall) ended() chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.over == nil {
		c.over = make(chan struct{})
	}
	return c.over
}

func (c *fakeCall) end() {
	ch := c.ended()
	c.overOnce.Do(func() { close(ch) })
}

func (c *fakeCall) ID() string            { return c.id }
func (c *fakeCall) Outgoing() bool        { return c.outgoing }
func (c *fakeCall) CallerName() string    { return "Alice" }
func (c *fakeCall) CallerNumber() string  { return "1002" }
func (c *fakeCall) RemoteURI() string     { return "sip:1002@lab.test" }
func (c *fakeCall) RemoteName() string    { return "Alice" }
func (c *fakeCall) LocalURI() string      { return "sip:1001@lab.test" }
func (c *fakeCall) StartedAt() time.Time  { return time.Unix(1, 0) }
func (c *fakeCall) AnsweredAt() time.Time { return time.Time{} }
func (c *fakeCall) ReceivedHeaders() []phone.Header {
	return []phone.Header{{Name: "X-Ticket", Value: "7"}}
}
func (c *fakeCall) State() phone.CallState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}
func (c *fakeCall) Accept(ctx context.Context) *phone.Error { return nil }
func (c *fakeCall) AcceptWith(context.Context, phone.AcceptOptions) *phone.Error {
	return nil
}
func (c *fakeCall) Reject(code int) *phone.Error {
	c.mu.Lock()
	c.rejected, c.state = code, phone.CallEnded
	c.mu.Unlock()
	c.end()
	return nil
}
func (c *fakeCall) Hangup(context.Context) *phone.Error {
	c.mu.Lock()
	c.hungUp, c.state = true, phone.CallEnded
	c.mu.Unlock()
	c.end()
	return nil
}
func (c *fakeCall) Hold(context.Context, bool) *phone.Error { return nil }
func (c *fakeCall) SendDTMF(_ context.Context, t string) *phone.Error {
	return phone.DeviceError(c.media.SendDTMF(t))
}
func (c *fakeCall) Transfer(context.Context, string) *phone.Error { return nil }
func (c *fakeCall) SetMuted(bool) *phone.Error                    { return nil }
func (c *fakeCall) Muted() bool                                   { return false }
func (c *fakeCall) Stats(ctx context.Context) (phone.MediaStats, *phone.Error) {
	s, err := c.media.Stats(ctx)
	return s, phone.DeviceError(err)
}
func (c *fakeCall) SetMicrophone(ctx context.Context, id string) *phone.Error {
	return phone.DeviceError(c.media.SetMicrophone(ctx, id))
}
func (c *fakeCall) SetSpeaker(context.Context, string) *phone.Error { return nil }
func (c *fakeCall) Levels(ctx context.Context) (phone.Levels, *phone.Error) {
	l, err := c.media.Levels(ctx)
	return l, phone.DeviceError(err)
}

// fakeHost is the leader's user agent: Accept and Dial run the media
// as ua does (Answer / Offer), and the leader publishes what happens.
type fakeHost struct {
	l     *Leader
	mu    sync.Mutex
	calls []*fakeCall
}

func (h *fakeHost) Dial(ctx context.Context, target string, _ []phone.Header, f ua.MediaFactory) (phone.Call, *phone.Error) {
	m, err := f(ctx, ua.MediaEvents{})
	if err != nil {
		return nil, &phone.Error{Key: phone.KeyMedia, Message: err.Error()}
	}
	if _, err := m.Offer(ctx, false); err != nil {
		return nil, &phone.Error{Key: phone.KeyMedia, Message: err.Error()}
	}
	c := &fakeCall{id: "out-" + target, outgoing: true, media: m}
	h.mu.Lock()
	h.calls = append(h.calls, c)
	h.mu.Unlock()
	return c, nil
}

func (h *fakeHost) Accept(ctx context.Context, pc phone.Call, _ phone.AcceptOptions, f ua.MediaFactory) *phone.Error {
	c := pc.(*fakeCall)
	m, err := f(ctx, ua.MediaEvents{})
	if err != nil {
		return &phone.Error{Key: phone.KeyMedia, Message: err.Error()}
	}
	if _, err := m.Answer(ctx, "caller-offer"); err != nil {
		return &phone.Error{Key: phone.KeyMedia, Message: err.Error()}
	}
	c.mu.Lock()
	c.media, c.state = m, phone.CallEstablished
	c.mu.Unlock()
	h.l.Accepted(c)
	return nil
}

func (h *fakeHost) SendMessage(_ context.Context, target, body, _ string, _ []phone.Header) (*phone.MessageResult, *phone.Error) {
	if target == "nobody" {
		return nil, &phone.Error{Key: phone.KeyMessageFailed, Message: "Temporarily Unavailable", Code: 480}
	}
	return &phone.MessageResult{Code: 200, Reason: "OK " + body}, nil
}

func (h *fakeHost) Registered() bool { return true }

func (h *fakeHost) Dialog(c phone.Call) any {
	return map[string]string{"callId": c.ID()}
}

// recorder collects a follower's events.
type recorder struct {
	mu     sync.Mutex
	events []string
	calls  map[string]phone.Call
	wake   chan struct{}
}

func newRecorder() *recorder {
	return &recorder{calls: map[string]phone.Call{}, wake: make(chan struct{}, 100)}
}

func (r *recorder) add(ev string, c phone.Call) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	if c != nil {
		r.calls[c.ID()] = c
	}
	r.mu.Unlock()
	r.wake <- struct{}{}
}

func (r *recorder) events_() Events {
	return Events{
		Connected: func() { r.add("connected", nil) },
		Incoming:  func(c phone.Call) { r.add("incoming:"+c.ID(), c) },
		Accepted:  func(c phone.Call) { r.add("accepted:"+c.ID(), c) },
		Ended:     func(c phone.Call, e phone.End) { r.add("ended:"+c.ID()+":"+e.Originator.String(), c) },
		Progress:  func(c phone.Call, code int, _ bool) { r.add("progress:"+c.ID(), c) },
		Message:   func(m phone.Message) { r.add("message:"+m.Body, nil) },
	}
}

// wait waits for event ev.
func (r *recorder) wait(t *testing.T, ev string) phone.Call {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		r.mu.Lock()
		for _, e := range r.events {
			if e == ev {
				r.mu.Unlock()
				_, rest, _ := strings.Cut(ev, ":")
				id, _, _ := strings.Cut(rest, ":")
				return r.call(id)
			}
		}
		r.mu.Unlock()
		select {
		case <-r.wake:
		case <-deadline:
			r.mu.Lock()
			defer r.mu.Unlock()
			t.Fatalf("no %q event; got %v", ev, r.events)
		}
	}
}

func (r *recorder) call(id string) phone.Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[id]
}

type group struct {
	bus      *bus
	leader   *Leader
	host     *fakeHost
	media    []*mediaMaker
	tabs     []*Tab
	follower []*Follower
	rec      []*recorder
}

// newGroup starts a leader tab and n followers, each connected.
func newGroup(t *testing.T, n int) *group {
	b := &bus{}
	g := &group{host: &fakeHost{}, bus: b}
	lm := &mediaMaker{tab: "L"}
	lt := b.join(t, "L", lm.factory)
	g.leader = Lead(lt, g.host)
	g.host.l = g.leader
	g.media = append(g.media, lm)
	g.tabs = append(g.tabs, lt)
	for i := 0; i < n; i++ {
		id := string(rune('A' + i))
		mm := &mediaMaker{tab: id}
		tab := b.join(t, id, mm.factory)
		rec := newRecorder()
		g.follower = append(g.follower, Follow(tab, rec.events_()))
		g.rec = append(g.rec, rec)
		g.media = append(g.media, mm)
		g.tabs = append(g.tabs, tab)
		rec.wait(t, "connected")
	}
	return g
}

func TestIncomingRingsInEveryFollowerAndIsAnsweredInOne(t *testing.T) {
	g := newGroup(t, 2)
	in := &fakeCall{id: "c1"}
	g.leader.Incoming(in)
	a := g.rec[0].wait(t, "incoming:c1")
	g.rec[1].wait(t, "incoming:c1")
	if a.RemoteURI() != "sip:1002@lab.test" || a.CallerName() != "Alice" || a.State() != phone.CallRinging {
		t.Fatalf("follower's call: %+v", a.(*Call).Info())
	}
	if h := a.ReceivedHeaders(); len(h) != 1 || h[0].Value != "7" {
		t.Fatalf("received headers %v", h)
	}
	if e := a.Accept(context.Background()); e != nil {
		t.Fatal(e)
	}
	// The SDP went to follower A's media, which answered it.
	m := g.media[1].last()
	if m == nil || len(m.steps) == 0 || m.steps[0] != "answer:caller-offer" {
		t.Fatalf("A's media: %+v", m)
	}
	if g.media[0].last() != nil || g.media[2].last() != nil {
		t.Fatal("media was made in a tab that did not answer")
	}
	g.rec[1].wait(t, "accepted:c1")
	b := g.rec[1].call("c1").(*Call)
	if b.State() != phone.CallEstablished || b.AudioHere() {
		t.Fatalf("B sees %+v", b.Info())
	}
	if !a.(*Call).AudioHere() || g.leader.AudioHere(in) {
		t.Fatal("the audio should be in A only")
	}
	if d, _ := b.Info().Dialog.(map[string]any); d["callId"] != "c1" {
		t.Fatalf("an established call's snapshot carries its dialog, parsed; got %#v", b.Info().Dialog)
	}
	// DTMF from B goes through the leader to A's media.
	if e := b.SendDTMF(context.Background(), "1#"); e != nil {
		t.Fatal(e)
	}
	if got := m.steps[len(m.steps)-1]; got != "dtmf:1#" {
		t.Fatalf("A's media last step %q", got)
	}
	// Levels and stats: read in A directly, through the leader from B.
	lv, e := b.Levels(context.Background())
	if e != nil || lv.Input != 0.5 || !math.IsNaN(lv.Output) {
		t.Fatalf("levels %+v %v", lv, e)
	}
	st, e := b.Stats(context.Background())
	if e != nil || st.InboundPackets != 42 {
		t.Fatalf("stats %+v %v", st, e)
	}
	if e := b.SetMicrophone(context.Background(), "gone"); e == nil || e.Key != phone.KeyDeviceNotFound {
		t.Fatalf("a missing device through two tabs: %v", e)
	}
	// B hangs up.
	if e := b.Hangup(context.Background()); e != nil {
		t.Fatal(e)
	}
	if !in.hungUp {
		t.Fatal("the leader's call was not hung up")
	}
	g.leader.Ended(in, phone.End{Established: true, Originator: phone.ByLocal})
	g.rec[0].wait(t, "ended:c1:local")
}

func TestFollowerDialsWithItsOwnAudio(t *testing.T) {
	g := newGroup(t, 2)
	c, e := g.follower[1].Dial(context.Background(), "1003", nil)
	if e != nil {
		t.Fatal(e)
	}
	if c.ID() != "out-1003" || !c.Outgoing() || !c.(*Call).AudioHere() {
		t.Fatalf("dialled call %+v", c.(*Call).Info())
	}
	if m := g.media[2].last(); m == nil || m.steps[0] != "offer" {
		t.Fatalf("B's media: %+v", m)
	}
	res, e := g.follower[0].SendMessage(context.Background(), "1003", "hi", "text/plain", nil)
	if e != nil || res.Code != 200 || res.Reason != "OK hi" {
		t.Fatalf("message %+v %v", res, e)
	}
	if _, e := g.follower[0].SendMessage(context.Background(), "nobody", "hi", "text/plain", nil); e == nil || e.Code != 480 || e.Key != phone.KeyMessageFailed {
		t.Fatalf("message failure %v", e)
	}
}

func TestATabThatLeavesTakesItsCallsWithIt(t *testing.T) {
	g := newGroup(t, 2)
	in := &fakeCall{id: "c2"}
	g.leader.Incoming(in)
	a := g.rec[0].wait(t, "incoming:c2")
	if e := a.Accept(context.Background()); e != nil {
		t.Fatal(e)
	}
	g.follower[0].Unload()
	select {
	case <-in.ended():
	case <-time.After(5 * time.Second):
		t.Fatal("the call whose audio left is still up")
	}
	if !in.hungUp {
		t.Fatal("expected a hangup")
	}
}

func TestALateTabGetsTheCallsAndAStrayTabIsRefused(t *testing.T) {
	g := newGroup(t, 1)
	in := &fakeCall{id: "c3"}
	g.leader.Incoming(in)
	g.rec[0].wait(t, "incoming:c3")
	// A tab that joins now sees the ringing call at once.
	rec := newRecorder()
	mm := &mediaMaker{tab: "Z"}
	Follow(g.bus.join(t, "Z", mm.factory), rec.events_())
	rec.wait(t, "connected")
	rec.wait(t, "incoming:c3")

	// A follower with no leader says so instead of waiting.
	lone := NewTab("lone", func([]byte) error { return nil }, nil, nil, nil)
	t.Cleanup(lone.Close)
	f := Follow(lone, Events{})
	if _, e := f.Dial(context.Background(), "1003", nil); e == nil || e.Key != phone.KeyNotRegistered {
		t.Fatalf("dial without a leader: %v", e)
	}
}

func TestGarbageOnTheChannelIsIgnored(t *testing.T) {
	g := newGroup(t, 1)
	for _, junk := range []string{"", "{", "null", `{"t":"req"}`, `{"t":"req","from":"X","op":"nope","call":"zz"}`, `{"t":"media","from":"X","to":"A","op":"offer","media":"none"}`, `{"t":"event","from":"L","op":"ended","data":{"call":{"id":"ghost"}}}`} {
		for _, tab := range g.tabs {
			tab.Receive([]byte(junk))
		}
	}
	// Still working.
	if _, e := g.follower[0].Dial(context.Background(), "1004", nil); e != nil {
		t.Fatal(e)
	}
}

// A tab that takes the SIP of a call whose audio it already has gets its
// session's events itself (they no longer go over the channel).
func TestAdoptedSessionEventsStayInTheTab(t *testing.T) {
	g := newGroup(t, 1)
	g.leader.Incoming(&fakeCall{id: "c9"})
	a := g.rec[0].wait(t, "incoming:c9")
	if e := a.Accept(context.Background()); e != nil {
		t.Fatal(e)
	}
	info := a.(*Call).Info()
	got := make(chan string, 1)
	if m := g.tabs[1].Media.Adopt(info.MediaID, ua.MediaEvents{ICEState: func(s string) { got <- s }}); m == nil {
		t.Fatalf("no session %q in the answering tab", info.MediaID)
	}
	if m := g.tabs[1].Media.Adopt("nope", ua.MediaEvents{}); m != nil {
		t.Fatal("adopted a session that is not there")
	}
	g.media[1].last().ev.ICEState("failed")
	select {
	case s := <-got:
		if s != "failed" {
			t.Fatalf("state %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the adopted session's ICE state did not reach its new owner")
	}
}

// A leader that closed and a follower that stopped get no more messages;
// a follower that stops after its tab began to lead leaves the leader be.
func TestAStoppedRoleGetsNoMoreMessages(t *testing.T) {
	g := newGroup(t, 2)
	role := func(tab *Tab) handler {
		tab.mu.Lock()
		defer tab.mu.Unlock()
		return tab.role
	}
	g.leader.Close()
	if r := role(g.tabs[0]); r != nil {
		t.Fatalf("a closed leader still handles messages: %T", r)
	}
	g.follower[0].Unload()
	if r := role(g.tabs[1]); r != nil {
		t.Fatalf("a follower that left still handles messages: %T", r)
	}
	l := Lead(g.tabs[2], g.host)
	g.follower[1].Stop()
	if r := role(g.tabs[2]); r != l {
		t.Fatalf("the new leader's tab handles messages with %T", r)
	}
}

// The leader forgets the media of a call once its session is closed.
func TestTheLeaderForgetsClosedMedia(t *testing.T) {
	g := newGroup(t, 1)
	c, e := g.follower[0].Dial(context.Background(), "1005", nil)
	if e != nil {
		t.Fatal(e)
	}
	g.host.mu.Lock()
	m := g.host.calls[len(g.host.calls)-1].media
	g.host.mu.Unlock()
	count := func() int {
		g.leader.mu.Lock()
		defer g.leader.mu.Unlock()
		return len(g.leader.media)
	}
	if n := count(); n != 1 {
		t.Fatalf("the leader knows %d media sessions of the call %s, want 1", n, c.ID())
	}
	m.Close()
	if n := count(); n != 0 {
		t.Fatalf("the leader still knows %d media sessions after Close", n)
	}
}
