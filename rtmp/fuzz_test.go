package rtmp

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// Run the fuzzers with, for example:
//
//	go test ./rtmp -run '^$' -fuzz FuzzAMF0Decode -fuzztime 30s
//	go test ./rtmp -run '^$' -fuzz FuzzChunkReader -fuzztime 30s
//
// Without -fuzz they run their seed corpus as ordinary tests.

func FuzzAMF0Decode(f *testing.F) {
	for _, seed := range [][]any{
		{"connect", 1.0, map[string]any{"app": "sip/alice@lab.test", "objectEncoding": 0.0}, "alice", "", nil},
		{"onStatus", 0.0, nil, map[string]any{"level": "error", "code": "NetStream.Publish.BadName"}},
		{ECMAArray{"duration": 0.0, "nested": []any{true, []any{}, map[string]any{}}}},
	} {
		b, err := appendAMF0(nil, seed...)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x06, 0x0c, 0, 0, 0, 1, 'x', 0x08, 0, 0, 0, 9, 0, 0, 0x09})
	f.Add([]byte{0x03, 0, 1, 'a', 0x0a, 0xff, 0xff, 0xff, 0xff})
	// Arrays at the value bound, and one beyond it.
	f.Add(append([]byte{0x0a, 0, 0, 0x07, 0xff}, bytes.Repeat([]byte{0x05}, maxAMFValues-1)...))
	f.Add(append([]byte{0x0a, 0, 0, 0x08, 0x00}, bytes.Repeat([]byte{0x06}, maxAMFValues)...))
	f.Fuzz(func(t *testing.T, in []byte) {
		vals, err := decodeAMF0(in)
		if n := countAMF0(vals); n > maxAMFValues {
			t.Fatalf("%d values decoded, more than %d", n, maxAMFValues)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		// Whatever decodes must encode, and encoding is stable from then
		// on (undefined becomes null, ECMA arrays objects).
		enc, err := appendAMF0(nil, vals...)
		if err != nil {
			t.Fatalf("re-encoding %#v: %v", vals, err)
		}
		again, err := decodeAMF0(enc)
		if err != nil {
			t.Fatalf("decoding own encoding % x: %v", enc, err)
		}
		enc2, err := appendAMF0(nil, again...)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("unstable encoding:\n% x\n% x (%v)", enc, enc2, err)
		}
	})
}

// countAMF0 counts the values of vals as the decoder's budget does:
// nested values and object keys included.
func countAMF0(vals []any) int {
	n := 0
	for _, v := range vals {
		n++
		switch v := v.(type) {
		case []any:
			n += countAMF0(v)
		case map[string]any:
			for _, e := range v {
				n += 1 + countAMF0([]any{e})
			}
		}
	}
	return n
}

func FuzzChunkReader(f *testing.F) {
	cw := newChunkWriter()
	var seed []byte
	for i, m := range []message{
		{typ: msgCommandAMF0, streamID: 0, body: []byte{0x02, 0, 1, 'x', 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{typ: msgAudio, ts: 20, streamID: 1, body: bytes.Repeat([]byte{0x82}, 161)},
		{typ: msgAudio, ts: 40, streamID: 1, body: bytes.Repeat([]byte{0x82}, 161)},
		{typ: msgAudio, ts: 60, streamID: 1, body: bytes.Repeat([]byte{0x82}, 161)},
		{typ: msgAudio, ts: 0x1000000, streamID: 1, body: make([]byte, 200)},
	} {
		seed = cw.appendMessage(seed, uint32(3+i%2), m)
	}
	f.Add(uint16(128), seed)
	f.Add(uint16(1), []byte{0x00, 0x05, 0, 0, 11, 0, 0, 2, 20, 0, 0, 0, 0, 'x', 'y', 0xC4})
	f.Add(uint16(4), []byte{0x01, 0x00, 0x01, 0xff, 0xff, 0xff, 0, 0, 1, 9, 2, 0, 0, 0, 0, 0, 0, 1, 'z'})
	f.Fuzz(func(t *testing.T, chunkSize uint16, in []byte) {
		cr := newChunkReader(bytes.NewReader(in))
		if chunkSize > 0 {
			cr.chunkSize = uint32(chunkSize)
		}
		var msgs []message
		for {
			m, err := cr.readMessage()
			if err != nil {
				if err != io.EOF && err != io.ErrUnexpectedEOF && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				break
			}
			if len(m.body) > MaxMessageSize || cr.pending < 0 || cr.pending > maxPendingBytes {
				t.Fatalf("limits broken: %d-byte message, %d pending", len(m.body), cr.pending)
			}
			msgs = append(msgs, m)
		}
		// What was read survives a round trip through the writer.
		w := newChunkWriter()
		w.chunkSize = cr.chunkSize
		var wire []byte
		for _, m := range msgs {
			wire = w.appendMessage(wire, 3, m)
		}
		back := newChunkReader(bytes.NewReader(wire))
		back.chunkSize = cr.chunkSize
		for i, want := range msgs {
			got, err := back.readMessage()
			if err != nil || got.typ != want.typ || got.ts != want.ts || got.streamID != want.streamID || !bytes.Equal(got.body, want.body) {
				t.Fatalf("message %d: round trip gave %+v, %v; want %+v", i, got, err, want)
			}
		}
	})
}
