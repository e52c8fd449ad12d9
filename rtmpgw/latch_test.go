//go:build !js

package rtmpgw

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"
)

// rtpPeer is a UDP socket that sends RTP to a media session.
type rtpPeer struct {
	t    *testing.T
	conn *net.UDPConn
	to   *net.UDPAddr
	seq  uint16
	ssrc uint32
}

func newRTPPeer(t *testing.T, to netip.AddrPort, ssrc uint32) *rtpPeer {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rtpPeer{t: t, conn: c, to: net.UDPAddrFromAddrPort(to), ssrc: ssrc}
}

func (p *rtpPeer) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (p *rtpPeer) send(pt byte, ts uint32, payload ...byte) {
	p.t.Helper()
	h := make([]byte, 12, 12+len(payload))
	h[0], h[1] = 0x80, pt
	binary.BigEndian.PutUint16(h[2:], p.seq)
	binary.BigEndian.PutUint32(h[4:], ts)
	binary.BigEndian.PutUint32(h[8:], p.ssrc)
	p.seq++
	if _, err := p.conn.WriteToUDP(append(h, payload...), p.to); err != nil {
		p.t.Fatal(err)
	}
}

// audio sends 160 bytes of PCMU filled with fill.
func (p *rtpPeer) audio(fill byte) {
	p.t.Helper()
	p.send(ptPCMU, uint32(p.seq)*frameTicks, frame(fill)[1:]...)
}

// digit sends the end packet of an RFC 4733 event, three times.
func (p *rtpPeer) digit(ev byte) {
	p.t.Helper()
	ts := uint32(p.seq) * frameTicks // the three end packets share it
	for range 3 {
		p.send(ptDTMF, ts, ev, 0x80|dtmfVolume, 0, 160)
	}
}

// latchedMedia is a media session whose peer's SDP gives sdp; it
// reports the fill byte of each audio packet delivered and each tone.
func latchedMedia(t *testing.T, sdp func(local netip.AddrPort) netip.AddrPort) (*media, chan byte, chan byte) {
	t.Helper()
	conn, err := (&portPool{ip: mustAddr("127.0.0.1")}).listen()
	if err != nil {
		t.Fatal(err)
	}
	m := newMedia(conn)
	t.Cleanup(m.close)
	audio, tones := make(chan byte, 64), make(chan byte, 64)
	m.onTone = func(tone byte) { tones <- tone }
	remote := sdp(m.addr)
	m.setRemote(sdpMedia{addr: remote.Addr(), port: int(remote.Port()), dtmfPT: ptDTMF, dir: dirSendRecv})
	go m.readLoop(func(ssrc, ts uint32, data []byte) { audio <- data[1] })
	return m, audio, tones
}

// next returns the next value on ch, failing after a timeout.
func next(t *testing.T, ch chan byte, what string) byte {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(2 * time.Second):
		t.Fatalf("no %s", what)
	}
	return 0
}

// none checks that nothing waits on ch. Packets on one socket are read in
// order, so once a later packet was delivered, earlier ones were handled.
func none(t *testing.T, ch chan byte, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Errorf("unexpected %s %q", what, v)
	default:
	}
}

// After the peer at its SDP address sent, packets from another port
// (audio and RFC 4733 events) are dropped: no audio, no dtmf.
func TestRTPLatchedToSDPAddress(t *testing.T) {
	var peer *rtpPeer
	m, audio, tones := latchedMedia(t, func(local netip.AddrPort) netip.AddrPort {
		peer = newRTPPeer(t, local, 1)
		return peer.addr()
	})
	intruder := newRTPPeer(t, m.addr, 2)
	peer.audio(1)
	if got := next(t, audio, "audio from the peer"); got != 1 {
		t.Fatalf("audio %d, want 1", got)
	}
	for range learnRun + 2 { // more than a learning run, in sequence
		intruder.audio(9)
	}
	intruder.digit(5)
	peer.audio(2)
	if got := next(t, audio, "audio from the peer"); got != 2 {
		t.Fatalf("audio %d after the intruder's packets, want the peer's 2", got)
	}
	peer.digit(7)
	if got := next(t, tones, "tone from the peer"); got != '7' {
		t.Fatalf("tone %q, want the peer's '7' (the intruder's '5' must be dropped)", got)
	}
	none(t, audio, "audio")
	none(t, tones, "tone")
}

// An intruder's RFC 4733 events do not become dtmf callbacks.
func TestRTPLatchDropsIntruderDTMF(t *testing.T) {
	var peer *rtpPeer
	m, audio, tones := latchedMedia(t, func(local netip.AddrPort) netip.AddrPort {
		peer = newRTPPeer(t, local, 1)
		return peer.addr()
	})
	peer.audio(1)
	next(t, audio, "audio from the peer")
	intruder := newRTPPeer(t, m.addr, 2)
	intruder.digit(5)
	peer.digit(7)
	if got := next(t, tones, "tone from the peer"); got != '7' {
		t.Fatalf("tone %q, want the peer's '7'", got)
	}
}

// A peer behind a NAT sends from another address than its SDP gives:
// after a run of packets the call latches to it and sends it our audio;
// then another source is dropped, and the SDP address still wins.
func TestRTPLatchLearnsNATedPeer(t *testing.T) {
	var sdpPeer *rtpPeer
	m, audio, _ := latchedMedia(t, func(local netip.AddrPort) netip.AddrPort {
		sdpPeer = newRTPPeer(t, local, 3)
		return sdpPeer.addr()
	})
	nat := newRTPPeer(t, m.addr, 4)
	for i := range learnRun {
		nat.audio(byte(10 + i))
	}
	if got := next(t, audio, "audio from the NAT'd peer"); got != 10+learnRun-1 {
		t.Fatalf("audio %d, want the first after a run of %d (%d)", got, learnRun, 10+learnRun-1)
	}
	m.sendAudio(frame(42))
	_ = nat.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 1500)
	if n, err := nat.conn.Read(buf); err != nil || n != 172 || buf[12] != 42 {
		t.Fatalf("our audio did not reach the learnt source: %d bytes, %v", n, err)
	}
	intruder := newRTPPeer(t, m.addr, 5)
	for range learnRun + 2 {
		intruder.audio(9)
	}
	nat.audio(20)
	if got := next(t, audio, "audio from the NAT'd peer"); got != 20 {
		t.Fatalf("audio %d after the intruder's packets, want 20", got)
	}
	sdpPeer.audio(30)
	nat.audio(21)
	if got := next(t, audio, "audio from the SDP address"); got != 30 {
		t.Fatalf("audio %d, want the SDP address's 30", got)
	}
	sdpPeer.audio(31)
	if got := next(t, audio, "audio from the SDP address"); got != 31 {
		t.Fatalf("audio %d once latched to the SDP address, want 31 (21 dropped)", got)
	}
}

// A single packet (or a broken run) from an unknown source does not
// latch, nothing is accepted before an SDP, a hold with c=0.0.0.0 keeps
// the latch and a move to another address starts over.
func TestLatchRules(t *testing.T) {
	pkt := func(pt byte, seq uint16, ssrc uint32) []byte {
		p := make([]byte, 12)
		p[0], p[1] = 0x80, pt
		binary.BigEndian.PutUint16(p[2:], seq)
		binary.BigEndian.PutUint32(p[8:], ssrc)
		return p
	}
	a := netip.MustParseAddrPort("192.0.2.1:4000")
	b := netip.MustParseAddrPort("198.51.100.7:30000")
	c := netip.MustParseAddrPort("198.51.100.8:30000")
	var l latch
	if l.accept(a, pkt(0, 1, 1), ptDTMF) {
		t.Error("accepted before any SDP")
	}
	l.setSDP(a)
	// b: a broken run (seq gap, SSRC change, unknown PT, c in between).
	for i, p := range []struct {
		src netip.AddrPort
		pkt []byte
	}{{b, pkt(0, 1, 7)}, {b, pkt(0, 3, 7)}, {b, pkt(0, 4, 8)}, {b, pkt(13, 5, 8)}, {b, pkt(0, 6, 8)}, {c, pkt(0, 1, 9)}} {
		if l.accept(p.src, p.pkt, ptDTMF) {
			t.Fatalf("packet %d latched", i)
		}
	}
	for seq := uint16(8); seq < 8+learnRun-1; seq++ {
		if l.accept(b, pkt(0, seq, 8), ptDTMF) {
			t.Fatalf("latched before a run of %d", learnRun)
		}
	}
	if !l.accept(b, pkt(ptDTMF, 8+learnRun-1, 8), ptDTMF) || l.dest() != b {
		t.Fatalf("a run of %d did not latch: dest %v", learnRun, l.dest())
	}
	l.setSDP(netip.AddrPortFrom(netip.IPv4Unspecified(), 4000)) // hold
	if !l.accept(b, pkt(0, 20, 8), ptDTMF) || l.accept(c, pkt(0, 2, 9), ptDTMF) {
		t.Error("a hold changed the latch")
	}
	l.setSDP(c) // moved
	if l.dest() != c || l.accept(b, pkt(0, 21, 8), ptDTMF) || !l.accept(c, pkt(0, 3, 9), ptDTMF) {
		t.Errorf("a new SDP address did not start over: dest %v", l.dest())
	}
}
