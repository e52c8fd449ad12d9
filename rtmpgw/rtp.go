package rtmpgw

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// FLV audio tag bytes for 8 kHz 16-bit mono G.711 (sound format in the
// high nibble: 8 PCMU, 7 PCMA).
const (
	tagPCMU = 0x82
	tagPCMA = 0x72
)

// maxPayload bounds the audio payload relayed in either direction.
const maxPayload = 1200

// portPool hands out local RTP ports from a range, round robin, skipping
// ports in use. An empty range means ephemeral ports.
type portPool struct {
	ip       netip.Addr
	min, max int

	mu   sync.Mutex
	next int
}

// listen binds a UDP socket for one call's RTP.
func (p *portPool) listen() (*net.UDPConn, error) {
	if p.min == 0 {
		return net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, 0)))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.max - p.min + 1
	for range n {
		if p.next < p.min || p.next > p.max {
			p.next = p.min
		}
		port := p.next
		p.next++
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, uint16(port))))
		if err == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("no free RTP port in %d-%d", p.min, p.max)
}

// media is one call's RTP session: G.711 passed through both ways, and
// RFC 4733 DTMF out. Its send path takes RTMP audio messages; its read
// loop hands G.711 packets to deliver.
type media struct {
	conn *net.UDPConn
	addr netip.AddrPort // local

	mu      sync.Mutex // send side, and the latch
	latch   latch      // which source is accepted, where audio goes
	dtmfPT  int
	mute    bool // the peer does not want our audio (it sent sendonly/inactive)
	seq     uint16
	ts      uint32
	ssrc    uint32
	started bool
	buf     [12 + maxPayload]byte

	sent, received atomic.Uint64

	// onTone receives the tones of incoming RFC 4733 events; set before
	// readLoop starts. lastEnd is readLoop's.
	onTone  func(byte)
	lastEnd struct {
		valid bool
		ts    uint32
	}
	dtmf   chan byte
	closed chan struct{}
	once   sync.Once
}

// deliverFunc receives one incoming G.711 packet: data is the FLV tag
// byte then the payload, valid only during the call.
type deliverFunc func(ssrc, ts uint32, data []byte)

func newMedia(conn *net.UDPConn) *media {
	var r [10]byte
	_, _ = rand.Read(r[:])
	m := &media{
		conn:   conn,
		addr:   conn.LocalAddr().(*net.UDPAddr).AddrPort(),
		dtmfPT: noDTMF,
		seq:    binary.BigEndian.Uint16(r[0:]),
		ts:     binary.BigEndian.Uint32(r[2:]),
		ssrc:   binary.BigEndian.Uint32(r[6:]),
		dtmf:   make(chan byte, 16),
		closed: make(chan struct{}),
	}
	go m.dtmfLoop()
	return m
}

// setRemote points the session at the peer's address, payload type for
// DTMF and direction.
func (m *media) setRemote(sd sdpMedia) {
	m.mu.Lock()
	m.latch.setSDP(netip.AddrPortFrom(sd.addr, uint16(sd.port)))
	m.dtmfPT = sd.dtmfPT
	m.mute = sd.dir == dirSendOnly || sd.dir == dirInactive || sd.addr.IsUnspecified()
	m.mu.Unlock()
}

// close stops the read loop and DTMF; idempotent.
func (m *media) close() {
	m.once.Do(func() {
		close(m.closed)
		_ = m.conn.Close()
	})
}

// sendAudio sends one RTMP audio message (tag byte + 20 ms of G.711) as
// an RTP packet: PT from the tag, sequence +1, timestamp +160.
func (m *media) sendAudio(data []byte) {
	if len(data) < 2 || len(data)-1 > maxPayload {
		return
	}
	var pt byte
	switch data[0] >> 4 {
	case 8:
		pt = ptPCMU
	case 7:
		pt = ptPCMA
	default:
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.latch.dest().IsValid() || m.mute {
		return
	}
	if !m.started {
		pt |= 0x80 // marker: first packet of the stream
		m.started = true
	}
	n := 12 + copy(m.buf[12:], data[1:])
	m.header(pt, m.ts)
	m.ts += frameTicks
	m.write(n)
}

// header writes an RTP header into buf and advances the sequence number.
func (m *media) header(mpt byte, ts uint32) {
	m.buf[0] = 0x80
	m.buf[1] = mpt
	binary.BigEndian.PutUint16(m.buf[2:], m.seq)
	binary.BigEndian.PutUint32(m.buf[4:], ts)
	binary.BigEndian.PutUint32(m.buf[8:], m.ssrc)
	m.seq++
}

func (m *media) write(n int) {
	if _, err := m.conn.WriteToUDPAddrPort(m.buf[:n], m.latch.dest()); err == nil {
		m.sent.Add(1)
	}
}

// dtmfEvent maps a DTMF character to its RFC 4733 event code.
func dtmfEvent(d byte) (byte, bool) {
	switch {
	case d >= '0' && d <= '9':
		return d - '0', true
	case d == '*':
		return 10, true
	case d == '#':
		return 11, true
	case d >= 'A' && d <= 'D':
		return 12 + d - 'A', true
	case d >= 'a' && d <= 'd':
		return 12 + d - 'a', true
	}
	return 0, false
}

var errNoDTMF = errors.New("the peer did not negotiate telephone-event")

// queueDTMF schedules one digit; events are sent one after another.
func (m *media) queueDTMF(d byte) error {
	ev, ok := dtmfEvent(d)
	if !ok {
		return fmt.Errorf("%q is not a DTMF digit", d)
	}
	m.mu.Lock()
	pt := m.dtmfPT
	m.mu.Unlock()
	if pt == noDTMF {
		return errNoDTMF
	}
	select {
	case m.dtmf <- ev:
		return nil
	default:
		return errors.New("too many DTMF digits queued")
	}
}

// DTMF timing: 5 packets 20 ms apart (100 ms of tone), then the end
// packet three times (RFC 4733 §2.5.1.4), all with the event's start
// timestamp.
const (
	dtmfSteps   = 5
	dtmfEnds    = 3
	dtmfVolume  = 10
	dtmfSpacing = 20 * time.Millisecond
)

func (m *media) dtmfLoop() {
	for {
		select {
		case ev := <-m.dtmf:
			m.sendEvent(ev)
		case <-m.closed:
			return
		}
	}
}

// sendEvent sends one RFC 4733 event.
func (m *media) sendEvent(ev byte) {
	m.mu.Lock()
	start := m.ts
	m.mu.Unlock()
	t := time.NewTicker(dtmfSpacing)
	defer t.Stop()
	for i := 1; i <= dtmfSteps+dtmfEnds; i++ {
		end := i > dtmfSteps
		dur := uint16(min(i, dtmfSteps) * frameTicks)
		m.mu.Lock()
		if m.latch.dest().IsValid() && m.dtmfPT != noDTMF {
			mpt := byte(m.dtmfPT)
			if i == 1 {
				mpt |= 0x80
			}
			m.header(mpt, start)
			flags := byte(dtmfVolume)
			if end {
				flags |= 0x80
			}
			m.buf[12], m.buf[13] = ev, flags
			binary.BigEndian.PutUint16(m.buf[14:], dur)
			m.write(16)
		}
		m.mu.Unlock()
		if i < dtmfSteps+1 {
			select {
			case <-t.C:
			case <-m.closed:
				return
			}
		}
	}
}

// readLoop hands incoming PCMU and PCMA packets to deliver, and
// telephone-event tones to onTone, until the session is closed. Packets
// from a source the latch refuses, other payload types (comfort noise…)
// and malformed packets are dropped. It allocates nothing per packet:
// the tag byte overwrites the header's last byte.
func (m *media) readLoop(deliver deliverFunc) {
	buf := make([]byte, 1500)
	for {
		n, src, err := m.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			select {
			case <-m.closed:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		m.packet(src, buf[:n], deliver)
	}
}

// packet handles one datagram from src; p may be overwritten.
func (m *media) packet(src netip.AddrPort, p []byte, deliver deliverFunc) {
	off, ok := rtpPayload(p)
	if !ok {
		return
	}
	dtmfPT, ok := m.admit(src, p)
	if !ok {
		return
	}
	var tag byte
	switch pt := int(p[1] & 0x7f); pt {
	case ptPCMU:
		tag = tagPCMU
	case ptPCMA:
		tag = tagPCMA
	default:
		if pt == dtmfPT {
			m.readEvent(p, off)
		}
		return
	}
	ts := binary.BigEndian.Uint32(p[4:])
	ssrc := binary.BigEndian.Uint32(p[8:])
	end := len(p)
	if p[0]&0x20 != 0 { // padding
		end -= int(p[len(p)-1])
	}
	if end-off < 1 || end-off > maxPayload {
		return
	}
	m.received.Add(1)
	p[off-1] = tag
	deliver(ssrc, ts, p[off-1:end])
}

// admit asks the latch whether packet p from src is accepted, and
// returns the call's telephone-event payload type.
func (m *media) admit(src netip.AddrPort, p []byte) (dtmfPT int, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dtmfPT, m.latch.accept(src, p, m.dtmfPT)
}

// readEvent reports an RFC 4733 event once, at its first end packet (the
// end is sent three times with the event's timestamp); events that are
// not tones (flash, tones above D) are ignored.
func (m *media) readEvent(p []byte, off int) {
	if len(p)-off < 4 || p[off+1]&0x80 == 0 || m.onTone == nil {
		return
	}
	ts := binary.BigEndian.Uint32(p[4:])
	if m.lastEnd.valid && m.lastEnd.ts == ts {
		return
	}
	m.lastEnd.valid, m.lastEnd.ts = true, ts
	if ev := p[off]; ev < byte(len(dtmfTones)) {
		m.onTone(dtmfTones[ev])
	}
}

// dtmfTones are the tones of RFC 4733 events 0-15.
const dtmfTones = "0123456789*#ABCD"

// rtpPayload checks an RTP packet's header and returns where its payload
// starts.
func rtpPayload(p []byte) (int, bool) {
	if len(p) < 12 || p[0]>>6 != 2 {
		return 0, false
	}
	off := 12 + 4*int(p[0]&0x0f)
	if p[0]&0x10 != 0 { // header extension
		if len(p) < off+4 {
			return 0, false
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(p[off+2:]))
	}
	if off >= len(p) {
		return 0, false
	}
	return off, true
}
