package sip

import (
	"strings"
	"testing"
)

func TestCheckExtraHeader(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		ok          bool
	}{
		{"X-Ticket", "4711", true},
		{"X-Empty", "", true},
		{"Subject", "Support call\tüber", true},
		{"P-Asserted-Identity", "<sip:1001@lab.test>", true},
		{"X-Bad", "a\r\nVia: SIP/2.0/WSS evil", false},
		{"X-Bad", "a\nb", false},
		{"X-Bad", "a\rb", false},
		{"X-Bad", "a\x00b", false},
		{"X-Bad", "a\x7fb", false},
		{"X-Bad", "\xff", false},
		{"X-Long", strings.Repeat("a", MaxExtraHeaderValue+1), false},
		{"", "v", false},
		{"X Ticket", "v", false},
		{"X-Ticket:", "v", false},
		{"X-Tïcket", "v", false},
		{"Via", "SIP/2.0/WSS x", false},
		{"via", "x", false},
		{"From", "x", false},
		{"t", "x", false},
		{"Call-ID", "x", false},
		{"CSeq", "1 INVITE", false},
		{"Contact", "x", false},
		{"Max-Forwards", "1", false},
		{"Route", "x", false},
		{"Record-Route", "x", false},
		{"Content-Length", "0", false},
		{"content-type", "text/plain", false},
		{"Authorization", "Digest x", false},
		{"Proxy-Authorization", "Digest x", false},
		{"Expires", "0", false},
	} {
		err := CheckExtraHeader(tc.name, tc.value)
		if (err == nil) != tc.ok {
			t.Errorf("CheckExtraHeader(%q, %q) = %v, want ok=%v", tc.name, tc.value, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), tc.name) {
			t.Errorf("the error %q does not name the header %q", err, tc.name)
		}
	}
}

func TestParseHeaderLine(t *testing.T) {
	for _, tc := range []struct{ line, name, value string }{
		{"X-Ticket: 4711", "X-Ticket", "4711"},
		{"X-Ticket:4711", "X-Ticket", "4711"},
		{"  X-A :  b: c  ", "X-A", "b: c"},
		{"X-Empty:", "X-Empty", ""},
	} {
		n, v, err := ParseHeaderLine(tc.line)
		if err != nil || n != tc.name || v != tc.value {
			t.Errorf("ParseHeaderLine(%q) = %q, %q, %v; want %q, %q", tc.line, n, v, err, tc.name, tc.value)
		}
	}
	if _, _, err := ParseHeaderLine("X-Ticket 4711"); err == nil {
		t.Error("a line without a colon was accepted")
	}
}
