package rtmpgw

import (
	"encoding/binary"
	"net/netip"
)

// learnRun is how many packets in a row a source other than the SDP
// address must send, with one SSRC and consecutive sequence numbers,
// before the call latches to it.
const learnRun = 3

// latch decides which source of RTP a call accepts, so that nobody who
// merely reaches the port can inject audio or RFC 4733 events (which
// would become dtmf callbacks).
//
//   - Nothing is accepted before the peer's SDP is known.
//   - A packet from the SDP address (IP and port) latches the call to
//     that address at once, for good: the SDP address always wins.
//   - Symmetric-RTP learning, for a peer behind a NAT whose packets come
//     from another address than its SDP gives: while nothing is latched,
//     a source latches once it sent learnRun packets in a row with one
//     SSRC and consecutive sequence numbers, carrying a payload type of
//     the call (so one spoofed packet is not enough). The packets before
//     are dropped (40 ms of audio). Learning ends when a source latches,
//     which in practice is with the peer's first packets; a packet from
//     the SDP address may still replace a learnt source later.
//   - After latching, packets from any other source are dropped.
//   - A new SDP with another concrete address (a re-INVITE moving the
//     media) starts over; a hold with c=0.0.0.0 keeps the latch.
//
// Audio we send goes to the latched source when there is one (symmetric
// RTP, RFC 4961), else to the SDP address. Its fields are guarded by
// media.mu.
type latch struct {
	sdp netip.AddrPort // the peer's SDP address
	src netip.AddrPort // the latched source, or invalid

	// The source being learnt and its run so far.
	cand     netip.AddrPort
	candSSRC uint32
	candSeq  uint16
	run      int
}

// setSDP records the address of a new SDP. A concrete address other
// than the previous one starts learning over.
func (l *latch) setSDP(a netip.AddrPort) {
	if a == l.sdp || a.Addr().IsUnspecified() && l.sdp.IsValid() {
		return
	}
	*l = latch{sdp: a}
}

// dest is where audio goes: the latched source, or the SDP address.
func (l *latch) dest() netip.AddrPort {
	if l.src.IsValid() {
		return l.src
	}
	return l.sdp
}

// accept reports whether packet p (a valid RTP header) from src is
// accepted; the call's payload types are PCMU, PCMA and dtmfPT.
func (l *latch) accept(src netip.AddrPort, p []byte, dtmfPT int) bool {
	if !l.sdp.IsValid() {
		return false
	}
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	switch {
	case src == l.sdp:
		l.src = src
		return true
	case l.src.IsValid():
		return src == l.src
	}
	if pt := int(p[1] & 0x7f); pt != ptPCMU && pt != ptPCMA && pt != dtmfPT {
		return false
	}
	seq := binary.BigEndian.Uint16(p[2:])
	ssrc := binary.BigEndian.Uint32(p[8:])
	if src == l.cand && ssrc == l.candSSRC && seq == l.candSeq+1 {
		l.run++
	} else {
		l.cand, l.candSSRC, l.run = src, ssrc, 1
	}
	l.candSeq = seq
	if l.run < learnRun {
		return false
	}
	l.src = src
	return true
}
