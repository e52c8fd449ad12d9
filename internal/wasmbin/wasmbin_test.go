package wasmbin

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

func TestLEB128KnownEncodings(t *testing.T) {
	// Examples from the LEB128 definition: 624485 and -123456.
	if got := AppendU32(nil, 624485); !bytes.Equal(got, []byte{0xe5, 0x8e, 0x26}) {
		t.Errorf("AppendU32(624485) = % x", got)
	}
	if got := AppendS32(nil, -123456); !bytes.Equal(got, []byte{0xc0, 0xbb, 0x78}) {
		t.Errorf("AppendS32(-123456) = % x", got)
	}
	// 64 needs two bytes signed (bit 6 is the sign), one unsigned.
	if got := AppendS32(nil, 64); !bytes.Equal(got, []byte{0xc0, 0x00}) {
		t.Errorf("AppendS32(64) = % x", got)
	}
	if got := AppendU32(nil, 64); !bytes.Equal(got, []byte{0x40}) {
		t.Errorf("AppendU32(64) = % x", got)
	}
	// Padded encodings (Go's linker pads section sizes to 5 bytes) read
	// the same.
	if v := NewReader([]byte{0x85, 0x80, 0x80, 0x80, 0x00}).U32(); v != 5 {
		t.Errorf("padded 5 read as %d", v)
	}
}

func TestLEB128RoundTrip(t *testing.T) {
	u := []uint32{0, 1, 127, 128, 16383, 16384, 1 << 21, 1<<28 - 1, 1 << 28, math.MaxUint32}
	for _, v := range u {
		r := NewReader(AppendU32(nil, v))
		if got := r.U32(); got != v || r.Err() != nil || r.Len() != 0 {
			t.Errorf("U32 %d: got %d, err %v, %d left", v, got, r.Err(), r.Len())
		}
	}
	s := []int32{0, 1, -1, 63, 64, -64, -65, 8191, -8192, math.MaxInt32, math.MinInt32}
	for _, v := range s {
		r := NewReader(AppendS32(nil, v))
		if got := r.S32(); got != v || r.Err() != nil || r.Len() != 0 {
			t.Errorf("S32 %d: got %d, err %v, %d left", v, got, r.Err(), r.Len())
		}
	}
}

func TestReaderErrors(t *testing.T) {
	r := NewReader([]byte{0x80, 0x80})
	if r.U32(); !errors.Is(r.Err(), ErrShort) {
		t.Errorf("truncated LEB128: err %v", r.Err())
	}
	r = NewReader([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00})
	if r.U32(); r.Err() == nil {
		t.Error("six-byte u32 accepted")
	}
	r = NewReader([]byte{3, 'a', 'b'})
	if r.Name(); !errors.Is(r.Err(), ErrShort) {
		t.Errorf("short name: err %v", r.Err())
	}
	if b := r.Byte(); b != 0 {
		t.Errorf("read after error gave %d", b)
	}
}

func TestSections(t *testing.T) {
	mod := append([]byte(nil), Header...)
	custom := append(AppendU32(nil, 4), "name"...)
	custom = append(custom, 1, 2, 3)
	mod = AppendSection(mod, Custom, custom)
	mod = AppendSection(mod, Type, []byte{0})
	// A section size padded to five bytes, as Go's linker writes them.
	mod = append(mod, Data, 0x81, 0x80, 0x80, 0x80, 0x00, 0)
	secs, err := Sections(mod)
	if err != nil {
		t.Fatal(err)
	}
	if len(secs) != 3 {
		t.Fatalf("%d sections, want 3", len(secs))
	}
	if secs[0].ID != Custom || secs[0].Name != "name" || !bytes.Equal(secs[0].Payload, custom) {
		t.Errorf("custom section: %+v", secs[0])
	}
	if secs[1].ID != Type || !bytes.Equal(secs[1].Payload, []byte{0}) || secs[1].Offset != len(Header)+2+len(custom) {
		t.Errorf("type section: %+v", secs[1])
	}
	if secs[2].ID != Data || len(secs[2].Raw) != 7 || !bytes.Equal(secs[2].Payload, []byte{0}) {
		t.Errorf("data section: %+v", secs[2])
	}
	var joined []byte
	for _, s := range secs {
		joined = append(joined, s.Raw...)
	}
	if !bytes.Equal(append(append([]byte(nil), Header...), joined...), mod) {
		t.Error("sections' Raw do not add up to the module")
	}
	if _, err := Sections(mod[:len(mod)-1]); err == nil {
		t.Error("truncated module accepted")
	}
	if _, err := Sections([]byte("\x00asm\x02\x00\x00\x00")); err == nil {
		t.Error("version 2 accepted")
	}
}
