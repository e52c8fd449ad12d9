package rtmp

import (
	"encoding/binary"
	"fmt"
	"io"
)

// MaxMessageSize is the longest message accepted from a peer. siprtmp's
// audio messages are 161 bytes and its commands a few hundred.
const MaxMessageSize = 1 << 20

const (
	defaultChunkSize = 128
	ourChunkSize     = 4096     // sent with SetChunkSize after connect
	maxChunkSize     = 0xFFFFFF // largest useful value: the longest message the header can describe
	maxPendingBytes  = 4 << 20  // declared length of all unfinished messages together
	maxChunkStreams  = 64       // distinct chunk stream ids a peer may use
	extendedMarker   = 0xFFFFFF // timestamp field value announcing a 4-byte extended timestamp
)

// message is one reassembled RTMP message (RTMP specification §6).
type message struct {
	typ      uint8
	ts       uint32 // absolute timestamp in ms
	streamID uint32 // message stream id
	body     []byte
}

// chunkStream is the receiving state of one chunk stream id: the header
// fields later chunks inherit, and the message being reassembled.
type chunkStream struct {
	started  bool // a type 0 header has been seen
	extended bool // the last header carried an extended timestamp
	typ      uint8
	ts       uint32
	delta    uint32
	length   uint32
	streamID uint32
	buf      []byte // the unfinished message; nil between messages
	spare    []byte // a released body, reused by the next message that fits
}

// chunkReader reassembles messages from the chunk stream (§5.3).
type chunkReader struct {
	r         io.Reader // buffered by the caller
	chunkSize uint32
	streams   map[uint32]*chunkStream
	pending   int          // declared length of every unfinished message
	last      *chunkStream // where the last message read came from
	hdr       [11]byte
}

func newChunkReader(r io.Reader) *chunkReader {
	return &chunkReader{r: r, chunkSize: defaultChunkSize, streams: map[uint32]*chunkStream{}}
}

// setChunkSize applies the peer's SetChunkSize.
func (cr *chunkReader) setChunkSize(n uint32) error {
	if n == 0 || n > 0x7FFFFFFF {
		return fmt.Errorf("%w: chunk size %d", ErrMalformed, n)
	}
	cr.chunkSize = min(n, maxChunkSize)
	return nil
}

// abort discards the unfinished message of a chunk stream (Abort Message).
func (cr *chunkReader) abort(csid uint32) {
	if cs := cr.streams[csid]; cs != nil && cs.buf != nil {
		cr.pending -= int(cs.length)
		cs.buf = nil
	}
}

// readMessage reads chunks until one completes a message.
func (cr *chunkReader) readMessage() (message, error) {
	for {
		m, done, err := cr.readChunk()
		if err != nil || done {
			return m, err
		}
	}
}

func (cr *chunkReader) read(n int) ([]byte, error) {
	_, err := io.ReadFull(cr.r, cr.hdr[:n])
	return cr.hdr[:n], err
}

// readChunk reads one chunk; done reports whether it ended a message.
func (cr *chunkReader) readChunk() (m message, done bool, err error) {
	b, err := cr.read(1)
	if err != nil {
		return m, false, err
	}
	format, csid := b[0]>>6, uint32(b[0]&0x3F)
	switch csid {
	case 0:
		if b, err = cr.read(1); err != nil {
			return m, false, err
		}
		csid = 64 + uint32(b[0])
	case 1:
		if b, err = cr.read(2); err != nil {
			return m, false, err
		}
		csid = 64 + uint32(b[0]) + uint32(b[1])<<8
	}
	cs := cr.streams[csid]
	if cs == nil {
		if len(cr.streams) >= maxChunkStreams {
			return m, false, fmt.Errorf("%w: more than %d chunk streams", ErrMalformed, maxChunkStreams)
		}
		cs = &chunkStream{}
		cr.streams[csid] = cs
	}
	if err := cr.readHeader(cs, format); err != nil {
		return m, false, err
	}
	return cr.readBody(cs)
}

// readHeader reads the message header and extended timestamp of a chunk
// of the given format (§5.3.1.2) into cs.
func (cr *chunkReader) readHeader(cs *chunkStream, format byte) error {
	if format != 0 && !cs.started {
		return fmt.Errorf("%w: type %d chunk on a chunk stream without a type 0 header", ErrMalformed, format)
	}
	if format != 3 && cs.buf != nil {
		return fmt.Errorf("%w: type %d chunk in the middle of a message", ErrMalformed, format)
	}
	sizes := [3]int{11, 7, 3}
	var field uint32
	if format < 3 {
		b, err := cr.read(sizes[format])
		if err != nil {
			return err
		}
		field = uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
		if format < 2 {
			cs.length = uint32(b[3])<<16 | uint32(b[4])<<8 | uint32(b[5])
			cs.typ = b[6]
		}
		if format == 0 {
			// The message stream id is the one little-endian field of RTMP.
			cs.streamID = binary.LittleEndian.Uint32(b[7:11])
		}
		cs.extended = field == extendedMarker
	}
	if cs.extended {
		b, err := cr.read(4)
		if err != nil {
			return err
		}
		field = binary.BigEndian.Uint32(b)
	}
	if cs.buf != nil { // a continuation: the header fields were inherited
		return nil
	}
	switch format {
	case 0:
		// A type 3 chunk starting a message after a type 0 one reuses the
		// type 0 timestamp field as its delta (as ffmpeg reads it).
		cs.started, cs.ts, cs.delta = true, field, field
	case 1, 2:
		cs.ts, cs.delta = cs.ts+field, field
	case 3:
		cs.ts += cs.delta
	}
	if cs.length > MaxMessageSize {
		return fmt.Errorf("%w: %d-byte message", ErrTooLarge, cs.length)
	}
	if cr.pending+int(cs.length) > maxPendingBytes {
		return fmt.Errorf("%w: %d bytes of unfinished messages", ErrTooLarge, cr.pending+int(cs.length))
	}
	cr.pending += int(cs.length)
	// A released body is reused when it fits. Otherwise the buffer grows
	// as data arrives, doubling: a header alone, which may announce
	// 1 MiB, costs no more than twice the bytes actually sent.
	if cap(cs.spare) >= int(cs.length) {
		cs.buf, cs.spare = cs.spare[:0], nil
	} else {
		cs.buf = make([]byte, 0, min(cs.length, readStep))
	}
	return nil
}

// readStep is the most the reader allocates ahead of the bytes it reads.
const readStep = 16 << 10

// readBody reads the chunk data into the message being assembled.
func (cr *chunkReader) readBody(cs *chunkStream) (message, bool, error) {
	for n := int(min(cs.length-uint32(len(cs.buf)), cr.chunkSize)); n > 0; {
		k := min(n, readStep)
		start := len(cs.buf)
		if start+k > cap(cs.buf) { // double, up to the message length
			nb := make([]byte, start, min(max(2*cap(cs.buf), start+k), int(cs.length)))
			copy(nb, cs.buf)
			cs.buf = nb
		}
		cs.buf = cs.buf[:start+k]
		if _, err := io.ReadFull(cr.r, cs.buf[start:]); err != nil {
			return message{}, false, err
		}
		n -= k
	}
	if uint32(len(cs.buf)) < cs.length {
		return message{}, false, nil
	}
	m := message{typ: cs.typ, ts: cs.ts, streamID: cs.streamID, body: cs.buf}
	cr.pending -= int(cs.length)
	cs.buf, cr.last = nil, cs
	return m, true, nil
}

// maxSpare bounds the body kept for reuse on a chunk stream.
const maxSpare = 4 << 10

// release hands the body of the last message read, m's, back for the
// next message on its chunk stream: the caller (the read loop, the
// reader's only user) is done with it and has read nothing since. Bodies
// handed to another goroutine are never released.
func (cr *chunkReader) release(m message) {
	if cr.last != nil && cap(m.body) <= maxSpare {
		cr.last.spare = m.body[:0]
	}
}

// sentHeader is what the writer last sent on a chunk stream, so the next
// message can use a shorter header.
type sentHeader struct {
	started    bool
	deltaKnown bool // delta is a delta sent in a type 1 or 2 header
	typ        uint8
	ts, delta  uint32
	length     uint32
	streamID   uint32
}

// chunkWriter splits messages into chunks (§5.3). It is not safe for
// concurrent use: the connection serialises writes.
type chunkWriter struct {
	chunkSize uint32
	last      map[uint32]*sentHeader
}

func newChunkWriter() *chunkWriter {
	return &chunkWriter{chunkSize: defaultChunkSize, last: map[uint32]*sentHeader{}}
}

// appendMessage appends m, chunked, on chunk stream csid (2..63).
func (cw *chunkWriter) appendMessage(dst []byte, csid uint32, m message) []byte {
	h := cw.last[csid]
	if h == nil {
		h = &sentHeader{}
		cw.last[csid] = h
	}
	length := uint32(len(m.body))
	delta := m.ts - h.ts
	format := byte(0)
	if h.started && m.streamID == h.streamID && m.ts >= h.ts {
		switch {
		case m.typ != h.typ || length != h.length:
			format = 1
		case !h.deltaKnown || delta != h.delta:
			format = 2
		default:
			format = 3
		}
	}
	field := m.ts
	if format != 0 {
		field = delta
	}
	extended := field >= extendedMarker
	dst = append(dst, format<<6|byte(csid))
	if format < 3 {
		dst = appendUint24(dst, min(field, extendedMarker))
		if format < 2 {
			dst = appendUint24(dst, length)
			dst = append(dst, m.typ)
		}
		if format == 0 {
			dst = binary.LittleEndian.AppendUint32(dst, m.streamID)
		}
	}
	if extended {
		dst = binary.BigEndian.AppendUint32(dst, field)
	}
	*h = sentHeader{started: true, deltaKnown: format != 0, typ: m.typ, ts: m.ts,
		delta: delta, length: length, streamID: m.streamID}
	for body := m.body; ; {
		n := min(uint32(len(body)), cw.chunkSize)
		dst = append(dst, body[:n]...)
		body = body[n:]
		if len(body) == 0 {
			return dst
		}
		dst = append(dst, 3<<6|byte(csid))
		if extended {
			dst = binary.BigEndian.AppendUint32(dst, field)
		}
	}
}

func appendUint24(dst []byte, v uint32) []byte {
	return append(dst, byte(v>>16), byte(v>>8), byte(v))
}
