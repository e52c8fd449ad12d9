package flowrun

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/callflow"
	"github.com/kazoo-softphone/kazoo/pivot"
)

// fakeLeg plays instantly unless told to be slow, records a fixed
// message, and delivers the digits the test presses.
type fakeLeg struct {
	mu      sync.Mutex
	played  [][]int16
	stopped int
	slow    time.Duration
	dtmf    chan rune
	// playing and recording hear of each Play and Record as it starts.
	playing, recording chan struct{}
}

func newLeg() *fakeLeg {
	return &fakeLeg{dtmf: make(chan rune, 16), playing: make(chan struct{}, 16), recording: make(chan struct{}, 4)}
}

func (l *fakeLeg) Play(ctx context.Context, pcm []int16) error {
	l.mu.Lock()
	l.played = append(l.played, pcm)
	slow := l.slow
	l.mu.Unlock()
	l.playing <- struct{}{}
	if slow == 0 {
		return nil
	}
	select {
	case <-time.After(slow):
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		l.stopped++
		l.mu.Unlock()
		return ctx.Err()
	}
}

func (l *fakeLeg) DTMF() <-chan rune { return l.dtmf }

func (l *fakeLeg) Record(ctx context.Context, max time.Duration) ([]int16, error) {
	l.recording <- struct{}{}
	select {
	case <-ctx.Done():
	case <-time.After(max):
	}
	return make([]int16, 800), nil
}

// recorder is a fake server.
type recorder struct {
	mu       sync.Mutex
	spoken   []string
	requests []pivot.Request
	bridged  [][]Target
	cid      string
	hangups  []int
	vm       []string
	presence []string
	replies  []string // Pivot replies, in order; "" is an HTTP 500
}

func (r *recorder) env() Env {
	return Env{
		TTS: func(_ context.Context, text, _ string) ([]int16, error) {
			r.mu.Lock()
			r.spoken = append(r.spoken, text)
			r.mu.Unlock()
			return make([]int16, 160), nil
		},
		Fetch: func(_ context.Context, _ pivot.Config, q pivot.Request) (*callflow.Node, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.requests = append(r.requests, q)
			if len(r.replies) == 0 || r.replies[0] == "" {
				if len(r.replies) > 0 {
					r.replies = r.replies[1:]
				}
				return nil, &pivot.Error{Key: "pivot_http_status", Status: 500}
			}
			b := r.replies[0]
			if len(r.replies) > 1 {
				r.replies = r.replies[1:]
			}
			return callflow.Parse([]byte(b))
		},
		Bridge: func(_ context.Context, c *Call, ts []Target) (bool, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.bridged = append(r.bridged, ts)
			r.cid = c.CallerIDName + " <" + c.CallerIDNumber + ">"
			if ts[0].ID == "nobody" {
				return false, errors.New("not registered")
			}
			return true, nil
		},
		Voicemail: func(owner string, _ *Call, pcm []int16) error {
			r.mu.Lock()
			r.vm = append(r.vm, owner)
			r.mu.Unlock()
			return nil
		},
		Presence: func(id, state string) {
			r.mu.Lock()
			r.presence = append(r.presence, id+"="+state)
			r.mu.Unlock()
		},
		Hangup: func(cause int, _ string) {
			r.mu.Lock()
			r.hangups = append(r.hangups, cause)
			r.mu.Unlock()
		},
	}
}

func parse(t *testing.T, s string) *callflow.Node {
	t.Helper()
	n, err := callflow.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func run(t *testing.T, r *recorder, leg *fakeLeg, flow string) *Call {
	t.Helper()
	c := &Call{ID: "c1", Number: "7000", From: "sip:1001@lab.test", CallerIDName: "Alice", CallerIDNumber: "1001", Leg: leg}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	Run(ctx, r.env(), c, parse(t, flow))
	if ctx.Err() != nil {
		t.Fatal("the flow did not end")
	}
	return c
}

const ivr = `{"module":"pivot","data":{"voice_url":"http://127.0.0.1:1/ivr"}}`

func TestPivotIVRCollectsAndBridges(t *testing.T) {
	r := &recorder{replies: []string{
		`{"module":"tts","data":{"text":"Press 1 for sales"},"children":{"_":{"module":"collect_dtmf","data":{"max_digits":1,"timeout":2000},"children":{"_":` + ivr + `}}}}`,
		`{"module":"user","data":{"id":"1002"}}`,
	}}
	leg := newLeg()
	leg.dtmf <- '1'
	run(t, r, leg, ivr)
	if len(r.requests) != 2 || r.requests[0].Digits != "" || r.requests[1].Digits != "1" || r.requests[1].CallID != "c1" || r.requests[1].Request != "7000" {
		t.Fatalf("requests %+v", r.requests)
	}
	if len(r.spoken) != 1 || r.spoken[0] != "Press 1 for sales" {
		t.Fatalf("spoken %q", r.spoken)
	}
	if len(r.bridged) != 1 || r.bridged[0][0] != (Target{Kind: "user", ID: "1002", Timeout: 20 * time.Second}) {
		t.Fatalf("bridged %+v", r.bridged)
	}
	if len(r.hangups) != 1 {
		t.Fatalf("hangups %v: the flow's end hangs up", r.hangups)
	}
}

func TestAFailedPivotTakesTheFallback(t *testing.T) {
	r := &recorder{replies: []string{""}}
	run(t, r, newLeg(), `{"module":"pivot","data":{"voice_url":"http://127.0.0.1:1/"},"children":{"_":{"module":"tts","data":{"text":"The app is not answering"},"children":{"_":{"module":"hangup"}}}}}`)
	if len(r.spoken) != 1 || r.spoken[0] != "The app is not answering" || len(r.hangups) != 1 {
		t.Fatalf("spoken %q hangups %v", r.spoken, r.hangups)
	}
}

func TestADigitStopsThePromptAndIsCollected(t *testing.T) {
	r := &recorder{}
	leg := newLeg()
	leg.slow = 5 * time.Second
	go func() {
		<-leg.playing // the caller presses 4 2 while the prompt plays
		leg.dtmf <- '4'
		leg.dtmf <- '2'
	}()
	c := run(t, r, leg, `{"module":"tts","data":{"text":"Enter your code"},"children":{"_":{"module":"collect_dtmf","data":{"max_digits":2,"timeout":3000,"collection_name":"code"},"children":{"_":{"module":"branch","data":{"collection_name":"code"},"children":{"42":{"module":"manual_presence","data":{"presence_id":"1003","status":"busy"}},"_":{"module":"hangup"}}}}}}}`)
	if leg.stopped != 1 {
		t.Fatalf("the prompt was not stopped (%d)", leg.stopped)
	}
	if c.Digits() != "42" || len(r.presence) != 1 || r.presence[0] != "1003=busy" {
		t.Fatalf("digits %q presence %v", c.Digits(), r.presence)
	}
}

func TestNamedCollectionReachesPivot(t *testing.T) {
	r := &recorder{replies: []string{`{"module":"hangup"}`}}
	leg := newLeg()
	leg.dtmf <- '7'
	run(t, r, leg, `{"module":"collect_dtmf","data":{"max_digits":1,"collection_name":"choice"},"children":{"_":`+ivr+`}}`)
	if len(r.requests) != 1 || r.requests[0].Digits != "7" || r.requests[0].DigitsName != "choice" {
		t.Fatalf("requests %+v", r.requests)
	}
}

func TestMenuRetriesThenGoesToTheChoice(t *testing.T) {
	r := &recorder{}
	leg := newLeg()
	leg.dtmf <- '9' // no such choice
	leg.dtmf <- '#'
	leg.dtmf <- '2'
	run(t, r, leg, `{"module":"menu","data":{"media":{"greeting":"tts:Press 2","invalid_media":"tts:Wrong"},"retries":3,"timeout":2000,"interdigit_timeout":300,"max_extension_length":1},"children":{"2":{"module":"response","data":{"code":486}}}}`)
	if len(r.hangups) != 1 || r.hangups[0] != 486 {
		t.Fatalf("hangups %v spoken %q", r.hangups, r.spoken)
	}
	// 9: the greeting, then the invalid prompt; # alone: the greeting
	// again (an empty try); 2: the greeting a third time, then the choice.
	if want := []string{"Press 2", "Wrong", "Press 2", "Press 2"}; !slices.Equal(r.spoken, want) {
		t.Fatalf("spoken %q, want %q", r.spoken, want)
	}
}

func TestVoicemailRecordsUntilPound(t *testing.T) {
	r := &recorder{}
	leg := newLeg()
	go func() {
		<-leg.recording
		leg.dtmf <- '#'
	}()
	run(t, r, leg, `{"module":"voicemail","data":{"id":"1002","max_message_length":30}}`)
	if len(r.vm) != 1 || r.vm[0] != "1002" || len(r.hangups) != 1 {
		t.Fatalf("vm %v hangups %v", r.vm, r.hangups)
	}
}

func TestSetCIDAndAnUnansweredBridgeContinues(t *testing.T) {
	r := &recorder{}
	run(t, r, newLeg(), `{"module":"set_cid","data":{"caller_id_name":"Sales line","caller_id_number":"7000"},"children":{"_":{"module":"user","data":{"id":"nobody"},"children":{"_":{"module":"tts","data":{"text":"Nobody answered"}}}}}}`)
	if r.cid != "Sales line <7000>" || len(r.spoken) != 1 {
		t.Fatalf("cid %q spoken %q", r.cid, r.spoken)
	}
}

func TestALoopingAppIsBounded(t *testing.T) {
	r := &recorder{replies: []string{ivr}}
	run(t, r, newLeg(), ivr)
	if len(r.requests) != maxPivots {
		t.Fatalf("%d requests", len(r.requests))
	}
}

func TestPlaySayAndRecordCall(t *testing.T) {
	r := &recorder{}
	var media []string
	var recorded [][]int16
	var mu sync.Mutex
	env := r.env()
	env.Media = func(_ context.Context, id string) ([]int16, error) {
		mu.Lock()
		media = append(media, id)
		mu.Unlock()
		return make([]int16, 80), nil
	}
	env.Recording = func(_ *Call, pcm []int16) error {
		mu.Lock()
		recorded = append(recorded, pcm)
		mu.Unlock()
		return nil
	}
	leg := newLeg()
	c := &Call{ID: "c2", Leg: leg}
	flow := parse(t, `{"module":"record_call","data":{"action":"start","time_limit":60},"children":{"_":
		{"module":"play","data":{"id":"greeting.wav","loop_count":2},"children":{"_":
		{"module":"say","data":{"text":"1234","type":"number","method":"iterated"},"children":{"_":
		{"module":"say","data":{"text":"42"},"children":{"_":
		{"module":"record_call","data":{"action":"stop"}}}}}}}}}}`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	Run(ctx, env, c, flow)
	mu.Lock()
	defer mu.Unlock()
	if len(media) != 1 || media[0] != "greeting.wav" {
		t.Fatalf("media %v", media)
	}
	leg.mu.Lock()
	plays := len(leg.played)
	leg.mu.Unlock()
	if plays != 4 { // the file twice, then two spoken numbers
		t.Fatalf("%d plays", plays)
	}
	if len(r.spoken) != 2 || r.spoken[0] != "one two three four" || r.spoken[1] != "forty two" {
		t.Fatalf("spoken %q", r.spoken)
	}
	if len(recorded) != 1 {
		t.Fatalf("recordings %d: record_call start/stop stores one", len(recorded))
	}
}
