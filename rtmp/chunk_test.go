package rtmp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"
)

func readAll(t *testing.T, in []byte, chunkSize uint32) []message {
	t.Helper()
	cr := newChunkReader(bytes.NewReader(in))
	cr.chunkSize = chunkSize
	var out []message
	for {
		m, err := cr.readMessage()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("after %d messages: %v", len(out), err)
		}
		out = append(out, m)
	}
}

func TestChunkType0LittleEndianStreamID(t *testing.T) {
	cw := newChunkWriter()
	got := cw.appendMessage(nil, 5, message{typ: msgCommandAMF0, ts: 0x010203, streamID: 1, body: []byte("ab")})
	want := []byte{0x05, 0x01, 0x02, 0x03, 0, 0, 2, 0x14, 0x01, 0, 0, 0, 'a', 'b'}
	if !bytes.Equal(got, want) {
		t.Fatalf("type 0 chunk = % x, want % x", got, want)
	}
	if m := readAll(t, got, 128); m[0].streamID != 1 || m[0].ts != 0x010203 {
		t.Fatalf("read back %+v", m[0])
	}
}

func TestChunkHeaderCompression(t *testing.T) {
	cw := newChunkWriter()
	frame := make([]byte, 161)
	var sizes []int
	for i := range 4 {
		sizes = append(sizes, len(cw.appendMessage(nil, csidAudio, message{typ: msgAudio, ts: uint32(20 * i), streamID: 1, body: frame})))
	}
	// 20 ms PCMU at the default chunk size of 128: two chunks per message;
	// headers of type 0, 2, 3, 3 (12, 4, 1, 1 bytes) plus a type 3
	// continuation of 1 byte each.
	want := []int{12 + 161 + 1, 4 + 161 + 1, 1 + 161 + 1, 1 + 161 + 1}
	if !reflect.DeepEqual(sizes, want) {
		t.Fatalf("chunked sizes %v, want %v", sizes, want)
	}
	// A longer message on the same chunk stream needs type 1; another
	// message stream type 0; going back in time type 0.
	for _, tt := range []struct {
		m    message
		want byte
	}{
		{message{typ: msgAudio, ts: 80, streamID: 1, body: []byte{1}}, 1},
		{message{typ: msgAudio, ts: 80, streamID: 2, body: []byte{1}}, 0},
		{message{typ: msgAudio, ts: 10, streamID: 2, body: []byte{1}}, 0},
	} {
		if b := cw.appendMessage(nil, csidAudio, tt.m); b[0]>>6 != tt.want {
			t.Errorf("%+v: header type %d, want %d", tt.m, b[0]>>6, tt.want)
		}
	}
}

func TestChunkRoundTrip(t *testing.T) {
	var msgs []message
	ts := uint32(0)
	for i, n := range []int{0, 1, 127, 128, 129, 300, 5000, 161, 161, 161} {
		body := make([]byte, n)
		for j := range body {
			body[j] = byte(i + j)
		}
		ts += uint32(i * 7)
		msgs = append(msgs, message{typ: uint8(8 + i%2), ts: ts, streamID: uint32(i % 3), body: body})
	}
	// Extended timestamps: absolute, as a delta, and repeated (type 3).
	for _, ts := range []uint32{0xFFFFFE, 0xFFFFFF, 0x1000000, 0x3000000, 0x5000001, 0x7000002} {
		msgs = append(msgs, message{typ: msgAudio, ts: ts, streamID: 1, body: make([]byte, 300)})
	}
	for _, size := range []uint32{1, 128, 4096, maxChunkSize} {
		cw := newChunkWriter()
		cw.chunkSize = size
		var wire []byte
		for i, m := range msgs {
			wire = cw.appendMessage(wire, uint32(3+i%2), m) // two interleaved chunk streams
		}
		got := readAll(t, wire, size)
		if len(got) != len(msgs) {
			t.Fatalf("chunk size %d: %d messages, want %d", size, len(got), len(msgs))
		}
		for i := range msgs {
			g, w := got[i], msgs[i]
			if g.typ != w.typ || g.ts != w.ts || g.streamID != w.streamID || !bytes.Equal(g.body, w.body) {
				t.Fatalf("chunk size %d, message %d: got %d/%#x/%d/%d bytes, want %d/%#x/%d/%d bytes",
					size, i, g.typ, g.ts, g.streamID, len(g.body), w.typ, w.ts, w.streamID, len(w.body))
			}
		}
	}
}

func TestChunkInterleavedAndExtendedIDs(t *testing.T) {
	in := []byte{
		0x04, 0, 0, 10, 0, 0, 8, 8, 1, 0, 0, 0, 'a', 'b', 'c', 'd', // csid 4, message A, first 4 of 8
		0x00, 0x05, 0, 0, 11, 0, 0, 2, 20, 0, 0, 0, 0, 'x', 'y', // csid 69 (2-byte form), message B
		0xC4, 'e', 'f', 'g', 'h', // csid 4 continued: A complete
		0x01, 0x00, 0x01, 0, 0, 12, 0, 0, 1, 9, 2, 0, 0, 0, 'z', // csid 64+256 (3-byte form)
		0xC4, 'i', 'j', 'k', 'l', 0xC4, 'm', 'n', 'o', 'p', // type 3 starting a new message on csid 4
	}
	got := readAll(t, in, 4)
	want := []message{
		{typ: 20, ts: 11, streamID: 0, body: []byte("xy")},
		{typ: 8, ts: 10, streamID: 1, body: []byte("abcdefgh")},
		{typ: 9, ts: 12, streamID: 2, body: []byte("z")},
		// After a type 0 header, its timestamp field serves as the delta.
		{typ: 8, ts: 20, streamID: 1, body: []byte("ijklmnop")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestChunkAbort(t *testing.T) {
	in := []byte{0x04, 0, 0, 0, 0, 0, 8, 8, 1, 0, 0, 0, 'a', 'b', 'c', 'd'}
	in2 := []byte{0x04, 0, 0, 5, 0, 0, 2, 8, 1, 0, 0, 0, 'o', 'k'}
	cr := newChunkReader(io.MultiReader(bytes.NewReader(in), bytes.NewReader(in2)))
	cr.chunkSize = 4
	if _, done, err := cr.readChunk(); done || err != nil {
		t.Fatalf("first chunk: done=%v err=%v", done, err)
	}
	cr.abort(4)
	if cr.pending != 0 {
		t.Fatalf("pending %d after abort", cr.pending)
	}
	m, err := cr.readMessage()
	if err != nil || string(m.body) != "ok" || m.ts != 5 {
		t.Fatalf("after abort: %+v, %v", m, err)
	}
}

func TestChunkReaderLimits(t *testing.T) {
	tooLong := []byte{0x04, 0, 0, 0, 0x10, 0, 1, 8, 0, 0, 0, 0} // 1 MiB + 1
	var pending []byte
	for i := range 5 { // five unfinished 1 MiB messages exceed 4 MiB
		pending = append(pending, byte(3+i), 0, 0, 0, 0x10, 0, 0, 8, 0, 0, 0, 0, 'x')
	}
	var streams []byte
	for i := range maxChunkStreams + 1 {
		streams = append(streams, 0x00, byte(i), 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0)
	}
	for _, tt := range []struct {
		name string
		in   []byte
		want error
	}{
		{"too long", tooLong, ErrTooLarge},
		{"pending", pending, ErrTooLarge},
		{"type 1 first", []byte{0x44, 0, 0, 0, 0, 0, 1, 8, 'x'}, ErrMalformed},
		{"type 3 first", []byte{0xC4, 'x'}, ErrMalformed},
		{"type 0 mid-message", append([]byte{0x04, 0, 0, 0, 0, 0, 2, 8, 0, 0, 0, 0, 'x'}, 0x04, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, 'y'), ErrMalformed},
		{"chunk streams", streams, ErrMalformed},
	} {
		cr := newChunkReader(bytes.NewReader(tt.in))
		cr.chunkSize = 1
		var err error
		for err == nil {
			_, err = cr.readMessage()
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	cr := newChunkReader(nil)
	for _, n := range []uint32{0, 0x80000000} {
		if err := cr.setChunkSize(n); !errors.Is(err, ErrMalformed) {
			t.Errorf("setChunkSize(%d) = %v", n, err)
		}
	}
	if err := cr.setChunkSize(0x7FFFFFFF); err != nil || cr.chunkSize != maxChunkSize {
		t.Errorf("setChunkSize(max) = %v, size %d", err, cr.chunkSize)
	}
}

func ExampleCommand() {
	b, _ := encodeCommand(Command{Name: "invite", TxID: 2, Args: []any{"sip:bob@lab.test", "pcmu"}})
	cmd, _ := decodeCommand(message{typ: msgCommandAMF0, body: b})
	fmt.Printf("%s %v %v %q\n", cmd.Name, cmd.TxID, cmd.Object, cmd.Args)
	// Output: invite 2 <nil> ["sip:bob@lab.test" "pcmu"]
}
