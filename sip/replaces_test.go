package sip

import (
	"strings"
	"testing"
)

func TestParseReplaces(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Replaces
		ok   bool
	}{
		// RFC 3891 §6.1's example.
		{"98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff", Replaces{"98732@sip.example.com", "ff87ff", "r33th4x0r", false}, true},
		{"425928@bobster.example.org;to-tag=7743;from-tag=6472;early-only", Replaces{"425928@bobster.example.org", "7743", "6472", true}, true},
		{" abc ; TO-TAG = 1 ; From-Tag=2 ; x=y ; EARLY-ONLY", Replaces{"abc", "1", "2", true}, true},
		{"abc;to-tag=1;from-tag=2;foo", Replaces{"abc", "1", "2", false}, true},
		{"abc;to-tag=1", Replaces{}, false},                                              // no from-tag
		{"abc;from-tag=2", Replaces{}, false},                                            // no to-tag
		{";to-tag=1;from-tag=2", Replaces{}, false},                                      // no Call-ID
		{"a@b@c;to-tag=1;from-tag=2", Replaces{}, false},                                 // two @
		{"a b;to-tag=1;from-tag=2", Replaces{}, false},                                   // space in the Call-ID
		{"abc;to-tag=1;to-tag=3;from-tag=2", Replaces{}, false},                          // to-tag twice
		{"abc;to-tag=;from-tag=2", Replaces{}, false},                                    // empty tag
		{"abc;to-tag=1\r\nX: y;from-tag=2", Replaces{}, false},                           // injected line
		{"abc;to-tag=1;from-tag=2;early-only=1", Replaces{"abc", "1", "2", false}, true}, // a generic param, not the flag
		{"", Replaces{}, false},
	} {
		got, err := ParseReplaces(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseReplaces(%q) = %+v, %v; want %+v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestReplacesFormat(t *testing.T) {
	r := Replaces{CallID: "a1b2@10.0.0.1", ToTag: "c-tag", FromTag: "a-tag"}
	if got := r.String(); got != "a1b2@10.0.0.1;to-tag=c-tag;from-tag=a-tag" {
		t.Fatalf("String %q", got)
	}
	// RFC 3891 §5 / RFC 3261 §19.1.1: ;, = and @ are escaped in a URI header.
	if got := r.URIHeader(); got != "a1b2%4010.0.0.1%3Bto-tag%3Dc-tag%3Bfrom-tag%3Da-tag" {
		t.Fatalf("URIHeader %q", got)
	}
	back, err := UnescapeURIHeader(r.URIHeader())
	if err != nil || back != r.String() {
		t.Fatalf("unescaped %q, %v", back, err)
	}
	r.EarlyOnly = true
	if !strings.HasSuffix(r.String(), ";early-only") {
		t.Fatalf("String %q", r.String())
	}
	for _, bad := range []string{"%", "%4", "%G0", "a%zz"} {
		if _, err := UnescapeURIHeader(bad); err == nil {
			t.Errorf("UnescapeURIHeader(%q) accepted", bad)
		}
	}
}

// FuzzReplaces feeds Replaces values (as a URI header, escaped or not) to
// the parser: nothing panics, and whatever parses formats to a value
// that parses back the same, through the URI escaping too, without CR,
// LF, spaces or unescaped separators.
func FuzzReplaces(f *testing.F) {
	for _, s := range []string{
		"98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff",
		"a%40b%3Bto-tag%3D1%3Bfrom-tag%3D2%3Bearly-only",
		"abc;to-tag=1;from-tag=2;early-only",
		"x;to-tag=1;from-tag=2;p=\"q;r\"",
		"%", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, in := range []string{s, unescapedOr(s)} {
			r, err := ParseReplaces(in)
			if err != nil {
				continue
			}
			out := r.String()
			if strings.ContainsAny(out, " \t\r\n,") {
				t.Fatalf("%q formats to %q", in, out)
			}
			again, err := ParseReplaces(out)
			if err != nil || again != r {
				t.Fatalf("%q → %q → %+v, %v; want %+v", in, out, again, err, r)
			}
			esc := r.URIHeader()
			if strings.ContainsAny(esc, ";=&@<> \"") {
				t.Fatalf("URIHeader %q keeps a separator", esc)
			}
			if back, err := UnescapeURIHeader(esc); err != nil || back != out {
				t.Fatalf("URIHeader %q unescapes to %q, %v", esc, back, err)
			}
		}
	})
}

func unescapedOr(s string) string {
	if u, err := UnescapeURIHeader(s); err == nil {
		return u
	}
	return s
}
