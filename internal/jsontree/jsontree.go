package jsontree

import (
	"math"
	"time"
)

// Obj is v as an object (nil when it is not one).
func Obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// Str is member k of m as a string ("" when missing or not a string).
func Str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// Num is member k of m as a number (0 when missing or not a number).
func Num(m map[string]any, k string) float64 {
	f, _ := m[k].(float64)
	return f
}

// Int is member k of m as an int: 0 when missing, not a number, not a
// whole number or out of the range of an int32 (the protocols' codes
// and counters fit).
func Int(m map[string]any, k string) int {
	return int(Int64(m, k, math.MinInt32, math.MaxInt32))
}

// Int64 is member k of m as a whole number within [lo, hi] (0 when it is
// missing, not a whole number or out of range). float64 holds every
// integer up to 2^53 exactly, beyond that the value is rounded.
func Int64(m map[string]any, k string, lo, hi int64) int64 {
	f, ok := m[k].(float64)
	if !ok || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) || f >= 1<<63 {
		return 0
	}
	return int64(f)
}

// Uint is member k of m as a whole number in [0, max] (0 otherwise).
func Uint(m map[string]any, k string, max uint64) uint64 {
	f, ok := m[k].(float64)
	if !ok || f != math.Trunc(f) || f < 0 || f > float64(max) || f >= 1<<64 {
		return 0
	}
	return uint64(f)
}

// Bool is member k of m as a boolean (false when missing or not one).
func Bool(m map[string]any, k string) bool {
	b, _ := m[k].(bool)
	return b
}

// Member is member k of m as an object (nil when missing or not one).
func Member(m map[string]any, k string) map[string]any {
	return Obj(m[k])
}

// List is member k of m as an array (nil when missing or not one).
func List(m map[string]any, k string) []any {
	l, _ := m[k].([]any)
	return l
}

// Strings is member k of m as an array of strings; elements that are not
// strings read as "".
func Strings(m map[string]any, k string) []string {
	l := List(m, k)
	if l == nil {
		return nil
	}
	out := make([]string, len(l))
	for i, v := range l {
		out[i], _ = v.(string)
	}
	return out
}

// Time is member k of m as the RFC 3339 time encoding/json writes of a
// time.Time (zero when missing or not one).
func Time(m map[string]any, k string) time.Time {
	s, ok := m[k].(string)
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
