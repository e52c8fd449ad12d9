package sip

import (
	"testing"

	sipgo "github.com/emiago/sipgo/sip"
)

func TestGrantedExpires(t *testing.T) {
	const user = "k3v9x2"
	res := func(expiresHeader, contactParam string) *sipgo.Response {
		r := sipgo.NewResponse(200, "OK")
		if expiresHeader != "" {
			r.AppendHeader(sipgo.NewHeader("Expires", expiresHeader))
		}
		other := &sipgo.ContactHeader{Address: sipgo.Uri{Scheme: "sip", User: "someone", Host: "x.invalid"}, Params: sipgo.NewParams()}
		other.Params.Add("expires", "7")
		r.AppendHeader(other)
		if contactParam != "" {
			c := &sipgo.ContactHeader{Address: sipgo.Uri{Scheme: "sip", User: user, Host: "x.invalid"}, Params: sipgo.NewParams()}
			c.Params.Add("expires", contactParam)
			r.AppendHeader(c)
		}
		return r
	}
	for _, tc := range []struct {
		name            string
		header, contact string
		want            int
	}{
		{"nothing: what we asked", "", "", 600},
		{"Expires header", "300", "", 300},
		{"our Contact's parameter wins", "300", "120", 120},
		{"our Contact says 0", "300", "0", 0},
		{"huge header", "9300000000", "", MaxGrantedExpires},
		{"huge parameter", "", "99999999999999999999999", MaxGrantedExpires},
		{"above a day", "", "90000", MaxGrantedExpires},
		{"garbage is ignored", "soon", "-5", 600},
	} {
		if got := GrantedExpires(res(tc.header, tc.contact), user, 600); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
