package main

import "testing"

func TestLatestFixed(t *testing.T) {
	ev := func(kv ...string) []map[string]string {
		var out []map[string]string
		for i := 0; i < len(kv); i += 2 {
			out = append(out, map[string]string{kv[i]: kv[i+1]})
		}
		return out
	}
	for _, c := range []struct {
		events []map[string]string
		want   string
	}{
		{ev("introduced", "0", "fixed", "0.56.0"), "0.56.0"},
		{ev("introduced", "0", "fixed", "0.9.0", "introduced", "0.10.0", "fixed", "0.10.3"), "0.10.3"},
		{ev("introduced", "0", "fixed", "0.9.0", "introduced", "1.0.0-rc.0"), ""},
		{ev("introduced", "0"), ""},
		{ev("introduced", "0", "fixed", "1.2.10", "fixed", "1.2.9"), "1.2.10"},
	} {
		if got := latestFixed("", c.events); got != c.want {
			t.Errorf("%v: %q, want %q", c.events, got, c.want)
		}
	}
}
