//go:build js && wasm

package jsbridge

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseJSON(t *testing.T) {
	got, err := ParseJSON([]byte(`{"t":"cb","id":7,"ok":true,"args":["a",1.5,null,{"x":[false]}],"n":null}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"t": "cb", "id": 7.0, "ok": true, "n": nil,
		"args": []any{"a", 1.5, nil, map[string]any{"x": []any{false}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
	for _, bad := range []string{`{"t":`, `nope`, ``} {
		if _, err := ParseJSON([]byte(bad)); err == nil {
			t.Errorf("ParseJSON(%q) succeeded", bad)
		}
	}
	if _, err := ParseJSON([]byte(strings.Repeat("[", 40) + strings.Repeat("]", 40))); err == nil {
		t.Error("40 levels of nesting were accepted")
	}
}

func TestGoValueSkipsFunctions(t *testing.T) {
	got, err := GoValue(eval(t, `{a: 1, f: function () {}, u: undefined, s: "x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"a": 1.0, "s": "x"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}
