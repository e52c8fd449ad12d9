package sip

import (
	"errors"
	"testing"

	sipgo "github.com/emiago/sipgo/sip"
)

func infoWith(ct, body string) *sipgo.Request {
	req := sipgo.NewRequest(sipgo.INFO, sipgo.Uri{User: "a", Host: "b"})
	if ct != "" {
		h := sipgo.ContentTypeHeader(ct)
		req.AppendHeader(&h)
	}
	req.SetBody([]byte(body))
	return req
}

func TestParseDTMFInfo(t *testing.T) {
	for _, tc := range []struct {
		ct, body, want string
		notDTMF, bad   bool
	}{
		{ct: "application/dtmf-relay", body: "Signal=5\r\nDuration=160\r\n", want: "5"},
		{ct: "Application/DTMF-Relay", body: "signal= #\nduration=100\n", want: "#"},
		{ct: "application/dtmf-relay", body: "Signal=b\r\n", want: "B"},
		{ct: "application/dtmf", body: "*\r\n", want: "*"},
		{ct: "application/dtmf-relay", body: "Duration=160\r\n", bad: true},
		{ct: "application/dtmf-relay", body: "Signal=55\r\n", bad: true},
		{ct: "application/dtmf-relay", body: "Signal=x\r\n", bad: true},
		{ct: "application/dtmf", body: "", bad: true},
		{ct: "text/plain", body: "Signal=5", notDTMF: true},
		{ct: "", body: "", notDTMF: true},
	} {
		got, err := ParseDTMFInfo(infoWith(tc.ct, tc.body))
		switch {
		case tc.notDTMF:
			if !errors.Is(err, ErrNotDTMF) {
				t.Errorf("%q %q: err %v, want ErrNotDTMF", tc.ct, tc.body, err)
			}
		case tc.bad:
			if err == nil || errors.Is(err, ErrNotDTMF) {
				t.Errorf("%q %q: err %v, want a bad-signal error", tc.ct, tc.body, err)
			}
		case err != nil || got != tc.want:
			t.Errorf("%q %q: %q, %v; want %q", tc.ct, tc.body, got, err, tc.want)
		}
	}
}

func TestDTMFRelayBody(t *testing.T) {
	if got := string(DTMFRelayBody('7', 160)); got != "Signal=7\r\nDuration=160\r\n" {
		t.Fatalf("body %q", got)
	}
	tone, err := ParseDTMFInfo(infoWith(ContentTypeDTMFRelay, string(DTMFRelayBody('#', 100))))
	if err != nil || tone != "#" {
		t.Fatalf("round trip: %q %v", tone, err)
	}
}
