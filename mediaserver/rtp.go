//go:build !js

package mediaserver

import (
	"crypto/rand"
	"encoding/binary"
	"time"

	"github.com/pion/rtp"
)

// Packet limits and timing of the audio the package handles: 8 kHz
// clocks (G.711 and telephone-event/8000), 20 ms frames.
const (
	clockRate  = 8000
	frameTicks = 160 // RTP timestamp step of one 20 ms frame
	frameTime  = 20 * time.Millisecond
	maxPacket  = 1500 // larger datagrams are dropped
)

func random32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}

// rewriter makes the packets one leg sends a single RTP stream (RFC
// 3550 §5.1) whatever their sources: its own SSRC, and sequence numbers
// and timestamps that keep the source's steps (gaps, DTMF events that
// share a timestamp) and continue across a change of source, where the
// first packet of the new source gets the marker bit. Not safe for
// concurrent use; each leg guards its own.
type rewriter struct {
	ssrc     uint32
	started  bool
	src      uint32 // SSRC of the current source
	seqDelta uint16
	tsDelta  uint32
	lastSeq  uint16 // highest sequence number sent
	lastTS   uint32 // timestamp of that packet
	lastAt   time.Time
}

func newRewriter() rewriter {
	return rewriter{ssrc: random32(), lastSeq: uint16(random32()), lastTS: random32()}
}

// rewrite turns h, as received from a source, into the next header of
// the stream sent at now. Header extensions, CSRCs and padding are not
// relayed.
func (r *rewriter) rewrite(h *rtp.Header, now time.Time) {
	if !r.started || h.SSRC != r.src {
		next := r.lastTS
		if r.started {
			// continue the timeline by the wall-clock time since the
			// last packet, at least one frame
			next += max(uint32(now.Sub(r.lastAt)/time.Millisecond)*(clockRate/1000), frameTicks)
		}
		r.seqDelta = r.lastSeq + 1 - h.SequenceNumber
		r.tsDelta = next - h.Timestamp
		r.src, r.started = h.SSRC, true
		h.Marker = true
		r.lastSeq = h.SequenceNumber + r.seqDelta - 1 // so the packet counts as newer
	}
	h.SequenceNumber += r.seqDelta
	h.Timestamp += r.tsDelta
	h.SSRC = r.ssrc
	h.Version = 2
	h.Padding, h.Extension, h.Extensions, h.ExtensionProfile, h.CSRC = false, false, nil, 0, nil
	if int16(h.SequenceNumber-r.lastSeq) > 0 {
		r.lastSeq, r.lastTS, r.lastAt = h.SequenceNumber, h.Timestamp, now
	}
}

// isRTCP tells RTCP (payload types 72–76 in the RTP position, RFC 5761
// §4) from RTP in a datagram of at least two bytes.
func isRTCP(b []byte) bool {
	pt := b[1] & 0x7f
	return pt >= 72 && pt <= 76
}
