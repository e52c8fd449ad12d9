package callwatch

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/clock"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/quality"
)

// fakeCall is a FAKE call: the test sets its statistics per second.
type fakeCall struct {
	mu     sync.Mutex
	st     phone.MediaStats
	levels phone.Levels
	muted  bool
	flat   bool // the microphone's level does not move
	reads  int
	// step is added to the counters at each Stats call: one second of
	// audio (50 packets, 1 s played at level lv).
	packets, lost int64
	energy        float64
}

func (c *fakeCall) Muted() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.muted }

// Levels are c.levels, the input moving by 0.05 from one reading to the
// next (a live microphone) unless flat.
func (c *fakeCall) Levels(context.Context) (phone.Levels, *phone.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	l := c.levels
	if !c.flat {
		l.Input += 0.05 * float64(c.reads%2)
	}
	return l, nil
}

func (c *fakeCall) Stats(context.Context) (phone.MediaStats, *phone.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.InboundPackets += c.packets
	c.st.InboundPacketsLost += c.lost
	c.st.InboundAudioEnergy += c.energy
	c.st.InboundSamplesDuration++
	return c.st, nil
}

func (c *fakeCall) set(f func(c *fakeCall)) { c.mu.Lock(); f(c); c.mu.Unlock() }

// goodCall is a loopback call: connected, 50 packets a second, a tone.
func goodCall() *fakeCall {
	return &fakeCall{
		st:      phone.MediaStats{ICEState: "connected", Direction: "sendrecv", Codec: "audio/opus", RoundTripTime: 0.001, InboundJitter: 0.002},
		packets: 50, energy: 0.1, // mean square 0.1: about -10 dBFS
		levels: phone.Levels{Input: 0.5, Output: 0.6},
	}
}

type recorder struct {
	mu       sync.Mutex
	volumes  int
	changes  []quality.Change
	notified chan struct{}
}

func newRecorder() *recorder { return &recorder{notified: make(chan struct{}, 1000)} }

func (r *recorder) events() Events {
	return Events{
		Volume: func(phone.Levels) { r.mu.Lock(); r.volumes++; r.mu.Unlock() },
		Warning: func(c quality.Change) {
			r.mu.Lock()
			r.changes = append(r.changes, c)
			r.mu.Unlock()
			r.notified <- struct{}{}
		},
	}
}

func (r *recorder) got() []quality.Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]quality.Change(nil), r.changes...)
}

// seconds advances the fake clock tick by tick, each time once the
// watcher armed its next tick (the ticks never overlap).
func seconds(t *testing.T, clk *clock.Fake, n int) {
	t.Helper()
	for i := 0; i < n*LevelsPerSample; i++ {
		armed(t, clk)
		clk.Advance(LevelEvery)
	}
	armed(t, clk)
}

func armed(t *testing.T, clk *clock.Fake) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for clk.Pending() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the watcher did not arm its next tick (%d pending)", clk.Pending())
		}
		time.Sleep(time.Millisecond)
	}
}

func names(cs []quality.Change) []string {
	var out []string
	for _, c := range cs {
		s := c.Name + "+"
		if !c.Active {
			s = c.Name + "-"
		}
		out = append(out, s)
	}
	return out
}

func TestGoodCallWarnsNothing(t *testing.T) {
	clk, r, call := clock.NewFake(), newRecorder(), goodCall()
	w := Start(call, Options{Clock: clk, Events: r.events()})
	defer w.Stop()
	seconds(t, clk, 8)
	if got := r.got(); len(got) != 0 {
		t.Fatalf("warnings on a good call: %v", names(got))
	}
	rep := w.Report()
	if rep.Samples != 8 || rep.Band != quality.BandExcellent || !(rep.MOS > 4.2) {
		t.Fatalf("report: %d samples, band %q, MOS %v", rep.Samples, rep.Band, rep.MOS)
	}
	if r.volumes != 80 {
		t.Fatalf("%d volume events in 8 s, want 80", r.volumes)
	}
	if len(rep.Warnings) != 0 || len(rep.Active) != 0 {
		t.Fatalf("warnings in the report: %v %v", rep.Warnings, rep.Active)
	}
}

func TestHighRTTRaisedAndCleared(t *testing.T) {
	clk, r, call := clock.NewFake(), newRecorder(), goodCall()
	w := Start(call, Options{Clock: clk, Events: r.events()})
	defer w.Stop()
	seconds(t, clk, 2)
	call.set(func(c *fakeCall) { c.st.RoundTripTime = 1.0 })
	seconds(t, clk, 2)
	if got := r.got(); len(got) != 0 {
		t.Fatalf("raised after 2 of 5: %v", names(got))
	}
	seconds(t, clk, 1)
	// A one-way delay past 500 ms also takes the E-model's MOS to 1.
	got := r.got()
	if len(got) != 2 || got[0].Name != quality.HighRTT || !got[0].Active || got[0].Value != 1000 || got[0].Threshold != 400 ||
		got[1].Name != quality.LowMOS || !got[1].Active || got[1].Value != 1 {
		t.Fatalf("after 3 of 5: %+v", got)
	}
	call.set(func(c *fakeCall) { c.st.RoundTripTime = 0.001 })
	seconds(t, clk, 4)
	if len(r.got()) != 2 {
		t.Fatalf("cleared before 5 clean samples: %v", names(r.got()))
	}
	seconds(t, clk, 1)
	if got := names(r.got()); len(got) != 4 || got[2] != "high-rtt-" || got[3] != "low-mos-" {
		t.Fatalf("after 5 clean samples: %v", got)
	}
	if rep := w.Report(); len(rep.Warnings) != 2 || rep.RTTMs.Max != 1000 || len(rep.Active) != 0 {
		t.Fatalf("report: %+v", rep)
	}
}

func TestLossAndLowMOS(t *testing.T) {
	clk, r, call := clock.NewFake(), newRecorder(), goodCall()
	th, err := quality.DefaultThresholds().With(map[string]float64{quality.LowMOS: 4.0})
	if err != nil {
		t.Fatal(err)
	}
	w := Start(call, Options{Clock: clk, Events: r.events(), Thresholds: th})
	defer w.Stop()
	call.set(func(c *fakeCall) { c.packets, c.lost = 40, 10 }) // 20 % each second
	seconds(t, clk, 3)
	got := names(r.got())
	if len(got) != 2 || got[0] != "high-packet-loss+" || got[1] != "low-mos+" {
		t.Fatalf("20%% loss with lowMos 4.0: %v", got)
	}
}

func TestNoAudioReceived(t *testing.T) {
	clk, r, call := clock.NewFake(), newRecorder(), goodCall()
	call.set(func(c *fakeCall) { c.packets, c.energy = 0, 0 }) // the far end sends nothing
	w := Start(call, Options{Clock: clk, Events: r.events()})
	defer w.Stop()
	seconds(t, clk, 3)
	if got := names(r.got()); len(got) != 1 || got[0] != "no-audio-received+" {
		t.Fatalf("no packets: %v", got)
	}
	// Packets, but silence, still counts; on hold it does not.
	call.set(func(c *fakeCall) { c.packets = 50; c.st.Direction = "sendonly" })
	seconds(t, clk, 5)
	if got := names(r.got()); len(got) != 2 || got[1] != "no-audio-received-" {
		t.Fatalf("on hold: %v", got)
	}
}

func TestSpeakingWhileMutedAndDeadMicrophone(t *testing.T) {
	clk, r, call := clock.NewFake(), newRecorder(), goodCall()
	call.set(func(c *fakeCall) { c.muted = true; c.levels.Input = 0.7 })
	w := Start(call, Options{Clock: clk, Events: r.events()})
	defer w.Stop()
	seconds(t, clk, 3)
	if got := names(r.got()); len(got) != 1 || got[0] != "speaking-while-muted+" {
		t.Fatalf("muted and speaking: %v", got)
	}
	// Unmuted, a level that never moves is a dead microphone.
	call.set(func(c *fakeCall) { c.muted = false; c.flat = true })
	seconds(t, clk, 5)
	got := names(r.got())
	if len(got) != 3 || got[1] != "constant-audio-input-level+" || got[2] != "speaking-while-muted-" {
		t.Fatalf("unmuted, constant level: %v", got)
	}
	// A meter that cannot tell (NaN: the AudioContext is suspended) is no
	// dead microphone.
	call.set(func(c *fakeCall) { c.levels.Input = math.NaN() })
	seconds(t, clk, 5)
	if got := names(r.got()); len(got) != 4 || got[3] != "constant-audio-input-level-" {
		t.Fatalf("unmeasured input: %v", got)
	}
}

func TestICELost(t *testing.T) {
	clk, r, call := clock.NewFake(), newRecorder(), goodCall()
	w := Start(call, Options{Clock: clk, Events: r.events()})
	defer w.Stop()
	seconds(t, clk, 1)
	call.set(func(c *fakeCall) { c.st.ICEState = "disconnected"; c.packets = 0 })
	seconds(t, clk, 3)
	got := names(r.got())
	if len(got) != 2 || got[0] != "no-audio-received+" || got[1] != "ice-connectivity-lost+" {
		t.Fatalf("ICE disconnected: %v", got)
	}
}

func TestStopEndsTheWatch(t *testing.T) {
	clk, r, call := clock.NewFake(), newRecorder(), goodCall()
	w := Start(call, Options{Clock: clk, Events: r.events()})
	seconds(t, clk, 1)
	w.Stop()
	if clk.Pending() != 0 {
		t.Fatalf("%d timers left after Stop", clk.Pending())
	}
	clk.Advance(time.Minute)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.volumes != 10 {
		t.Fatalf("%d volume events, want the 10 of the first second", r.volumes)
	}
}
