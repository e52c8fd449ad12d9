package wasmbin

import (
	"bytes"
	"errors"
	"fmt"
)

// Section ids of the WebAssembly 2.0 binary format.
const (
	Custom    = 0
	Type      = 1
	Import    = 2
	Function  = 3
	Table     = 4
	Memory    = 5
	Global    = 6
	Export    = 7
	Start     = 8
	Element   = 9
	Code      = 10
	Data      = 11
	DataCount = 12
)

// Header is the magic number and version every module starts with.
var Header = []byte{0, 'a', 's', 'm', 1, 0, 0, 0}

// Section is one section of a module.
type Section struct {
	ID   byte
	Name string // custom sections only
	// Raw is the whole section as it appears in the module: id, size and
	// payload. Payload is the part after the size (for custom sections it
	// still starts with the name).
	Raw, Payload []byte
	// Offset is where Raw starts in the module.
	Offset int
}

// Sections splits a module into its sections, in order.
func Sections(mod []byte) ([]Section, error) {
	if !bytes.HasPrefix(mod, Header) {
		return nil, errors.New("wasmbin: not a WebAssembly version 1 module")
	}
	var out []Section
	r := NewReader(mod[len(Header):])
	for r.Len() > 0 {
		start := len(Header) + r.Offset()
		id := r.Byte()
		size := r.U32()
		payload := r.Bytes(int(size))
		if r.Err() != nil {
			return nil, fmt.Errorf("wasmbin: section at %d: %w", start, r.Err())
		}
		s := Section{ID: id, Payload: payload, Raw: mod[start : len(Header)+r.Offset()], Offset: start}
		if id == Custom {
			pr := NewReader(payload)
			s.Name = pr.Name()
			if pr.Err() != nil {
				return nil, fmt.Errorf("wasmbin: custom section at %d: %w", start, pr.Err())
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// AppendSection appends a section with the given id and payload.
func AppendSection(dst []byte, id byte, payload []byte) []byte {
	dst = append(dst, id)
	dst = AppendU32(dst, uint32(len(payload)))
	return append(dst, payload...)
}

// AppendU32 appends v as an unsigned LEB128, in the fewest bytes.
func AppendU32(dst []byte, v uint32) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// AppendS32 appends v as a signed LEB128, in the fewest bytes.
func AppendS32(dst []byte, v int32) []byte {
	for {
		b := byte(v & 0x7f)
		v >>= 7 // arithmetic: keeps the sign
		if (v == 0 && b&0x40 == 0) || (v == -1 && b&0x40 != 0) {
			return append(dst, b)
		}
		dst = append(dst, b|0x80)
	}
}
