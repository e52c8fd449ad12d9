package wasmdata

import (
	"errors"
	"fmt"
	"sort"

	"github.com/kazoo-softphone/kazoo/internal/wasmbin"
)

// DefaultGap is the longest run of zero bytes Merge fills in between two
// segments. Measured on kazoo.wasm (built with inlining; brotli -q 11):
// most gaps Go leaves are 8 to 31 bytes, so a gap of 32 already gives
// 387 segments and brotli 1,540,724 B (from 1,634,730 B); from 256 B to
// 64 KB the result stays within 2.5 KB (4096: 3 segments, 1,537,431 B),
// while raw size grows with every zero filled in.
const DefaultGap = 4096

// Segment is an active data segment of memory 0 at a constant offset.
type Segment struct {
	Offset uint32
	Data   []byte
}

// Stats describes a merge.
type Stats struct {
	SegmentsBefore, SegmentsAfter int
	// DataBefore and DataAfter are the data section payload sizes.
	DataBefore, DataAfter int
}

// Opcodes of the only offset expression accepted: i32.const n; end.
const (
	opI32Const = 0x41
	opEnd      = 0x0b
)

// ParseSegments decodes a data section payload.
func ParseSegments(payload []byte) ([]Segment, error) {
	r := wasmbin.NewReader(payload)
	n := r.U32()
	if r.Err() == nil && int(n) > r.Len() { // each segment takes 1+ bytes
		return nil, fmt.Errorf("wasmdata: %d segments in %d bytes", n, r.Len())
	}
	segs := make([]Segment, 0, n)
	for i := uint32(0); i < n && r.Err() == nil; i++ {
		switch flags := r.U32(); flags {
		case 0: // active, memory 0
		case 2: // active, explicit memory index
			if mem := r.U32(); mem != 0 && r.Err() == nil {
				return nil, fmt.Errorf("wasmdata: segment %d is for memory %d", i, mem)
			}
		default:
			if r.Err() == nil {
				return nil, fmt.Errorf("wasmdata: segment %d has flags %d (passive or unknown)", i, flags)
			}
		}
		if op := r.Byte(); op != opI32Const && r.Err() == nil {
			return nil, fmt.Errorf("wasmdata: segment %d: offset is not an i32.const (opcode %#x)", i, op)
		}
		off := r.S32()
		if end := r.Byte(); end != opEnd && r.Err() == nil {
			return nil, fmt.Errorf("wasmdata: segment %d: offset expression is longer than i32.const", i)
		}
		data := r.Bytes(int(r.U32()))
		segs = append(segs, Segment{Offset: uint32(off), Data: data})
	}
	if r.Err() != nil {
		return nil, fmt.Errorf("wasmdata: data section: %w", r.Err())
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("wasmdata: %d bytes after the last segment", r.Len())
	}
	return segs, nil
}

// AppendSegments encodes segments as a data section payload.
func AppendSegments(dst []byte, segs []Segment) []byte {
	dst = wasmbin.AppendU32(dst, uint32(len(segs)))
	for _, s := range segs {
		dst = append(dst, 0, opI32Const)
		dst = wasmbin.AppendS32(dst, int32(s.Offset))
		dst = append(dst, opEnd)
		dst = wasmbin.AppendU32(dst, uint32(len(s.Data)))
		dst = append(dst, s.Data...)
	}
	return dst
}

// MergeSegments joins segments whose distance is at most gap bytes,
// filling the distance with zeros. Empty segments are kept like others
// (one past the end of memory makes instantiation fail, and still must).
// Segments must not overlap (they may
// come in any order: without overlaps the order of writes is irrelevant).
func MergeSegments(segs []Segment, gap int) ([]Segment, error) {
	sorted := append([]Segment(nil), segs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Offset < sorted[j].Offset })
	var out []Segment
	var cur []byte
	var start, end uint64 // cur covers [start, end)
	open := false         // whether cur holds a segment (it may be empty)
	for _, s := range sorted {
		off := uint64(s.Offset)
		switch {
		case open && off < end && len(s.Data) == 0:
			continue // empty, inside the current segment: writes nothing
		case open && off < end:
			return nil, fmt.Errorf("wasmdata: segment at %#x overlaps the one ending at %#x", off, end)
		case open && off-end <= uint64(gap):
			cur = append(cur, make([]byte, off-end)...)
			cur = append(cur, s.Data...)
		default:
			if open {
				out = append(out, Segment{Offset: uint32(start), Data: cur})
			}
			open = true
			start = off
			cur = append([]byte(nil), s.Data...)
		}
		end = off + uint64(len(s.Data))
	}
	if open {
		out = append(out, Segment{Offset: uint32(start), Data: cur})
	}
	return out, nil
}

// Merge returns mod with its data segments merged (see MergeSegments) and
// the DataCount section, if any, updated. Every other section is copied
// unchanged.
func Merge(mod []byte, gap int) ([]byte, Stats, error) {
	var st Stats
	secs, err := wasmbin.Sections(mod)
	if err != nil {
		return nil, st, err
	}
	var merged []Segment
	found := false
	for _, s := range secs {
		if s.ID != wasmbin.Data {
			continue
		}
		if found {
			return nil, st, errors.New("wasmdata: two data sections")
		}
		found = true
		segs, err := ParseSegments(s.Payload)
		if err != nil {
			return nil, st, err
		}
		if merged, err = MergeSegments(segs, gap); err != nil {
			return nil, st, err
		}
		st.SegmentsBefore, st.SegmentsAfter = len(segs), len(merged)
		st.DataBefore = len(s.Payload)
	}
	if !found {
		return nil, st, errors.New("wasmdata: no data section")
	}
	out := make([]byte, 0, len(mod))
	out = append(out, wasmbin.Header...)
	for _, s := range secs {
		switch s.ID {
		case wasmbin.Data:
			payload := AppendSegments(nil, merged)
			st.DataAfter = len(payload)
			out = wasmbin.AppendSection(out, wasmbin.Data, payload)
		case wasmbin.DataCount:
			out = wasmbin.AppendSection(out, wasmbin.DataCount, wasmbin.AppendU32(nil, uint32(len(merged))))
		default:
			out = append(out, s.Raw...)
		}
	}
	return out, st, nil
}

// Image is the part of linear memory the data segments initialise, as it
// is right after instantiation: all segments written, in order, into
// zeroed memory, up to the end of the highest one.
func Image(mod []byte) ([]byte, error) {
	secs, err := wasmbin.Sections(mod)
	if err != nil {
		return nil, err
	}
	var segs []Segment
	for _, s := range secs {
		if s.ID == wasmbin.Data {
			if segs, err = ParseSegments(s.Payload); err != nil {
				return nil, err
			}
		}
	}
	var size uint64
	for _, s := range segs {
		size = max(size, uint64(s.Offset)+uint64(len(s.Data)))
	}
	if size > 1<<30 {
		return nil, fmt.Errorf("wasmdata: data reaches %d bytes", size)
	}
	img := make([]byte, size)
	for _, s := range segs {
		copy(img[s.Offset:], s.Data)
	}
	return img, nil
}
