package lines

import (
	"slices"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Params
		want Config
	}{
		{"default: one incoming line, no auto hold", Params{}, Config{Max: 1}},
		{"maxLines 3", Params{MaxLines: ptr(3)}, Config{Max: 3, LimitOutgoing: true, AutoHold: true}},
		{"maxLines 1", Params{MaxLines: ptr(1)}, Config{Max: 1, LimitOutgoing: true}},
		{"maxLines 2 without autoHold", Params{MaxLines: ptr(2), AutoHold: ptr(false)}, Config{Max: 2, LimitOutgoing: true}},
		{"allowIncomingWhileBusy", Params{AllowIncomingWhileBusy: true}, Config{Max: Unlimited, AutoHold: true}},
		{"allowMultipleIncomingCalls", Params{AllowMultipleIncomingCalls: true}, Config{Max: Unlimited, AutoHold: true}},
		{"maxLines wins over the aliases", Params{MaxLines: ptr(2), AllowMultipleIncomingCalls: true}, Config{Max: 2, LimitOutgoing: true, AutoHold: true}},
		{"autoHold on one line", Params{AutoHold: ptr(true)}, Config{Max: 1, AutoHold: true}},
	} {
		got, err := Resolve(tc.p)
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	if _, err := Resolve(Params{MaxLines: ptr(0)}); err == nil {
		t.Error("maxLines 0 accepted")
	}
}

func TestFull(t *testing.T) {
	for _, tc := range []struct {
		live, max int
		want      bool
	}{{0, 1, false}, {1, 1, true}, {1, 2, false}, {2, 2, true}, {3, 2, true}, {100, Unlimited, false}} {
		if got := Full(tc.live, tc.max); got != tc.want {
			t.Errorf("Full(%d, %d) = %v", tc.live, tc.max, got)
		}
	}
}

func TestParseOthers(t *testing.T) {
	for in, want := range map[string]Others{"": Ring, "ring": Ring, "reject": Reject, "ignore": Ignore} {
		if got, err := ParseOthers(in); err != nil || got != want {
			t.Errorf("ParseOthers(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseOthers("drop"); err == nil {
		t.Error("drop accepted")
	}
}

func TestBookCurrent(t *testing.T) {
	var b Book
	if b.Current() != "" {
		t.Fatal("current of an empty book")
	}
	b.Add("a") // first incoming call rings: it is current
	b.Add("b") // second rings: a stays current
	if b.Current() != "a" || b.Len() != 2 {
		t.Fatalf("current %q, %d lines", b.Current(), b.Len())
	}
	// The page answers b: it becomes current, a was.
	if prev := b.MakeCurrent("b"); prev != "a" || b.Current() != "b" {
		t.Fatalf("answer b: previous %q, current %q", prev, b.Current())
	}
	// Then a: b is the one to hold.
	if prev := b.MakeCurrent("a"); prev != "b" {
		t.Fatalf("answer a: previous %q", prev)
	}
	// Switching to the current call holds nothing.
	if prev := b.MakeCurrent("a"); prev != "" {
		t.Fatalf("switch to current: previous %q", prev)
	}
	b.Add("c") // a third call rings; a stays current
	if !slices.Equal(b.IDs(), []string{"a", "b", "c"}) || !slices.Equal(b.Others("b"), []string{"a", "c"}) {
		t.Fatalf("ids %v others %v", b.IDs(), b.Others("b"))
	}
	// a ends: b, current before it, is current again (c never was).
	if cur, changed := b.End("a"); cur != "b" || !changed {
		t.Fatalf("end a: %q %v", cur, changed)
	}
	// c ends: not current, nothing changes.
	if cur, changed := b.End("c"); cur != "b" || changed {
		t.Fatalf("end c: %q %v", cur, changed)
	}
	if cur, changed := b.End("b"); cur != "" || !changed || b.Len() != 0 {
		t.Fatalf("end b: %q %v %d", cur, changed, b.Len())
	}
	if cur, changed := b.End("zz"); cur != "" || changed {
		t.Fatalf("end unknown: %q %v", cur, changed)
	}
}

func TestBookEndFallsBackToOldest(t *testing.T) {
	var b Book
	b.Add("a")
	b.Add("b")
	b.Add("c")
	// Only a was ever current; when it ends the oldest left is.
	if cur, changed := b.End("a"); cur != "b" || !changed {
		t.Fatalf("end a: %q %v", cur, changed)
	}
	b.Add("b") // booking twice changes nothing
	if b.Len() != 2 {
		t.Fatalf("%d lines", b.Len())
	}
	// MakeCurrent books an unknown call (a call placed while others go on).
	if prev := b.MakeCurrent("d"); prev != "b" || !b.Has("d") || b.Current() != "d" {
		t.Fatalf("place d: previous %q, current %q", prev, b.Current())
	}
}
