//go:build !js

package mediaserver

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// numbered returns n of a payload made by payload(n), or -1.
func numbered(p []byte) int {
	if len(p) != frameTicks {
		return -1
	}
	n := int(binary.BigEndian.Uint32(p))
	if n < 0 || !bytes.Equal(p, payload(n)) {
		return -1
	}
	return n
}

// checkStream fails unless the packets are one RTP stream whose
// timestamps step with its sequence numbers by whole 160-sample frames,
// at least one per sequence number: a sender that fell more than 100 ms behind (a loaded machine)
// skips ahead in time without skipping sequence numbers.
func checkStream(t *testing.T, ps []*rtp.Packet) {
	t.Helper()
	for i := 1; i < len(ps); i++ {
		a, b := ps[i-1], ps[i]
		ds := b.SequenceNumber - a.SequenceNumber
		dt := b.Timestamp - a.Timestamp
		if b.SSRC != a.SSRC || ds == 0 || ds > 10 || dt%frameTicks != 0 || dt < uint32(ds)*frameTicks || dt > 100*frameTicks {
			t.Fatalf("packet %d: ssrc %d→%d seq %d→%d ts %d→%d", i, a.SSRC, b.SSRC, a.SequenceNumber, b.SequenceNumber, a.Timestamp, b.Timestamp)
		}
	}
}

// recvEcho waits for count packets on rx whose payloads are ones sent
// (numbered at least from) and returns them.
func recvEcho(t *testing.T, rx <-chan *rtp.Packet, from, count int) []*rtp.Packet {
	t.Helper()
	var got []*rtp.Packet
	timeout := time.After(wait)
	for len(got) < count {
		select {
		case p := <-rx:
			if n := numbered(p.Payload); n >= from {
				got = append(got, p)
			} else if n < 0 && p.PayloadType != 126 && p.PayloadType != 101 {
				t.Fatalf("received a payload that was not sent: PT %d, %d bytes", p.PayloadType, len(p.Payload))
			}
		case <-timeout:
			t.Fatalf("%d of %d packets numbered from %d after %v", len(got), count, from, wait)
		}
	}
	return got
}

func phoneRx(p *phone) <-chan *rtp.Packet {
	c := make(chan *rtp.Packet, 4096)
	go func() {
		defer close(c)
		for pk := range p.rx {
			c <- pk.p
		}
	}()
	return c
}

func TestEchoWebRTC(t *testing.T) {
	s := testServer(t)
	br := newBrowser(t)
	answer, sess, err := s.Echo(br.offer(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	a := string(answer)
	for _, want := range []string{"a=candidate:", "a=rtpmap:0 PCMU/8000", "a=rtpmap:126 telephone-event/8000", "a=sendrecv"} {
		if !strings.Contains(a, want) {
			t.Fatalf("answer lacks %q:\n%s", want, a)
		}
	}
	if strings.Contains(a, "opus") || strings.Contains(a, "G722") {
		t.Fatalf("the echo takes G.711 only:\n%s", a)
	}
	br.setAnswer(answer)
	br.waitConnected()
	var count int
	stop := pump(func(n int) {
		count = n
		br.send(0, payload(n))
	})
	got := recvEcho(t, br.rx, 0, 20)
	checkStream(t, got)
	if got[0].PayloadType != 0 {
		t.Fatalf("echoed PT %d", got[0].PayloadType)
	}
	stop()

	// telephone-event comes back with its payload type
	ev := []byte{5, 0x0a, 0, 160}
	br.send(126, ev)
	timeout := time.After(wait)
	for got := false; !got; {
		select {
		case p := <-br.rx:
			if got = p.PayloadType == 126; got && !bytes.Equal(p.Payload, ev) {
				t.Fatalf("event payload %x", p.Payload)
			}
		case <-timeout:
			t.Fatal("no telephone-event echoed")
		}
	}

	// an ICE restart through Update keeps the echo going
	before, _ := parseSDP(answer)
	last := count
	stop = pump(func(n int) { br.send(0, payload(last+1+n)) })
	defer stop()
	answer, err = sess.Update(br.offer(&webrtc.OfferOptions{ICERestart: true}))
	if err != nil {
		t.Fatal(err)
	}
	after, _ := parseSDP(answer)
	if after.ufrag == before.ufrag {
		t.Fatal("the answer to an ICE restart must have new ICE credentials")
	}
	br.setAnswer(answer)
	recvEcho(t, br.rx, last+50, 10)
}

func TestEchoPlain(t *testing.T) {
	s := testServer(t)
	ph := newPhone(t)
	answer, sess, err := s.Echo(ph.sdp(1, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	m, err := parseSDP(answer)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.codecs) != 3 || m.dir != dirSendRecv || !m.addr.IsLoopback() {
		t.Fatalf("answer:\n%s", answer)
	}
	to := target(t, answer)
	rx := phoneRx(ph)
	stop := pump(func(n int) { ph.send(to, 8, payload(n)) })
	got := recvEcho(t, rx, 0, 20)
	stop()
	checkStream(t, got)
	if got[0].PayloadType != 8 || got[0].SSRC == ph.ssrc {
		t.Fatalf("echo PT %d SSRC %d (own stream expected)", got[0].PayloadType, got[0].SSRC)
	}

	// hold: the echo stops; resume: it goes on, and nothing sent during
	// the hold comes back (packets are handled in order)
	if answer, err = sess.Update(ph.sdp(2, "", "a=sendonly")); err != nil {
		t.Fatal(err)
	}
	if m, _ := parseSDP(answer); m.dir != dirRecvOnly {
		t.Fatalf("answer to sendonly: %v", m.dir)
	}
	rx0 := sess.(*session).plain.rx.Load()
	for n := 1000; n < 1010; n++ {
		ph.send(to, 8, payload(n))
	}
	waitFor(t, "the held packets read", func() bool { return sess.(*session).plain.rx.Load() == rx0+10 })
	if answer, err = sess.Update(ph.sdp(3, "")); err != nil {
		t.Fatal(err)
	}
	if target(t, answer) != to {
		t.Fatal("the session keeps its port")
	}
	stop = pump(func(n int) { ph.send(to, 8, payload(2000+n)) })
	defer stop()
	if p := recvEcho(t, rx, 1000, 1)[0]; numbered(p.Payload) < 2000 {
		t.Fatalf("packet %d sent during the hold was echoed", numbered(p.Payload))
	}
}

// The plain leg sends where packets come from (symmetric RTP) and then
// ignores other sources.
func TestPlainLatching(t *testing.T) {
	s := testServer(t)
	ph := newPhone(t) // the address in the SDP
	answer, sess, err := s.Echo(ph.sdp(1, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	to := target(t, answer)
	real, other := newPhone(t), newPhone(t)
	rx := phoneRx(real)
	ph.sendFrom(real.conn, to, 0, payload(1))
	if p := recvEcho(t, rx, 1, 1)[0]; numbered(p.Payload) != 1 {
		t.Fatal("echo of packet 1")
	}
	ph.sendFrom(other.conn, to, 0, payload(2)) // not the latched source: dropped
	ph.sendFrom(real.conn, to, 0, payload(3))
	if p := recvEcho(t, rx, 2, 1)[0]; numbered(p.Payload) != 3 {
		t.Fatalf("packet %d from another source was relayed", numbered(p.Payload))
	}
	select {
	case p := <-other.rx:
		t.Fatalf("the other source got %v", p.p.Header)
	case p := <-ph.rx:
		t.Fatalf("the SDP address got %v after latching", p.p.Header)
	default:
	}
}

func tonePower(samples []float64, f float64) float64 {
	return goertzel(samples, f) / float64(len(samples))
}

func checkTone(t *testing.T, samples []float64, freqs []float64) {
	t.Helper()
	var weakest float64
	for i, f := range freqs {
		if p := tonePower(samples, f); i == 0 || p < weakest {
			weakest = p
		}
	}
	for _, f := range []float64{200, 600, 1400, 2500} {
		if p := tonePower(samples, f); p*100 > weakest {
			t.Fatalf("power at %v Hz is %.3g, the tone's weakest %.3g", f, p, weakest)
		}
	}
}

func TestTonePlain(t *testing.T) {
	s := testServer(t)
	ph := newPhone(t)
	// PCMA first: the tone uses the offer's first G.711 codec
	offer := ph.sdp(1, "8 0 101", "a=rtpmap:101 telephone-event/8000")
	answer, sess, err := s.Tone(offer, ToneSpec{Freqs: []float64{350, 440}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	if m, _ := parseSDP(answer); len(m.codecs) != 1 || m.codecs[0].name != namePCMA {
		t.Fatalf("answer:\n%s", answer)
	}
	rx := phoneRx(ph) // nothing sent by the phone: the tone goes to the SDP address
	var got []*rtp.Packet
	timeout := time.After(wait)
	for len(got) < 25 {
		select {
		case p := <-rx:
			got = append(got, p)
		case <-timeout:
			t.Fatalf("%d tone packets", len(got))
		}
	}
	checkStream(t, got)
	if !got[0].Marker || got[1].Marker {
		t.Fatal("marker on the first packet only")
	}
	var samples []float64
	for _, p := range got {
		if p.PayloadType != 8 || len(p.Payload) != frameTicks {
			t.Fatalf("PT %d, %d bytes", p.PayloadType, len(p.Payload))
		}
		samples = append(samples, decode(p.Payload, true)...)
	}
	checkTone(t, samples, []float64{350, 440})
	// level: two tones of -13 dBm0 each, RMS about 22400/√2·10^(-13/20)·√2
	var sum float64
	for _, v := range samples {
		sum += v * v
	}
	if rms := math.Sqrt(sum / float64(len(samples))); rms < 4000 || rms > 6500 {
		t.Fatalf("RMS %.0f", rms)
	}
}

func TestToneWebRTC(t *testing.T) {
	s := testServer(t)
	br := newBrowser(t)
	answer, sess, err := s.Tone(br.offer(nil), ToneSpec{Freqs: []float64{1000}, OnMs: 200, OffMs: 200, Level: -10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	if m, _ := parseSDP(answer); len(m.codecs) != 1 || m.codecs[0].name != namePCMU {
		t.Fatalf("answer with PCMU only expected:\n%s", answer)
	}
	br.setAnswer(answer)
	// on and off runs of exactly 10 frames after the first (cut) run
	var runs []int
	var run []float64
	on := false
	var prev *rtp.Packet
	timeout := time.After(wait)
	for len(runs) < 4 {
		select {
		case p := <-br.rx:
			if p.PayloadType != 0 {
				t.Fatalf("PT %d", p.PayloadType)
			}
			if prev != nil {
				checkStream(t, []*rtp.Packet{prev, p})
			}
			prev = p
			silent := bytes.Count(p.Payload, []byte{0xff}) == len(p.Payload)
			if !silent != on {
				if on {
					checkTone(t, run, []float64{1000})
				}
				if len(run) > 0 {
					runs = append(runs, len(run)/frameTicks)
				}
				run, on = nil, !silent
			}
			run = append(run, decode(p.Payload, false)...)
		case <-timeout:
			t.Fatalf("runs %v", runs)
		}
	}
	for _, r := range runs[1:] {
		if r != 10 {
			t.Fatalf("runs of %v frames, want 10 (200 ms)", runs)
		}
	}
}

func TestBadInput(t *testing.T) {
	s := testServer(t)
	ph := newPhone(t)
	for _, c := range []struct {
		name string
		sdp  []byte
		want error
	}{
		{"garbage", []byte("v=0\r\nnonsense"), ErrBadSDP},
		{"no audio", bytes.Replace(ph.sdp(1, ""), []byte("m=audio"), []byte("m=video"), 1), ErrNoAudio},
		{"G722 only", ph.sdp(1, "9", "a=rtpmap:9 G722/8000"), ErrNoCodec},
		{"opus only WebRTC", []byte(strings.Replace(chromeOffer, "111 63 9 0 8 13 110 126", "111", 1)), ErrNoCodec},
	} {
		if _, sess, err := s.Echo(c.sdp); !errors.Is(err, c.want) || sess != nil {
			t.Errorf("Echo %s: %v, want %v", c.name, err, c.want)
		}
		if _, _, err := s.Tone(c.sdp, ToneSpec{Freqs: []float64{440}}); !errors.Is(err, c.want) {
			t.Errorf("Tone %s: %v, want %v", c.name, err, c.want)
		}
	}
	for _, spec := range []ToneSpec{{}, {Freqs: []float64{4000}}, {Freqs: []float64{440}, OffMs: 100},
		{Freqs: []float64{440}, Level: 3}, {Freqs: []float64{1, 2, 3, 4, 5}}, {Freqs: []float64{440}, OnMs: -1}} {
		if _, _, err := s.Tone(ph.sdp(1, ""), spec); !errors.Is(err, ErrBadTone) {
			t.Errorf("Tone %+v: %v", spec, err)
		}
	}
	_, sess, err := s.Echo(ph.sdp(1, ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Update([]byte(chromeOffer)); !errors.Is(err, ErrBadSDP) {
		t.Errorf("WebRTC re-offer to a plain session: %v", err)
	}
	if _, err := sess.Update(ph.sdp(2, "9", "a=rtpmap:9 G722/8000")); !errors.Is(err, ErrNoCodec) {
		t.Errorf("re-offer without G.711: %v", err)
	}
	_ = sess.Close()
	if _, err := sess.Update(ph.sdp(3, "")); !errors.Is(err, ErrClosed) {
		t.Errorf("Update after Close: %v", err)
	}
	if _, err := New(Config{IPs: []string{"0.0.0.0"}}); err == nil {
		t.Error("the unspecified address is refused")
	}
	if _, err := New(Config{PortMin: 100}); err == nil {
		t.Error("half a port range is refused")
	}
}
