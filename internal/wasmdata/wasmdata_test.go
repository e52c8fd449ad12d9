package wasmdata

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kazoo-softphone/kazoo/internal/wasmbin"
)

// module builds a module around a data section payload: a type section
// before it, a DataCount section if count >= 0, a custom section after.
func module(data []byte, count int) []byte {
	mod := append([]byte(nil), wasmbin.Header...)
	mod = wasmbin.AppendSection(mod, wasmbin.Type, []byte{1, 0x60, 0, 0})
	if count >= 0 {
		mod = wasmbin.AppendSection(mod, wasmbin.DataCount, wasmbin.AppendU32(nil, uint32(count)))
	}
	mod = wasmbin.AppendSection(mod, wasmbin.Data, data)
	custom := append(wasmbin.AppendU32(nil, 9), "producers"...)
	return wasmbin.AppendSection(mod, wasmbin.Custom, append(custom, 0))
}

func TestMergeSyntheticModule(t *testing.T) {
	segs := []Segment{
		{Offset: 100, Data: []byte("abc")},
		{Offset: 110, Data: []byte("def")}, // gap 7: merged
		{Offset: 5000, Data: []byte{1, 2}}, // gap > 16: kept apart
		{Offset: 5002, Data: []byte{3}},    // adjacent: merged
		{Offset: 5010, Data: nil},          // empty, gap 7: merged
		{Offset: 0x8000_0000, Data: []byte{9}},
	}
	data := AppendSegments(nil, segs)
	// One segment with the explicit memory-index form (flags 2, memory 0).
	data[0]++
	data = append(data, 2, 0, opI32Const)
	data = wasmbin.AppendS32(data, 40)
	data = append(data, opEnd, 1, 7)
	mod := module(data, len(segs)+1)

	out, st, err := Merge(mod, 16)
	if err != nil {
		t.Fatal(err)
	}
	if st.SegmentsBefore != 7 || st.SegmentsAfter != 4 {
		t.Errorf("segments %d → %d, want 7 → 4", st.SegmentsBefore, st.SegmentsAfter)
	}
	before, after := sectionsOf(t, mod), sectionsOf(t, out)
	if len(before) != len(after) {
		t.Fatalf("%d sections became %d", len(before), len(after))
	}
	for i := range before {
		switch before[i].ID {
		case wasmbin.Data:
			got, err := ParseSegments(after[i].Payload)
			if err != nil {
				t.Fatal(err)
			}
			want := []Segment{
				{Offset: 40, Data: []byte{7}},
				{Offset: 100, Data: []byte("abc\x00\x00\x00\x00\x00\x00\x00def")},
				{Offset: 5000, Data: []byte{1, 2, 3, 0, 0, 0, 0, 0, 0, 0}},
				{Offset: 0x8000_0000, Data: []byte{9}},
			}
			if !equalSegments(got, want) {
				t.Errorf("merged segments %v, want %v", got, want)
			}
		case wasmbin.DataCount:
			if c := wasmbin.NewReader(after[i].Payload).U32(); c != 4 {
				t.Errorf("DataCount %d, want 4", c)
			}
		default:
			if !bytes.Equal(before[i].Raw, after[i].Raw) {
				t.Errorf("section %d (id %d) changed", i, before[i].ID)
			}
		}
	}
	again, _, err := Merge(out, 16)
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("merging twice changed the module (err %v)", err)
	}
}

func TestMergeRefuses(t *testing.T) {
	passive := []byte{1, 1, 1, 'x'}
	globalOffset := []byte{1, 0, 0x23, 0, opEnd, 1, 'x'}
	otherMemory := []byte{1, 2, 1, opI32Const, 0, opEnd, 1, 'x'}
	overlap := AppendSegments(nil, []Segment{{0, []byte("abcd")}, {2, []byte("x")}})
	trailing := append(AppendSegments(nil, []Segment{{0, []byte("a")}}), 0)
	for name, data := range map[string][]byte{
		"passive": passive, "global offset": globalOffset, "memory 1": otherMemory,
		"overlap": overlap, "trailing bytes": trailing, "truncated": overlap[:len(overlap)-1],
	} {
		if _, _, err := Merge(module(data, -1), 16); err == nil {
			t.Errorf("%s: merged", name)
		}
	}
	noData := wasmbin.AppendSection(append([]byte(nil), wasmbin.Header...), wasmbin.Type, []byte{0})
	if _, _, err := Merge(noData, 16); err == nil {
		t.Error("module without a data section merged")
	}
}

// Random non-overlapping segments, in random order, merged with a random
// gap, give the same memory image.
func TestMergeKeepsImageRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 200; iter++ {
		var segs []Segment
		off := uint32(rng.IntN(50))
		for n := rng.IntN(40); n > 0; n-- {
			d := make([]byte, rng.IntN(20))
			for i := range d {
				if rng.IntN(3) > 0 {
					d[i] = byte(rng.IntN(256))
				}
			}
			segs = append(segs, Segment{Offset: off, Data: d})
			off += uint32(len(d) + rng.IntN(100))
		}
		rng.Shuffle(len(segs), func(i, j int) { segs[i], segs[j] = segs[j], segs[i] })
		mod := module(AppendSegments(nil, segs), -1)
		out, _, err := Merge(mod, rng.IntN(64))
		if err != nil {
			t.Fatal(err)
		}
		imageEqual(t, mod, out)
	}
}

// The real kazoo.wasm, when built: the same memory image after the merge,
// every other section unchanged. build.sh ships it merged already, so the
// test first splits its segments at every run of 8 or more zeros, as Go's
// linker does; KAZOO_WASM may name a module straight from go build.
func TestMergeKeepsImageOfKazooWasm(t *testing.T) {
	name := os.Getenv("KAZOO_WASM")
	if name == "" {
		name = filepath.Join("..", "..", "dist", "kazoo.wasm")
	}
	mod, err := os.ReadFile(name)
	if os.IsNotExist(err) {
		t.Skipf("%s not built (./build.sh)", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	orig := mod
	mod = splitLikeGo(t, orig)
	imageEqual(t, orig, mod)
	out, st, err := Merge(mod, DefaultGap)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d → %d segments, data %d → %d B", name, st.SegmentsBefore, st.SegmentsAfter, st.DataBefore, st.DataAfter)
	if st.SegmentsBefore < 10_000 {
		t.Errorf("only %d segments before the merge", st.SegmentsBefore)
	}
	if st.SegmentsAfter > 100 {
		t.Errorf("%d segments left", st.SegmentsAfter)
	}
	imageEqual(t, mod, out)
	before, after := sectionsOf(t, mod), sectionsOf(t, out)
	if len(before) != len(after) {
		t.Fatalf("%d sections became %d", len(before), len(after))
	}
	for i := range before {
		if before[i].ID != wasmbin.Data && before[i].ID != wasmbin.DataCount && !bytes.Equal(before[i].Raw, after[i].Raw) {
			t.Errorf("section %d (id %d %s) changed", i, before[i].ID, before[i].Name)
		}
	}
}

// splitLikeGo rewrites mod's data section with a segment for each stretch
// of data between runs of 8 or more zero bytes (at most 100,000), the
// way Go's linker writes it.
func splitLikeGo(t *testing.T, mod []byte) []byte {
	t.Helper()
	var out []byte
	out = append(out, wasmbin.Header...)
	for _, s := range sectionsOf(t, mod) {
		if s.ID != wasmbin.Data {
			out = append(out, s.Raw...)
			continue
		}
		segs, err := ParseSegments(s.Payload)
		if err != nil {
			t.Fatal(err)
		}
		var split []Segment
		for _, seg := range segs {
			d := seg.Data
			for i := 0; i < len(d); {
				j := i
				for j < len(d) && len(split) < 99_000 {
					if d[j] != 0 {
						j++
						continue
					}
					z := j
					for z < len(d) && d[z] == 0 {
						z++
					}
					if z-j >= 8 || z == len(d) {
						break
					}
					j = z
				}
				if len(split) >= 99_000 {
					j = len(d)
				}
				if j > i {
					split = append(split, Segment{Offset: seg.Offset + uint32(i), Data: d[i:j]})
				}
				for j < len(d) && d[j] == 0 {
					j++
				}
				i = j
			}
		}
		out = wasmbin.AppendSection(out, wasmbin.Data, AppendSegments(nil, split))
	}
	return out
}

func imageEqual(t *testing.T, a, b []byte) {
	t.Helper()
	ia, err := Image(a)
	if err != nil {
		t.Fatal(err)
	}
	ib, err := Image(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ia, ib) {
		i := 0
		for i < min(len(ia), len(ib)) && ia[i] == ib[i] {
			i++
		}
		t.Fatalf("memory images differ (%d and %d B, first difference at %#x)", len(ia), len(ib), i)
	}
}

func sectionsOf(t *testing.T, mod []byte) []wasmbin.Section {
	t.Helper()
	s, err := wasmbin.Sections(mod)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func equalSegments(a, b []Segment) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Offset != b[i].Offset || !bytes.Equal(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}

func TestParseSegmentsErrorsNameTheSegment(t *testing.T) {
	_, err := ParseSegments([]byte{2, 0, opI32Const, 0, opEnd, 0, 1, 0})
	if err == nil || !strings.Contains(err.Error(), "segment 1") {
		t.Errorf("err %v, want one naming segment 1", err)
	}
}
