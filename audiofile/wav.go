package audiofile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Rate is the sample rate of every []int16 the package returns or takes.
const Rate = 8000

// MaxWAVBytes bounds the bytes ReadWAV reads: 64 MiB, about 12 minutes
// of 44.1 kHz 16-bit stereo or 70 minutes of 8 kHz µ-law.
const MaxWAVBytes = 64 << 20

var (
	// ErrFormat: not a WAV file, or an encoding the package does not
	// decode.
	ErrFormat = errors.New("audiofile: unsupported audio")
	// ErrTooLarge: the file is larger than MaxWAVBytes.
	ErrTooLarge = errors.New("audiofile: audio file too large")
)

// WAVE format tags.
const (
	fmtPCM        = 1
	fmtALaw       = 6
	fmtULaw       = 7
	fmtExtensible = 0xfffe
)

// ReadWAV decodes a WAV file to 8 kHz mono samples. A data chunk whose
// size runs past the end of the file (written by a program streaming to
// a pipe, like espeak-ng --stdout) is read to the end.
func ReadWAV(r io.Reader) ([]int16, error) {
	lr := &io.LimitedReader{R: r, N: MaxWAVBytes + 1}
	var hdr [12]byte
	if _, err := io.ReadFull(lr, hdr[:]); err != nil {
		return nil, fmt.Errorf("%w: not a WAV file (%v)", ErrFormat, err)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%w: not a RIFF/WAVE file", ErrFormat)
	}
	var f wavFormat
	haveFmt := false
	for {
		var ch [8]byte
		if _, err := io.ReadFull(lr, ch[:]); err != nil {
			if lr.N <= 0 {
				return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxWAVBytes)
			}
			return nil, fmt.Errorf("%w: no data chunk", ErrFormat)
		}
		id, size := string(ch[0:4]), int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch id {
		case "fmt ":
			if size < 16 || size > 1024 {
				return nil, fmt.Errorf("%w: fmt chunk of %d bytes", ErrFormat, size)
			}
			b := make([]byte, size+size%2)
			if _, err := io.ReadFull(lr, b); err != nil {
				return nil, fmt.Errorf("%w: short fmt chunk", ErrFormat)
			}
			var err error
			if f, err = parseFormat(b[:size]); err != nil {
				return nil, err
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, fmt.Errorf("%w: data chunk before the fmt chunk", ErrFormat)
			}
			data, err := io.ReadAll(io.LimitReader(lr, size))
			if err != nil {
				return nil, fmt.Errorf("audiofile: reading WAV data: %w", err)
			}
			if lr.N <= 0 {
				return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxWAVBytes)
			}
			return Resample(f.decode(data), f.rate), nil
		default:
			if _, err := io.CopyN(io.Discard, lr, size+size%2); err != nil {
				if lr.N <= 0 {
					return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxWAVBytes)
				}
				return nil, fmt.Errorf("%w: truncated %q chunk", ErrFormat, id)
			}
		}
	}
}

type wavFormat struct {
	tag      int
	channels int
	rate     int
	bits     int
}

func parseFormat(b []byte) (wavFormat, error) {
	f := wavFormat{
		tag:      int(binary.LittleEndian.Uint16(b[0:2])),
		channels: int(binary.LittleEndian.Uint16(b[2:4])),
		rate:     int(binary.LittleEndian.Uint32(b[4:8])),
		bits:     int(binary.LittleEndian.Uint16(b[14:16])),
	}
	if f.tag == fmtExtensible {
		if len(b) < 40 {
			return f, fmt.Errorf("%w: WAVE_FORMAT_EXTENSIBLE without its sub-format", ErrFormat)
		}
		f.tag = int(binary.LittleEndian.Uint16(b[24:26])) // first two bytes of the sub-format GUID
	}
	if f.channels < 1 || f.channels > 8 {
		return f, fmt.Errorf("%w: %d channels (1 to 8)", ErrFormat, f.channels)
	}
	if f.rate < 4000 || f.rate > 192000 {
		return f, fmt.Errorf("%w: sample rate %d Hz (4000 to 192000)", ErrFormat, f.rate)
	}
	switch {
	case f.tag == fmtPCM && (f.bits == 16 || f.bits == 8):
	case (f.tag == fmtULaw || f.tag == fmtALaw) && f.bits == 8:
	default:
		return f, fmt.Errorf("%w: WAV format %d (%s) with %d bits; only PCM 8/16-bit, µ-law and A-law are read",
			ErrFormat, f.tag, tagName(f.tag), f.bits)
	}
	return f, nil
}

func tagName(tag int) string {
	switch tag {
	case fmtPCM:
		return "PCM"
	case 3:
		return "IEEE float"
	case 2, 0x11:
		return "ADPCM"
	case 0x55:
		return "MP3"
	case fmtALaw:
		return "A-law"
	case fmtULaw:
		return "µ-law"
	}
	return "unknown"
}

// decode turns the data chunk into mono samples at f.rate: channels
// averaged, a trailing partial frame dropped.
func (f wavFormat) decode(data []byte) []int16 {
	width := f.bits / 8 * f.channels
	n := len(data) / width
	out := make([]int16, n)
	for i := range n {
		frame := data[i*width : (i+1)*width]
		sum := 0
		for c := range f.channels {
			switch {
			case f.tag == fmtULaw:
				sum += int(ULawDecode(frame[c]))
			case f.tag == fmtALaw:
				sum += int(ALawDecode(frame[c]))
			case f.bits == 8:
				sum += (int(frame[c]) - 128) << 8
			default:
				sum += int(int16(binary.LittleEndian.Uint16(frame[2*c:])))
			}
		}
		out[i] = int16(sum / f.channels)
	}
	return out
}

// WriteWAV writes pcm as an 8 kHz mono 16-bit PCM WAV file.
func WriteWAV(w io.Writer, pcm []int16) error {
	size := 2 * len(pcm)
	if int64(size) > 1<<31 {
		return fmt.Errorf("%w: %d samples", ErrTooLarge, len(pcm))
	}
	b := make([]byte, 44+size)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+size))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], fmtPCM)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], Rate)
	binary.LittleEndian.PutUint32(b[28:], Rate*2)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(size))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(s))
	}
	_, err := w.Write(b)
	return err
}
