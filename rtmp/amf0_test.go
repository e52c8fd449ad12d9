package rtmp

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestAMF0RoundTrip(t *testing.T) {
	vals := []any{
		0.0, -1.5, 1e300, true, false, "", "invite", nil,
		map[string]any{},
		map[string]any{"level": "status", "code": "NetStream.Play.Start", "n": 3.0, "ok": true, "nil": nil},
		map[string]any{"nested": map[string]any{"list": []any{1.0, "two", nil, []any{}}}},
		[]any{}, []any{"pcmu", "pcma", "dtmf"},
		strings.Repeat("x", 70000), // long string
	}
	b, err := appendAMF0(nil, vals...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeAMF0(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, vals) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, vals)
	}
}

func TestAMF0Encoding(t *testing.T) {
	tests := []struct {
		v    any
		want []byte
	}{
		{1.0, []byte{0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}},
		{uint32(1), []byte{0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}},
		{true, []byte{0x01, 0x01}},
		{"ab", []byte{0x02, 0, 2, 'a', 'b'}},
		{nil, []byte{0x05}},
		{map[string]any{"a": nil}, []byte{0x03, 0, 1, 'a', 0x05, 0, 0, 0x09}},
		{ECMAArray{"a": true}, []byte{0x08, 0, 0, 0, 1, 0, 1, 'a', 0x01, 0x01, 0, 0, 0x09}},
		{[]any{"x", nil}, []byte{0x0a, 0, 0, 0, 2, 0x02, 0, 1, 'x', 0x05}},
	}
	for _, tt := range tests {
		got, err := appendAMF0(nil, tt.v)
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("encode %#v = % x, %v; want % x", tt.v, got, err, tt.want)
		}
	}
	if _, err := appendAMF0(nil, struct{}{}); err == nil {
		t.Error("encoding a struct succeeded")
	}
	if _, err := appendAMF0(nil, map[string]any{"": 1.0}); err == nil {
		t.Error("encoding an empty key succeeded")
	}
}

func TestAMF0DecodeVariants(t *testing.T) {
	tests := []struct {
		in   []byte
		want any
	}{
		{[]byte{0x06}, nil}, // undefined
		{[]byte{0x0c, 0, 0, 0, 2, 'h', 'i'}, "hi"},
		// ECMA array whose count hint is wrong: the end marker decides.
		{[]byte{0x08, 0, 0, 0, 9, 0, 1, 'k', 0x02, 0, 1, 'v', 0, 0, 0x09}, map[string]any{"k": "v"}},
		{[]byte{0x01, 0x07}, true},
	}
	for _, tt := range tests {
		got, err := decodeAMF0(tt.in)
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], tt.want) {
			t.Errorf("decode % x = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
}

func TestAMF0Malformed(t *testing.T) {
	deep := bytes.Repeat([]byte{0x0a, 0, 0, 0, 1}, maxAMFDepth+2)
	deepObj := bytes.Repeat([]byte{0x03, 0, 1, 'k'}, maxAMFDepth+2)
	for _, in := range [][]byte{
		{0x00, 1, 2},                         // short number
		{0x01},                               // short boolean
		{0x02, 0, 5, 'a'},                    // short string
		{0x0c, 0xff, 0xff, 0xff, 0xff},       // long string longer than input
		{0x03, 0, 1, 'a', 0x05},              // object without end
		{0x03, 0, 0, 0x05},                   // empty key without end marker
		{0x03, 0, 1, 'a', 0x05, 0, 0},        // end marker missing
		{0x08, 0, 0},                         // short ECMA array
		{0x0a, 0xff, 0xff, 0xff, 0xff},       // strict array count beyond input
		{0x0a, 0, 0, 0, 2, 0x05},             // strict array short
		{0x09},                               // object end alone
		{0x07, 0, 1},                         // reference: unsupported
		{0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, // date: unsupported
		{0x11, 0x01},                         // AMF3 switch: unsupported
		deep, deepObj,
	} {
		if v, err := decodeAMF0(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("decode % x = %#v, %v; want ErrMalformed", in, v, err)
		}
	}
}

func TestDecodeCommand(t *testing.T) {
	body, _ := appendAMF0(nil, "onStatus", 0.0, nil, map[string]any{"code": "NetStream.Play.Start"})
	for _, m := range []message{
		{typ: msgCommandAMF0, streamID: 2, body: body},
		{typ: msgCommandAMF3, streamID: 2, body: append([]byte{0}, body...)},
	} {
		cmd, err := decodeCommand(m)
		want := Command{Name: "onStatus", Args: []any{map[string]any{"code": "NetStream.Play.Start"}}, StreamID: 2}
		if err != nil || !reflect.DeepEqual(cmd, want) {
			t.Errorf("type %d: %+v, %v", m.typ, cmd, err)
		}
	}
	for _, body := range [][]byte{
		nil,
		{0x02, 0, 1, 'x'},                    // no transaction id
		{0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x05}, // number instead of name
	} {
		if _, err := decodeCommand(message{typ: msgCommandAMF0, body: body}); !errors.Is(err, ErrMalformed) {
			t.Errorf("decodeCommand(% x) = %v", body, err)
		}
	}
	if _, err := decodeCommand(message{typ: msgCommandAMF3, body: []byte{0x11}}); !errors.Is(err, ErrMalformed) {
		t.Errorf("AMF3 command without format byte: %v", err)
	}
}
