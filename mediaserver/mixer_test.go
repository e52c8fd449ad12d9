//go:build !js

package mediaserver

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Three legs in a mixer: each hears the other two, not itself.
func TestMixerThree(t *testing.T) {
	s := testServer(t)
	br := newBrowser(t)
	answer, a, err := s.IVR(br.offer(nil))
	if err != nil {
		t.Fatal(err)
	}
	br.setAnswer(answer)
	br.waitConnected()
	pb, pc := newPhone(t), newPhone(t)
	ansB, b, err := s.IVR(pb.sdp(1, ""))
	if err != nil {
		t.Fatal(err)
	}
	ansC, c, err := s.IVR(pc.sdp(1, "8 101", "a=rtpmap:101 telephone-event/8000"))
	if err != nil {
		t.Fatal(err)
	}
	m := s.NewMixer()
	for _, v := range []*IVR{a, b, c} {
		if err := m.Add(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.NewMixer().Add(a); !errors.Is(err, ErrState) {
		t.Fatalf("an IVR in two mixers: %v", err)
	}
	toB, toC := target(t, ansB), target(t, ansC)
	for _, stop := range []func(){
		pump(func(n int) { br.send(0, tonePayload(500, n)) }),
		pump(func(n int) { pb.send(toB, 0, tonePayload(900, n)) }),
		pump(func(n int) { pc.send(toC, 8, alawTone(1300, n)) }),
	} {
		defer stop()
	}
	hearsOnly(t, "A", hear(t, br.rx, 10, 25), []float64{900, 1300}, []float64{500})
	hearsOnly(t, "B", hear(t, phoneRx(pb), 10, 25), []float64{500, 1300}, []float64{900})
	hearsOnly(t, "C", hear(t, phoneRx(pc), 10, 25), []float64{500, 900}, []float64{1300})

	// C closes: it leaves the mixer, A and B hear each other alone
	_ = c.Close()
	hearsOnly(t, "A without C", hear(t, br.rx, 10, 25), []float64{900}, []float64{500, 1300})
	m.Close()
	if err := m.Add(b); !errors.Is(err, ErrClosed) {
		t.Fatalf("Add to a closed mixer: %v", err)
	}
}

// A bridge of two is a mixer of two; a member's Play is mixed into what
// it alone hears; a member removed hears its own Play and silence.
func TestMixerBridge(t *testing.T) {
	s := testServer(t)
	pa, pb := newPhone(t), newPhone(t)
	ansA, a, err := s.IVR(pa.sdp(1, ""))
	if err != nil {
		t.Fatal(err)
	}
	ansB, b, err := s.IVR(pb.sdp(1, ""))
	if err != nil {
		t.Fatal(err)
	}
	m := s.NewMixer()
	defer m.Close()
	if err := m.Add(a); err != nil {
		t.Fatal(err)
	}
	if err := m.Add(b); err != nil {
		t.Fatal(err)
	}
	rxA, rxB := phoneRx(pa), phoneRx(pb)
	toA, toB := target(t, ansA), target(t, ansB)
	defer pump(func(n int) { pa.send(toA, 0, tonePayload(500, n)) })()
	defer pump(func(n int) { pb.send(toB, 0, tonePayload(900, n)) })()
	hearsOnly(t, "A", hear(t, rxA, 10, 25), []float64{900}, []float64{500})
	hearsOnly(t, "B", hear(t, rxB, 10, 25), []float64{500}, []float64{900})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = a.Play(ctx, tonePCM(2000, time.Minute)) }()
	waitFor(t, "A's prompt", func() bool {
		s := hear(t, rxA, 0, 5)
		return tonePower(s, 2000) > 1e5
	})
	hearsOnly(t, "A with its prompt", hear(t, rxA, 0, 25), []float64{900, 2000}, []float64{500})
	hearsOnly(t, "B while A's prompt plays", hear(t, rxB, 0, 25), []float64{500}, []float64{900, 2000})

	m.Remove(a)
	waitFor(t, "A out of the mixer", func() bool {
		s := hear(t, rxA, 0, 5)
		return tonePower(s, 900) < 1e3
	})
	hearsOnly(t, "A removed", hear(t, rxA, 0, 25), []float64{2000}, []float64{500, 900})
}
