package wasmbin

import (
	"errors"
	"fmt"
)

// ErrShort is the error of a read past the end of the input.
var ErrShort = errors.New("unexpected end of input")

// Reader reads the binary format's primitives from a byte slice. The first
// error sticks: later reads return zero values, and Err reports it, so a
// caller may check once after a run of reads.
type Reader struct {
	b   []byte
	off int
	err error
}

// NewReader reads b from its start.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err is the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Offset is the number of bytes consumed.
func (r *Reader) Offset() int { return r.off }

// Len is the number of bytes left.
func (r *Reader) Len() int { return len(r.b) - r.off }

func (r *Reader) fail(err error) {
	if r.err == nil {
		r.err = fmt.Errorf("offset %d: %w", r.off, err)
	}
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.b) {
		r.fail(ErrShort)
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

// Bytes reads the next n bytes; the result aliases the input.
func (r *Reader) Bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > r.Len() {
		r.fail(ErrShort)
		return nil
	}
	b := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}

// Name reads a name: a length, then that many bytes of UTF-8.
func (r *Reader) Name() string { return string(r.Bytes(int(r.U32()))) }

// U32 reads an unsigned LEB128 of at most 32 bits.
func (r *Reader) U32() uint32 {
	v := r.leb(32, false)
	return uint32(v)
}

// U64 reads an unsigned LEB128 of at most 64 bits.
func (r *Reader) U64() uint64 { return uint64(r.leb(64, false)) }

// S32 reads a signed LEB128 of at most 32 bits.
func (r *Reader) S32() int32 { return int32(r.leb(32, true)) }

// S64 reads a signed LEB128 of at most 64 bits.
func (r *Reader) S64() int64 { return r.leb(64, true) }

// leb reads a LEB128 of at most bits bits (at most ceil(bits/7) bytes).
func (r *Reader) leb(bits uint, signed bool) int64 {
	var v uint64
	var shift uint
	for i := uint(0); i < (bits+6)/7; i++ {
		c := r.Byte()
		if r.err != nil {
			return 0
		}
		v |= uint64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if signed && shift < 64 && c&0x40 != 0 {
				v |= ^uint64(0) << shift // sign-extend
			}
			return int64(v)
		}
	}
	r.fail(errors.New("LEB128 integer too long"))
	return 0
}
