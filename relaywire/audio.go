package relaywire

import "encoding/binary"

// Audio frame layout.
const (
	HeaderLen    = 8   // the binary frame's header
	KindAudio    = 1   // its first byte
	PayloadLen   = 160 // 20 ms of 8 kHz G.711
	FrameMillis  = 20  // one frame's duration
	FormatPCMU   = 8   // FLV sound format of G.711 µ-law
	FormatPCMA   = 7   // FLV sound format of G.711 A-law
	flvMono16bit = 2   // the low bits of siprtmp's tag byte
)

// Format is the FLV sound format of a codec name, 0 for an unknown one.
func Format(codec string) byte {
	switch codec {
	case CodecPCMU:
		return FormatPCMU
	case CodecPCMA:
		return FormatPCMA
	}
	return 0
}

// FLVTag is the RTMP audio tag byte siprtmp uses for a sound format:
// the format, then 16-bit mono (0x82 PCMU, 0x72 PCMA).
func FLVTag(format byte) byte { return format<<4 | flvMono16bit }

// FLVFormat is the sound format of an RTMP audio tag byte.
func FLVFormat(tag byte) byte { return tag >> 4 }

// PutHeader writes the header of a binary audio frame into
// h[:HeaderLen].
func PutHeader(h []byte, format byte, seq uint16, ts uint32) {
	h[0], h[1] = KindAudio, format
	binary.BigEndian.PutUint16(h[2:], seq)
	binary.BigEndian.PutUint32(h[4:], ts)
}

// ParseAudio reads a binary frame from the browser: its sound format,
// timestamp and payload. It is false unless the frame is of kind audio,
// PCMU or PCMA, and carries a payload.
func ParseAudio(frame []byte) (format byte, ts uint32, payload []byte, ok bool) {
	if len(frame) <= HeaderLen || frame[0] != KindAudio || (frame[1] != FormatPCMU && frame[1] != FormatPCMA) {
		return 0, 0, nil, false
	}
	return frame[1], binary.BigEndian.Uint32(frame[4:]), frame[HeaderLen:], true
}
