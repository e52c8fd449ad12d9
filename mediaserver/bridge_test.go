//go:build !js

package mediaserver

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Server.Close ends every session and bridge: their ports can be bound
// again and their goroutines are gone (noLeaks).
func TestServerClose(t *testing.T) {
	s := testServer(t)
	ph, br := newPhone(t), newBrowser(t)
	a1, _, err := s.Echo(ph.sdp(1, ""))
	if err != nil {
		t.Fatal(err)
	}
	a2, _, err := s.Tone(ph.sdp(1, ""), ToneSpec{Freqs: []float64{440}})
	if err != nil {
		t.Fatal(err)
	}
	a3, _, err := s.Echo(br.offer(nil))
	if err != nil {
		t.Fatal(err)
	}
	br.setAnswer(a3)
	br.waitConnected()
	b, err := s.NewBridge()
	if err != nil {
		t.Fatal(err)
	}
	a4, err := b.Offer(WebRTC, []byte(chromeOffer))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, a := range [][]byte{a1, a2, a4} {
		to := target(t, a)
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(to))
		if err != nil {
			t.Fatalf("port %v still bound after Close: %v", to, err)
		}
		_ = c.Close()
	}
	if _, _, err := s.Echo(ph.sdp(2, "")); !errors.Is(err, ErrClosed) {
		t.Errorf("Echo after Close: %v", err)
	}
	if _, err := s.NewBridge(); !errors.Is(err, ErrClosed) {
		t.Errorf("NewBridge after Close: %v", err)
	}
	if _, err := b.Offer(Plain, ph.sdp(2, "")); !errors.Is(err, ErrClosed) {
		t.Errorf("Offer after Close: %v", err)
	}
}

// call is a bridged call between a pion browser and a UDP phone.
type call struct {
	t    *testing.T
	b    *Bridge
	br   *browser
	ph   *phone
	phRx <-chan *rtp.Packet
	to   netip.AddrPort // where the phone sends
	n    int            // next payload number
}

// newCall makes a browser, a phone and a bridge on s between them.
func newCall(t *testing.T, s *Server) *call {
	t.Helper()
	c := &call{t: t, br: newBrowser(t), ph: newPhone(t)}
	c.phRx = phoneRx(c.ph)
	var err error
	if c.b, err = s.NewBridge(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.b.Close() })
	return c
}

// flow checks audio both ways: 10 packets each, payloads unchanged, the
// payload types of each leg, one RTP stream on each side; it returns
// once both directions delivered.
func (c *call) flow(browserPT, phonePT uint8) {
	c.t.Helper()
	base := c.n
	c.n += 1000
	stopB := pump(func(n int) { c.br.send(browserPT, payload(base+n)) })
	stopP := pump(func(n int) { c.ph.send(c.to, phonePT, payload(base+500+n)) })
	defer stopP()
	defer stopB()
	atPhone := recvRange(c.t, c.phRx, base, base+500, 10)
	atBrowser := recvRange(c.t, c.br.rx, base+500, base+1000, 10)
	checkStream(c.t, atPhone)
	checkStream(c.t, atBrowser)
	if atPhone[0].PayloadType != phonePT || atBrowser[0].PayloadType != browserPT {
		c.t.Fatalf("PT %d at the phone, %d at the browser; want %d, %d", atPhone[0].PayloadType, atBrowser[0].PayloadType, phonePT, browserPT)
	}
}

// held sends 10 packets from the side that must not be heard (the
// browser when toPhone, else the phone), waits until the bridge read
// them, and returns their numbers: they must never arrive.
func (c *call) held(toPhone bool, pt uint8) (lo, hi int) {
	c.t.Helper()
	lo, hi = c.n, c.n+10
	c.n += 1000
	if toPhone {
		leg := c.b.rtc.Load()
		rx0 := leg.rx.Load()
		for n := lo; n < hi; n++ {
			c.br.send(pt, payload(n))
		}
		waitFor(c.t, "the browser's packets read", func() bool { return leg.rx.Load() >= rx0+10 })
	} else {
		rx0 := c.b.plain.rx.Load()
		for n := lo; n < hi; n++ {
			c.ph.send(c.to, pt, payload(n))
		}
		waitFor(c.t, "the phone's packets read", func() bool { return c.b.plain.rx.Load() >= rx0+10 })
	}
	return lo, hi
}

// recvRange waits for count packets numbered in [lo, hi); packets of
// lower numbers are earlier traffic and are skipped. Others fail.
func recvRange(t *testing.T, rx <-chan *rtp.Packet, lo, hi, count int) []*rtp.Packet {
	t.Helper()
	var got []*rtp.Packet
	timeout := time.After(wait)
	for len(got) < count {
		select {
		case p := <-rx:
			n := numbered(p.Payload)
			switch {
			case n >= lo && n < hi:
				got = append(got, p)
			case n >= hi || (n < 0 && len(p.Payload) == frameTicks):
				t.Fatalf("unexpected packet %d (PT %d) while waiting for %d-%d", n, p.PayloadType, lo, hi)
			}
		case <-timeout:
			t.Fatalf("%d of %d packets numbered %d-%d", len(got), count, lo, hi)
		}
	}
	return got
}

// notHeard fails if a packet numbered in [lo, hi) is among those
// received so far.
func notHeard(t *testing.T, rx <-chan *rtp.Packet, lo, hi int) {
	t.Helper()
	for {
		select {
		case p := <-rx:
			if n := numbered(p.Payload); n >= lo && n < hi {
				t.Fatalf("packet %d was relayed to a leg on hold", n)
			}
		default:
			return
		}
	}
}

// dtmf sends one RFC 4733 event each way and checks the payload types
// are mapped.
func (c *call) dtmf(browserPT, phonePT uint8) {
	c.t.Helper()
	ev := []byte{7, 0x8a, 3, 0x20} // digit 7, end, volume 10, duration 800
	c.br.send(browserPT, ev)
	c.ph.send(c.to, phonePT, ev)
	for _, side := range []struct {
		rx <-chan *rtp.Packet
		pt uint8
	}{{c.phRx, phonePT}, {c.br.rx, browserPT}} {
		timeout := time.After(wait)
	loop:
		for {
			select {
			case p := <-side.rx:
				if bytes.Equal(p.Payload, ev) {
					if p.PayloadType != side.pt {
						c.t.Fatalf("event relayed with PT %d, want %d", p.PayloadType, side.pt)
					}
					break loop
				}
			case <-timeout:
				c.t.Fatalf("no telephone-event with PT %d", side.pt)
			}
		}
	}
}

func dirOf(t *testing.T, body []byte) direction {
	t.Helper()
	m, err := parseSDP(body)
	if err != nil {
		t.Fatal(err)
	}
	return m.dir
}

func codecsOf(t *testing.T, body []byte) []codec {
	t.Helper()
	m, err := parseSDP(body)
	if err != nil {
		t.Fatal(err)
	}
	return m.codecs
}

func sameCodecs(a []codec, b ...codec) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The browser calls a desk phone: PCMA chosen by the phone,
// telephone-event mapped between 126 and 101, holds from both sides,
// an ICE restart, Close.
func TestBridgeBrowserCallsPhone(t *testing.T) {
	c := newCall(t, testServer(t))

	offer := c.br.offer(nil)
	toPhone, err := c.b.Offer(WebRTC, offer)
	if err != nil {
		t.Fatal(err)
	}
	if got := codecsOf(t, toPhone); !sameCodecs(got, codec{0, namePCMU}, codec{8, namePCMA}, codec{101, nameTE}) ||
		!bytes.Contains(toPhone, []byte("a=ptime:20\r\n")) || dirOf(t, toPhone) != dirSendRecv {
		t.Fatalf("plain offer:\n%s", toPhone)
	}
	c.to = target(t, toPhone)
	if _, err := c.b.Offer(WebRTC, offer); !errors.Is(err, ErrState) {
		t.Fatalf("a second offer while one is pending: %v", err)
	}
	if _, err := c.b.Answer(WebRTC, offer); !errors.Is(err, ErrState) {
		t.Fatalf("an answer from the offering side: %v", err)
	}
	phoneAnswer := c.ph.sdp(1, "8 101", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000")
	toBrowser, err := c.b.Answer(Plain, phoneAnswer)
	if err != nil {
		t.Fatal(err)
	}
	if got := codecsOf(t, toBrowser); !sameCodecs(got, codec{8, namePCMA}, codec{126, nameTE}) || !bytes.Contains(toBrowser, []byte("a=candidate:")) {
		t.Fatalf("WebRTC answer (PCMA, the phone's choice, and telephone-event 126):\n%s", toBrowser)
	}
	c.br.setAnswer(toBrowser)
	c.br.waitConnected()
	c.flow(8, 8)
	c.dtmf(126, 101)

	// the phone holds (sendonly): its music reaches the browser, the
	// browser is not sent to the phone
	reoffer, err := c.b.Offer(Plain, c.ph.sdp(2, "8 101", "a=rtpmap:101 telephone-event/8000", "a=sendonly"))
	if err != nil {
		t.Fatal(err)
	}
	if dirOf(t, reoffer) != dirSendOnly || !sameCodecs(codecsOf(t, reoffer), codec{8, namePCMA}, codec{126, nameTE}) {
		t.Fatalf("WebRTC re-offer:\n%s", reoffer)
	}
	toPhone, err = c.b.Answer(WebRTC, c.br.answer(reoffer))
	if err != nil {
		t.Fatal(err)
	}
	if dirOf(t, toPhone) != dirRecvOnly {
		t.Fatalf("plain answer to a hold: %v", dirOf(t, toPhone))
	}
	lo, hi := c.held(true, 8)
	stop := pump(func(n int) { c.ph.send(c.to, 8, payload(c.n+n)) })
	recvRange(t, c.br.rx, c.n, c.n+1000, 5)
	stop()
	c.n += 1000
	notHeard(t, c.phRx, lo, hi)

	// the phone resumes
	reoffer, err = c.b.Offer(Plain, c.ph.sdp(3, "8 101", "a=rtpmap:101 telephone-event/8000"))
	if err != nil {
		t.Fatal(err)
	}
	if toPhone, err = c.b.Answer(WebRTC, c.br.answer(reoffer)); err != nil {
		t.Fatal(err)
	}
	if dirOf(t, toPhone) != dirSendRecv {
		t.Fatalf("plain answer to a resume: %v", dirOf(t, toPhone))
	}
	c.flow(8, 8)
	notHeard(t, c.phRx, lo, hi)

	// the browser holds (sendonly, as Chromium writes it)
	toPhone, err = c.b.Offer(WebRTC, []byte(withDirection(string(c.br.offer(nil)), dirSendOnly)))
	if err != nil {
		t.Fatal(err)
	}
	if dirOf(t, toPhone) != dirSendOnly || target(t, toPhone) != c.to {
		t.Fatalf("plain re-offer:\n%s", toPhone)
	}
	toBrowser, err = c.b.Answer(Plain, c.ph.sdp(4, "8 101", "a=rtpmap:101 telephone-event/8000", "a=recvonly"))
	if err != nil {
		t.Fatal(err)
	}
	if dirOf(t, toBrowser) != dirRecvOnly || bytes.Contains(toBrowser, []byte("a=msid:")) {
		t.Fatalf("WebRTC answer to a hold:\n%s", toBrowser)
	}
	c.br.setAnswer(toBrowser)
	lo, hi = c.held(false, 8)
	stop = pump(func(n int) { c.br.send(8, payload(c.n+n)) })
	recvRange(t, c.phRx, c.n, c.n+1000, 5)
	stop()
	c.n += 1000
	notHeard(t, c.br.rx, lo, hi)

	// the browser resumes with an ICE restart
	restart := c.br.offer(&webrtc.OfferOptions{ICERestart: true})
	if toPhone, err = c.b.Offer(WebRTC, restart); err != nil {
		t.Fatal(err)
	}
	if dirOf(t, toPhone) != dirSendRecv {
		t.Fatalf("plain re-offer on resume: %v", dirOf(t, toPhone))
	}
	if toBrowser, err = c.b.Answer(Plain, c.ph.sdp(5, "8 101", "a=rtpmap:101 telephone-event/8000")); err != nil {
		t.Fatal(err)
	}
	before, _ := parseSDP([]byte(c.br.pc.CurrentRemoteDescription().SDP))
	after, _ := parseSDP(toBrowser)
	if after.ufrag == before.ufrag || after.dir != dirSendRecv {
		t.Fatalf("answer to an ICE restart: ufrag %q→%q, %v", before.ufrag, after.ufrag, after.dir)
	}
	c.br.setAnswer(toBrowser)
	c.flow(8, 8)
	notHeard(t, c.br.rx, lo, hi)
	c.dtmf(126, 101)

	// a re-offer the other leg refuses leaves the call as it was
	if _, err := c.b.Offer(Plain, c.ph.sdp(6, "8", "a=inactive")); err != nil {
		t.Fatal(err)
	}
	if err := c.b.Cancel(); err != nil {
		t.Fatal(err)
	}
	c.flow(8, 8)
	// a re-offer without the call's codec is refused
	if _, err := c.b.Offer(Plain, c.ph.sdp(7, "0", "a=rtpmap:0 PCMU/8000")); !errors.Is(err, ErrNoCodec) {
		t.Fatalf("re-offer without PCMA: %v", err)
	}

	if err := c.b.Close(); err != nil {
		t.Fatal(err)
	}
	if conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(c.to)); err != nil {
		t.Fatalf("the plain port is still bound after Close: %v", err)
	} else {
		_ = conn.Close()
	}
	if _, err := c.b.Offer(WebRTC, []byte(chromeOffer)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Offer after Close: %v", err)
	}
}

// The gateway calls a browser: the WebRTC offer carries the phone's
// codecs, the plain answer the browser's choice; holds both ways, the
// RFC 2543 c=0.0.0.0 one included.
func TestBridgeGatewayCallsBrowser(t *testing.T) {
	c := newCall(t, testServer(t))

	toBrowser, err := c.b.Offer(Plain, c.ph.sdp(1, ""))
	if err != nil {
		t.Fatal(err)
	}
	if got := codecsOf(t, toBrowser); !sameCodecs(got, codec{0, namePCMU}, codec{8, namePCMA}, codec{101, nameTE}) ||
		!bytes.Contains(toBrowser, []byte("a=candidate:")) || !bytes.Contains(toBrowser, []byte("a=fingerprint:")) {
		t.Fatalf("WebRTC offer:\n%s", toBrowser)
	}
	toPhone, err := c.b.Answer(WebRTC, c.br.answer(toBrowser))
	if err != nil {
		t.Fatal(err)
	}
	if got := codecsOf(t, toPhone); !sameCodecs(got, codec{0, namePCMU}, codec{101, nameTE}) || dirOf(t, toPhone) != dirSendRecv {
		t.Fatalf("plain answer (PCMU, the browser's choice):\n%s", toPhone)
	}
	c.to = target(t, toPhone)
	c.br.waitConnected()
	c.flow(0, 0)
	c.dtmf(101, 101)

	// the browser holds: a re-offer from the side that answered first
	toPhone, err = c.b.Offer(WebRTC, []byte(withDirection(string(c.br.offer(nil)), dirSendOnly)))
	if err != nil {
		t.Fatal(err)
	}
	if dirOf(t, toPhone) != dirSendOnly || !sameCodecs(codecsOf(t, toPhone), codec{0, namePCMU}, codec{101, nameTE}) {
		t.Fatalf("plain re-offer:\n%s", toPhone)
	}
	toBrowser, err = c.b.Answer(Plain, c.ph.sdp(2, "0 101", "a=rtpmap:101 telephone-event/8000", "a=recvonly"))
	if err != nil {
		t.Fatal(err)
	}
	c.br.setAnswer(toBrowser)
	lo, hi := c.held(false, 0)
	stop := pump(func(n int) { c.br.send(0, payload(c.n+n)) })
	recvRange(t, c.phRx, c.n, c.n+1000, 5)
	stop()
	c.n += 1000
	notHeard(t, c.br.rx, lo, hi)

	// the phone holds the old way, c=0.0.0.0 (sendrecv written)
	held := bytes.ReplaceAll(c.ph.sdp(3, "0 101", "a=rtpmap:101 telephone-event/8000"), []byte("c=IN IP4 127.0.0.1"), []byte("c=IN IP4 0.0.0.0"))
	toBrowser, err = c.b.Offer(Plain, held)
	if err != nil {
		t.Fatal(err)
	}
	if dirOf(t, toBrowser) != dirSendOnly {
		t.Fatalf("c=0.0.0.0 must reach the browser as sendonly, got %v", dirOf(t, toBrowser))
	}
	if toPhone, err = c.b.Answer(WebRTC, c.br.answer(toBrowser)); err != nil {
		t.Fatal(err)
	}
	if dirOf(t, toPhone) != dirRecvOnly {
		t.Fatalf("plain answer: %v", dirOf(t, toPhone))
	}
	lo, hi = c.held(true, 0)
	notHeard(t, c.phRx, lo, hi)

	// the phone resumes: audio both ways again
	toBrowser, err = c.b.Offer(Plain, c.ph.sdp(4, "0 8 101", "a=rtpmap:101 telephone-event/8000"))
	if err != nil {
		t.Fatal(err)
	}
	if !sameCodecs(codecsOf(t, toBrowser), codec{0, namePCMU}, codec{101, nameTE}) {
		t.Fatalf("re-offers carry the call's codec only:\n%s", toBrowser)
	}
	if _, err = c.b.Answer(WebRTC, c.br.answer(toBrowser)); err != nil {
		t.Fatal(err)
	}
	c.flow(0, 0)
	notHeard(t, c.phRx, lo, hi)
}

func TestBridgeBadInput(t *testing.T) {
	s := testServer(t)
	ph := newPhone(t)
	b, err := s.NewBridge()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Offer(WebRTC, ph.sdp(1, "")); !errors.Is(err, ErrBadSDP) {
		t.Errorf("plain SDP from the WebRTC side: %v", err)
	}
	if _, err := b.Offer(Plain, []byte(chromeOffer)); !errors.Is(err, ErrBadSDP) {
		t.Errorf("WebRTC SDP from the plain side: %v", err)
	}
	if _, err := b.Answer(Plain, ph.sdp(1, "")); !errors.Is(err, ErrState) {
		t.Errorf("an answer without an offer: %v", err)
	}
	if err := b.Cancel(); !errors.Is(err, ErrState) {
		t.Errorf("Cancel without an offer: %v", err)
	}
	if _, err := b.Offer(Side(7), ph.sdp(1, "")); err == nil {
		t.Error("an unknown side")
	}
	if _, err := b.Offer(WebRTC, []byte(strings.Replace(chromeOffer, "111 63 9 0 8 13 110 126", "111 9", 1))); !errors.Is(err, ErrNoCodec) {
		t.Errorf("a browser without G.711: %v", err)
	}
	if _, err := b.Offer(WebRTC, []byte(chromeOffer)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Answer(Plain, ph.sdp(1, "9", "a=rtpmap:9 G722/8000")); !errors.Is(err, ErrNoCodec) {
		t.Errorf("a phone answering G722: %v", err)
	}
	if _, err := b.Answer(Plain, []byte("v=0\r\nx=garbage\r\n")); !errors.Is(err, ErrBadSDP) {
		t.Errorf("a malformed answer: %v", err)
	}
}
