package jsontree

import (
	"math"
	"reflect"
	"testing"
	"time"
)

func TestReaders(t *testing.T) {
	m := map[string]any{
		"s": "x", "n": 2.5, "i": -3.0, "big": 1e12, "b": true, "o": map[string]any{"k": "v"},
		"l": []any{"a", 1.0}, "t": "2024-03-01T12:00:00.5+01:00", "nan": math.NaN(), "inf": math.Inf(1),
	}
	if Str(m, "s") != "x" || Str(m, "n") != "" || Str(m, "missing") != "" {
		t.Error("Str")
	}
	if Num(m, "n") != 2.5 || Num(m, "s") != 0 {
		t.Error("Num")
	}
	if Int(m, "i") != -3 || Int(m, "n") != 0 || Int(m, "big") != 0 || Int(m, "nan") != 0 || Int(m, "inf") != 0 {
		t.Error("Int")
	}
	if Int64(m, "big", math.MinInt64, math.MaxInt64) != 1e12 || Int64(m, "inf", math.MinInt64, math.MaxInt64) != 0 {
		t.Error("Int64")
	}
	if Uint(m, "big", 1<<53) != 1e12 || Uint(m, "i", 1<<53) != 0 || Uint(m, "big", 1000) != 0 {
		t.Error("Uint")
	}
	if !Bool(m, "b") || Bool(m, "s") {
		t.Error("Bool")
	}
	if Str(Member(m, "o"), "k") != "v" || Member(m, "l") != nil || Obj(nil) != nil {
		t.Error("Member")
	}
	if len(List(m, "l")) != 2 || List(m, "o") != nil {
		t.Error("List")
	}
	if got := Strings(m, "l"); !reflect.DeepEqual(got, []string{"a", ""}) || Strings(m, "s") != nil {
		t.Errorf("Strings %q", got)
	}
	want := time.Date(2024, 3, 1, 11, 0, 0, 5e8, time.UTC)
	if got := Time(m, "t"); !got.Equal(want) || !Time(m, "s").IsZero() || !Time(m, "n").IsZero() {
		t.Errorf("Time %v", got)
	}
	// Reading members of a nil object is reading missing members.
	var none map[string]any
	if Str(none, "s") != "" || Int(none, "i") != 0 || List(none, "l") != nil || !Time(none, "t").IsZero() {
		t.Error("nil object")
	}
}
