package sip

import "testing"

func TestValidUserAndHost(t *testing.T) {
	for u, want := range map[string]bool{
		"1001": true, "alice.smith": true, "+15551234567": true, "*97": true, "a;b=c": true, "user#1": true,
		"": false, "a\x00b": false, "%00a": false, "a b": false, "a@b": false, "a:b": false, `a"b`: false, "a\r\nb": false, "é": false,
	} {
		if got := ValidUser(u); got != want {
			t.Errorf("ValidUser(%q) = %v", u, got)
		}
	}
	for h, want := range map[string]bool{
		"lab.test": true, "127.0.0.1": true, "::1": true, "sip-1.example.net": true,
		"": false, "a b": false, "a\x00": false, "x%2f": false, "a_b": false,
	} {
		if got := ValidHost(h); got != want {
			t.Errorf("ValidHost(%q) = %v", h, got)
		}
	}
}
