package rtmp

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
)

// AMF0 type markers (AMF0 specification §2.1).
const (
	amfNumber      = 0x00
	amfBoolean     = 0x01
	amfString      = 0x02
	amfObject      = 0x03
	amfNull        = 0x05
	amfUndefined   = 0x06
	amfECMAArray   = 0x08
	amfObjectEnd   = 0x09
	amfStrictArray = 0x0a
	amfLongString  = 0x0c
)

// maxAMFDepth bounds the nesting of objects and arrays in decoded input,
// so a hostile peer cannot make the decoder recurse a million levels deep.
const maxAMFDepth = 32

// maxAMFValues bounds how many values (object keys and nested values
// included) one message may decode to. Bytes alone do not bound memory:
// a null or an empty string is one byte on the wire but a 16-byte
// interface once decoded, so a 1 MiB strict array of nulls would cost
// 16 MiB. siprtmp's commands hold a few dozen values; with this bound a
// message decodes to at most about 200 KiB plus the bytes of its
// strings, which are never more than the message itself.
const maxAMFValues = 2048

// ECMAArray is a map encoded as an AMF0 ECMA array rather than an object.
// Flash sends the metadata of a stream this way; decoding returns both
// kinds as map[string]any.
type ECMAArray map[string]any

// amfDecoder decodes one message, counting what it has produced against
// maxAMFValues.
type amfDecoder struct {
	left int // values that may still be decoded
}

// take spends n values of the budget.
func (d *amfDecoder) take(n int) error {
	if n > d.left {
		return errAMF0Values
	}
	d.left -= n
	return nil
}

// decodeAMF0 decodes every value in b.
func decodeAMF0(b []byte) ([]any, error) {
	d := amfDecoder{left: maxAMFValues}
	var vals []any
	for len(b) > 0 {
		v, rest, err := d.value(b, 0)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		b = rest
	}
	return vals, nil
}

func (d *amfDecoder) value(b []byte, depth int) (any, []byte, error) {
	if len(b) == 0 {
		return nil, nil, errAMF0Short
	}
	if err := d.take(1); err != nil {
		return nil, nil, err
	}
	marker, b := b[0], b[1:]
	switch marker {
	case amfNumber:
		if len(b) < 8 {
			return nil, nil, errAMF0Short
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), b[8:], nil
	case amfBoolean:
		if len(b) < 1 {
			return nil, nil, errAMF0Short
		}
		return b[0] != 0, b[1:], nil
	case amfString:
		return decodeAMF0String(b, 2)
	case amfLongString:
		return decodeAMF0String(b, 4)
	case amfNull, amfUndefined:
		return nil, b, nil
	case amfObject:
		return d.object(b, depth+1)
	case amfECMAArray:
		if len(b) < 4 {
			return nil, nil, errAMF0Short
		}
		// The count is only a hint; the end marker terminates the array.
		return d.object(b[4:], depth+1)
	case amfStrictArray:
		if depth+1 > maxAMFDepth {
			return nil, nil, errAMF0Depth
		}
		if len(b) < 4 {
			return nil, nil, errAMF0Short
		}
		n := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(n) > uint64(len(b)) { // every value takes at least one byte
			return nil, nil, errAMF0Short
		}
		if uint64(n) > uint64(d.left) { // every value takes one of the budget
			return nil, nil, errAMF0Values
		}
		arr := make([]any, 0, n)
		for range n {
			v, rest, err := d.value(b, depth+1)
			if err != nil {
				return nil, nil, err
			}
			arr = append(arr, v)
			b = rest
		}
		return arr, b, nil
	default:
		return nil, nil, fmt.Errorf("%w: unsupported AMF0 marker 0x%02x", ErrMalformed, marker)
	}
}

// decodeAMF0String reads a string whose length field has size bytes.
func decodeAMF0String(b []byte, size int) (string, []byte, error) {
	if len(b) < size {
		return "", nil, errAMF0Short
	}
	var n uint64
	if size == 2 {
		n = uint64(binary.BigEndian.Uint16(b))
	} else {
		n = uint64(binary.BigEndian.Uint32(b))
	}
	b = b[size:]
	if n > uint64(len(b)) {
		return "", nil, errAMF0Short
	}
	return string(b[:n]), b[n:], nil
}

// object reads key/value pairs up to the empty key and the object end
// marker. Each key counts as a value of the budget.
func (d *amfDecoder) object(b []byte, depth int) (map[string]any, []byte, error) {
	if depth > maxAMFDepth {
		return nil, nil, errAMF0Depth
	}
	obj := map[string]any{}
	for {
		key, rest, err := decodeAMF0String(b, 2)
		if err != nil {
			return nil, nil, err
		}
		b = rest
		if key == "" {
			if len(b) == 0 {
				return nil, nil, errAMF0Short
			}
			if b[0] != amfObjectEnd {
				return nil, nil, fmt.Errorf("%w: AMF0 object without end marker", ErrMalformed)
			}
			return obj, b[1:], nil
		}
		if err := d.take(1); err != nil {
			return nil, nil, err
		}
		v, rest, err := d.value(b, depth)
		if err != nil {
			return nil, nil, err
		}
		obj[key] = v
		b = rest
	}
}

// appendAMF0 appends the AMF0 encoding of each value to dst. It accepts
// float64 and the other Go integer and float types (sent as numbers),
// bool, string, nil, map[string]any, [ECMAArray] and []any.
func appendAMF0(dst []byte, vals ...any) ([]byte, error) {
	var err error
	for _, v := range vals {
		if dst, err = appendAMF0Value(dst, v, 0); err != nil {
			return nil, err
		}
	}
	return dst, nil
}

func appendAMF0Value(dst []byte, v any, depth int) ([]byte, error) {
	if depth > maxAMFDepth {
		return nil, fmt.Errorf("rtmp: AMF0 value nested deeper than %d", maxAMFDepth)
	}
	if f, ok := toFloat(v); ok {
		dst = append(dst, amfNumber)
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(f)), nil
	}
	switch v := v.(type) {
	case nil:
		return append(dst, amfNull), nil
	case bool:
		if v {
			return append(dst, amfBoolean, 1), nil
		}
		return append(dst, amfBoolean, 0), nil
	case string:
		if len(v) > math.MaxUint16 {
			dst = append(dst, amfLongString)
			dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
			return append(dst, v...), nil
		}
		dst = append(dst, amfString)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(v)))
		return append(dst, v...), nil
	case map[string]any:
		return appendAMF0Pairs(append(dst, amfObject), v, depth)
	case ECMAArray:
		dst = append(dst, amfECMAArray)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
		return appendAMF0Pairs(dst, v, depth)
	case []any:
		dst = append(dst, amfStrictArray)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
		var err error
		for _, e := range v {
			if dst, err = appendAMF0Value(dst, e, depth+1); err != nil {
				return nil, err
			}
		}
		return dst, nil
	}
	return nil, fmt.Errorf("rtmp: cannot encode %T as AMF0", v)
}

// appendAMF0Pairs writes the entries of m in key order (for reproducible
// output), then the empty key and the object end marker.
func appendAMF0Pairs(dst []byte, m map[string]any, depth int) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k == "" || len(k) > math.MaxUint16 {
			return nil, fmt.Errorf("rtmp: invalid AMF0 object key of length %d", len(k))
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var err error
	for _, k := range keys {
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(k)))
		dst = append(dst, k...)
		if dst, err = appendAMF0Value(dst, m[k], depth+1); err != nil {
			return nil, err
		}
	}
	return append(dst, 0, 0, amfObjectEnd), nil
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint32:
		return float64(v), true
	case uint64:
		return float64(v), true
	}
	return 0, false
}
