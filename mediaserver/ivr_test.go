//go:build !js

package mediaserver

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/kazoo-softphone/kazoo/audiofile"
)

// tonePCM is d of a sine at f Hz, amplitude 8000, at 8 kHz.
func tonePCM(f float64, d time.Duration) []int16 {
	out := make([]int16, int(d.Seconds()*clockRate))
	for i := range out {
		out[i] = int16(8000 * math.Sin(2*math.Pi*f*float64(i)/clockRate))
	}
	return out
}

// tonePayload is frame n of a continuous sine at f Hz in PCMU.
func tonePayload(f float64, n int) []byte {
	b := make([]byte, frameTicks)
	for i := range b {
		b[i] = audiofile.ULawEncode(int16(8000 * math.Sin(2*math.Pi*f*float64(n*frameTicks+i)/clockRate)))
	}
	return b
}

func rmsOf(s []float64) float64 {
	var sum float64
	for _, v := range s {
		sum += v * v
	}
	return math.Sqrt(sum / float64(max(1, len(s))))
}

// loud is the RMS above which a frame counts as sound, not silence.
const loud = 300

// hear reads audio frames (PT 0 or 8) from rx: it waits for a loud
// frame, drops skip more, then returns the next n frames decoded.
func hear(t *testing.T, rx <-chan *rtp.Packet, skip, n int) []float64 {
	t.Helper()
	var out []float64
	started := false
	timeout := time.After(wait)
	for n > 0 {
		select {
		case p := <-rx:
			if p.PayloadType != 0 && p.PayloadType != 8 {
				continue
			}
			f := decode(p.Payload, p.PayloadType == 8)
			switch {
			case !started:
				started = rmsOf(f) > loud
			case skip > 0:
				skip--
			default:
				out = append(out, f...)
				n--
			}
		case <-timeout:
			t.Fatalf("no sound heard (started %v, %d frames to go)", started, n)
		}
	}
	return out
}

// hearsOnly fails unless samples have the power of each of want and
// nearly none of each of not.
func hearsOnly(t *testing.T, who string, samples []float64, want, not []float64) {
	t.Helper()
	weakest := math.Inf(1)
	for _, f := range want {
		weakest = min(weakest, tonePower(samples, f))
	}
	for _, f := range not {
		if p := tonePower(samples, f); p*100 > weakest {
			t.Errorf("%s: %v Hz at power %.3g, the wanted tones' weakest %.3g", who, f, p, weakest)
		}
	}
	if weakest < 1e5 {
		t.Errorf("%s: the wanted tones %v are too weak (%.3g)", who, want, weakest)
	}
}

// checkPrompt reads a played prompt of frames 20 ms frames of f Hz
// from rx, then silence: the number of loud frames and the tone.
func checkPrompt(t *testing.T, rx <-chan *rtp.Packet, f float64, frames int) {
	t.Helper()
	var tone []float64
	var all []*rtp.Packet
	loudFrames, quiet := 0, 0
	timeout := time.After(wait)
	for quiet < 10 {
		select {
		case p := <-rx:
			if p.PayloadType != 0 && p.PayloadType != 8 {
				t.Fatalf("PT %d", p.PayloadType)
			}
			all = append(all, p)
			s := decode(p.Payload, p.PayloadType == 8)
			switch {
			case rmsOf(s) > loud:
				if quiet > 0 && loudFrames > 0 {
					t.Fatalf("sound again after %d silent frames", quiet)
				}
				loudFrames++
				tone = append(tone, s...)
			case loudFrames > 0:
				quiet++
				if rmsOf(s) > 20 {
					t.Fatalf("after the prompt: RMS %.0f, silence expected", rmsOf(s))
				}
			}
		case <-timeout:
			t.Fatalf("%d loud then %d quiet frames", loudFrames, quiet)
		}
	}
	checkStream(t, all)
	if loudFrames < frames-1 || loudFrames > frames+1 {
		t.Errorf("%d loud frames, want %d", loudFrames, frames)
	}
	checkTone(t, tone, []float64{f})
}

func TestIVRPlayWebRTC(t *testing.T) {
	s := testServer(t)
	br := newBrowser(t)
	answer, v, err := s.IVR(br.offer(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Close() })
	for _, want := range []string{"a=candidate:", "a=rtpmap:0 PCMU/8000", "a=rtpmap:126 telephone-event/8000", "a=sendrecv"} {
		if !strings.Contains(string(answer), want) {
			t.Fatalf("answer lacks %q:\n%s", want, answer)
		}
	}
	// the prompt starts with the answer, before the browser connects:
	// it is heard from its start
	played := make(chan error, 1)
	start := time.Now()
	go func() { played <- v.Play(context.Background(), tonePCM(440, 500*time.Millisecond)) }()
	// let 200 ms of frames go nowhere before the browser takes the answer
	seq := func() uint16 {
		v.tick.Lock()
		defer v.tick.Unlock()
		return v.hdr.SequenceNumber
	}
	seq0 := seq()
	waitFor(t, "frames sent before the browser connects", func() bool { return seq()-seq0 >= 10 })
	br.setAnswer(answer)
	checkPrompt(t, br.rx, 440, 25)
	if err := <-played; err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 450*time.Millisecond {
		t.Fatalf("500 ms played in %v: not paced", d)
	}
}

func TestIVRPlainPlayStopRecord(t *testing.T) {
	s := testServer(t)
	ph := newPhone(t)
	answer, v, err := s.IVR(ph.sdp(1, "8 0 101", "a=rtpmap:101 telephone-event/8000"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Close() })
	if m, _ := parseSDP(answer); len(m.codecs) != 2 || m.codecs[0].name != namePCMA || m.codecs[1].name != nameTE {
		t.Fatalf("answer with PCMA and telephone-event expected:\n%s", answer)
	}
	rx := phoneRx(ph)
	if err := v.Play(context.Background(), tonePCM(1000, 300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	checkPrompt(t, rx, 1000, 15)

	// a Play whose context ends returns at once
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- v.Play(ctx, tonePCM(1000, time.Minute)) }()
	hear(t, rx, 0, 1)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Play: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Play went on after its context ended")
	}

	// Record: what the phone says
	to := target(t, answer)
	stop := pump(func(n int) { ph.send(to, 8, alawTone(800, n)) })
	defer stop()
	waitFor(t, "the phone heard", func() bool { return v.Heard() > 0.1 })
	rec, err := v.Record(context.Background(), 400*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec) < 2400 || len(rec) > 3200 {
		t.Fatalf("%d samples in 400 ms", len(rec))
	}
	samples := make([]float64, len(rec))
	for i, x := range rec {
		samples[i] = float64(x)
	}
	checkTone(t, samples, []float64{800})
	if r := rmsOf(samples); r < 4000 || r > 7000 {
		t.Fatalf("recorded RMS %.0f, sent 8000/√2", r)
	}
}

func alawTone(f float64, n int) []byte {
	b := make([]byte, frameTicks)
	for i := range b {
		b[i] = audiofile.ALawEncode(int16(8000 * math.Sin(2*math.Pi*f*float64(n*frameTicks+i)/clockRate)))
	}
	return b
}

// event sends one RFC 4733 event as a browser does: a start packet
// with the marker bit, updates, three end packets, all with the
// event's timestamp.
func event(send func(h rtp.Header, payload []byte), seq *uint16, ts uint32, digit byte) {
	for i := range 6 {
		d := uint16(160 * (i + 1))
		flags := byte(10)
		if i >= 3 {
			flags |= 0x80
			d = 480
		}
		*seq++
		send(rtp.Header{Version: 2, Marker: i == 0, SequenceNumber: *seq, Timestamp: ts}, []byte{digit, flags, byte(d >> 8), byte(d)})
	}
}

func readDigits(t *testing.T, c <-chan rune, n int) string {
	t.Helper()
	var got []rune
	timeout := time.After(wait)
	for len(got) < n {
		select {
		case d := <-c:
			got = append(got, d)
		case <-timeout:
			t.Fatalf("digits %q, %d expected", string(got), n)
		}
	}
	return string(got)
}

func TestIVRDTMF(t *testing.T) {
	s := testServer(t)
	t.Run("WebRTC", func(t *testing.T) {
		br := newBrowser(t)
		answer, v, err := s.IVR(br.offer(nil))
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		br.setAnswer(answer)
		br.waitConnected()
		w, ssrc := br.out.writer()
		send := func(h rtp.Header, p []byte) {
			h.PayloadType, h.SSRC = 126, ssrc
			_, _ = w.WriteRTP(&h, p)
		}
		seq := uint16(1)
		event(send, &seq, 1000, 1)
		event(send, &seq, 2000, 11)
		event(send, &seq, 2000, 11) // retransmitted: the same event
		event(send, &seq, 3000, 5)
		if got := readDigits(t, v.DTMF(), 3); got != "1#5" {
			t.Fatalf("digits %q, want 1#5", got)
		}
		v.InjectDTMF('9')
		v.InjectDTMF('x') // not a digit
		v.InjectDTMF('a')
		if got := readDigits(t, v.DTMF(), 2); got != "9A" {
			t.Fatalf("injected %q", got)
		}
		_ = v.Close()
		if _, ok := <-v.DTMF(); ok {
			t.Fatal("DTMF is closed by Close")
		}
		v.InjectDTMF('1') // after Close: ignored, no panic
	})
	t.Run("plain", func(t *testing.T) {
		ph := newPhone(t)
		answer, v, err := s.IVR(ph.sdp(1, ""))
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		to := target(t, answer)
		send := func(h rtp.Header, p []byte) {
			h.PayloadType, h.SSRC = 101, ph.ssrc
			b, _ := (&rtp.Packet{Header: h, Payload: p}).Marshal()
			_, _ = ph.conn.WriteToUDPAddrPort(b, to)
		}
		seq := uint16(7)
		event(send, &seq, 50, 0)
		event(send, &seq, 50, 0)
		event(send, &seq, 900, 10)
		if got := readDigits(t, v.DTMF(), 2); got != "0*" {
			t.Fatalf("digits %q, want 0*", got)
		}
	})
}

// OfferIVR: the server places a leg; after SetAnswer audio flows both
// ways.
func TestIVROffer(t *testing.T) {
	s := testServer(t)
	t.Run("WebRTC", func(t *testing.T) {
		offer, v, err := s.OfferIVR(true)
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		for _, want := range []string{"a=candidate:", "a=end-of-candidates", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "telephone-event/8000", "a=fingerprint:"} {
			if !strings.Contains(string(offer), want) {
				t.Fatalf("offer lacks %q:\n%s", want, offer)
			}
		}
		if err := v.SetAnswer([]byte("v=0\r\nbad")); !errors.Is(err, ErrBadSDP) {
			t.Fatalf("bad answer: %v", err)
		}
		br := newBrowser(t)
		if err := v.SetAnswer(br.answer(offer)); err != nil {
			t.Fatal(err)
		}
		if err := v.SetAnswer(br.answer(offer)); !errors.Is(err, ErrState) {
			t.Fatalf("a second answer: %v", err)
		}
		br.waitConnected()
		go func() { _ = v.Play(context.Background(), tonePCM(700, 400*time.Millisecond)) }()
		checkPrompt(t, br.rx, 700, 20)
		stop := pump(func(n int) { br.send(0, tonePayload(1200, n)) })
		defer stop()
		waitFor(t, "the browser heard", func() bool { return v.Heard() > 0.1 })
		rec, err := v.Record(context.Background(), 200*time.Millisecond)
		if err != nil || len(rec) < 800 {
			t.Fatalf("%d samples, %v", len(rec), err)
		}
		samples := make([]float64, len(rec))
		for i, x := range rec {
			samples[i] = float64(x)
		}
		checkTone(t, samples, []float64{1200})
	})
	t.Run("plain", func(t *testing.T) {
		offer, v, err := s.OfferIVR(false)
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		m, err := parseSDP(offer)
		if err != nil || m.webrtc || len(m.codecs) != 3 || m.codecs[2].pt != dtmfPT {
			t.Fatalf("plain offer (%v):\n%s", err, offer)
		}
		if err := v.SetAnswer([]byte(chromeOffer)); !errors.Is(err, ErrBadSDP) {
			t.Fatalf("WebRTC answer to a plain offer: %v", err)
		}
		ph := newPhone(t)
		if err := v.SetAnswer(ph.sdp(1, "8 101", "a=rtpmap:101 telephone-event/8000")); err != nil {
			t.Fatal(err)
		}
		rx := phoneRx(ph)
		go func() { _ = v.Play(context.Background(), tonePCM(700, 200*time.Millisecond)) }()
		checkPrompt(t, rx, 700, 10)
		to := target(t, offer)
		stop := pump(func(n int) { ph.send(to, 8, alawTone(1200, n)) })
		defer stop()
		waitFor(t, "the phone heard", func() bool { return v.Heard() > 0.1 })
	})
}

func TestIVRBadInputAndClose(t *testing.T) {
	s := testServer(t)
	ph := newPhone(t)
	if _, v, err := s.IVR(ph.sdp(1, "9", "a=rtpmap:9 G722/8000")); !errors.Is(err, ErrNoCodec) || v != nil {
		t.Fatalf("G722 only: %v", err)
	}
	if _, _, err := s.IVR([]byte("nonsense")); !errors.Is(err, ErrBadSDP) {
		t.Fatalf("garbage: %v", err)
	}
	_, v, err := s.IVR(ph.sdp(1, ""))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetAnswer(ph.sdp(2, "")); !errors.Is(err, ErrState) {
		t.Fatalf("SetAnswer without an offer: %v", err)
	}
	if _, err := v.Update([]byte(chromeOffer)); !errors.Is(err, ErrBadSDP) {
		t.Fatalf("WebRTC re-offer to a plain IVR: %v", err)
	}
	if ans, err := v.Update(ph.sdp(2, "", "a=sendonly")); err != nil || dirOf(t, ans) != dirRecvOnly {
		t.Fatalf("hold: %v", err)
	}
	if _, err := v.Record(context.Background(), 0); err == nil {
		t.Fatal("Record for 0 s")
	}
	played := make(chan error)
	recorded := make(chan error)
	go func() { played <- v.Play(context.Background(), tonePCM(440, time.Minute)) }()
	go func() {
		_, err := v.Record(context.Background(), time.Minute)
		recorded <- err
	}()
	_ = s.Close() // closes the IVR
	for _, c := range []chan error{played, recorded} {
		select {
		case err := <-c:
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("after Close: %v", err)
			}
		case <-time.After(wait):
			t.Fatal("Play or Record went on after Close")
		}
	}
	if err := v.Play(context.Background(), tonePCM(440, time.Second)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Play after Close: %v", err)
	}
	if _, _, err := s.IVR(ph.sdp(1, "")); !errors.Is(err, ErrClosed) {
		t.Fatalf("IVR after the server's Close: %v", err)
	}
	if err := s.NewMixer().Add(v); !errors.Is(err, ErrClosed) {
		t.Fatalf("NewMixer after Close: %v", err)
	}
}

// A plain re-offer that still lists the codec in use keeps it, even
// after another; one without it switches to its first G.711 codec. The
// answer and the frames sent say the same.
func TestIVRReofferCodec(t *testing.T) {
	s := testServer(t)
	ph := newPhone(t)
	_, v, err := s.IVR(ph.sdp(1, "8 0 101", "a=rtpmap:101 telephone-event/8000"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Close() })
	rx := phoneRx(ph)
	for i, c := range []struct {
		formats string
		want    uint8
	}{{"8 0 101", 8}, {"0 8 101", 8}, {"0 101", 0}, {"8 0 101", 0}} {
		answer, err := v.Update(ph.sdp(2+i, c.formats, "a=rtpmap:101 telephone-event/8000"))
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := parseSDP(answer); len(m.codecs) == 0 || m.codecs[0].pt != c.want {
			t.Fatalf("re-offer %q: answer with PT %d expected:\n%s", c.formats, c.want, answer)
		}
		timeout := time.After(wait)
		for seen := 0; seen < 5; {
			select {
			case p := <-rx:
				switch {
				case p.PayloadType == c.want:
					seen++
				case seen > 0:
					t.Fatalf("re-offer %q: PT %d after PT %d", c.formats, p.PayloadType, c.want)
				}
			case <-timeout:
				t.Fatalf("re-offer %q: no frames with PT %d", c.formats, c.want)
			}
		}
	}
}

// Record's recorder: a gap in the timestamps of up to a second is
// silence, a longer one (the far end held) is not recorded, a late or
// repeated packet is dropped, a new SSRC starts afresh, and the limit
// holds.
func TestRecorderGaps(t *testing.T) {
	const recorded = 400 + 5*frameTicks // before the last packet
	r := &recorder{limit: recorded + clockRate + frameTicks/2}
	frame := func(v int16) []int16 {
		f := make([]int16, frameTicks)
		for i := range f {
			f[i] = v
		}
		return f
	}
	r.add(1, 1000, frame(1))
	r.add(1, 1000+frameTicks+400, frame(2))               // 400 ticks lost: silence
	r.add(1, 1000+frameTicks, frame(9))                   // late: dropped
	r.add(1, 1000+2*frameTicks+400, frame(3))             // in sequence
	r.add(1, 1000+3*frameTicks+400+2*clockRate, frame(4)) // 2 s gap: not filled
	r.add(2, 7, frame(5))                                 // a new SSRC
	want := append(frame(1), make([]int16, 400)...)
	for _, v := range []int16{2, 3, 4, 5} {
		want = append(want, frame(v)...)
	}
	if len(want) != recorded || !slices.Equal(r.pcm, want) {
		t.Fatalf("recorded %d samples, want %d", len(r.pcm), len(want))
	}
	r.add(2, 7+frameTicks+clockRate, frame(6)) // a 1 s gap: filled, then the limit
	if len(r.pcm) != r.limit || r.pcm[len(want)+clockRate] != 6 || r.pcm[len(want)] != 0 {
		t.Fatalf("%d samples after a 1 s gap, limit %d", len(r.pcm), r.limit)
	}
}
