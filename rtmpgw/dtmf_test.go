//go:build !js

package rtmpgw

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/rtmp"
)

// TestReceivedDTMF: RFC 4733 events and SIP INFO from the peer each
// become one dtmf(tone) callback.
func TestReceivedDTMF(t *testing.T) {
	h := newHarness(t)
	c, inv, gwRTP := outgoing(t, h)
	h.fake.wait(sip.ACK, nil)

	// An event: two progress packets, then the end packet three times,
	// one timestamp. Reported once, at the end.
	for i, flags := range []byte{10, 10, 0x80 | 10, 0x80 | 10, 0x80 | 10} {
		h.fake.sendRTP(gwRTP, ptDTMF, uint16(10+i), 8000, 77, []byte{5, flags, 0, byte(160 * (i + 1))})
	}
	for i, flags := range []byte{10, 0x80 | 10, 0x80 | 10} {
		h.fake.sendRTP(gwRTP, ptDTMF, uint16(20+i), 9600, 77, []byte{11, flags, 1, 0})
	}
	h.fake.sendRTP(gwRTP, ptDTMF, 30, 11200, 77, []byte{16, 0x80, 1, 0}) // flash: not a tone
	h.fake.sendRTP(gwRTP, ptDTMF, 31, 12800, 77, []byte{3})              // truncated
	argsEqual(t, expect(t, c, "dtmf"), "5")
	argsEqual(t, expect(t, c, "dtmf"), "#") // no second "5"

	// SIP INFO in the dialog.
	f := h.fake
	f.mu.Lock()
	dss := f.uas[inv.CallID().Value()]
	f.mu.Unlock()
	info := func(contentType, body string) int {
		t.Helper()
		req := sip.NewRequest(sip.INFO, inv.Contact().Address)
		if contentType != "" {
			req.AppendHeader(sip.NewHeader("Content-Type", contentType))
		}
		req.SetBody([]byte(body))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := dss.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode
	}
	if code := info("application/dtmf-relay", "Signal=7\r\nDuration=160\r\n"); code != 200 {
		t.Fatalf("dtmf-relay INFO: %d", code)
	}
	argsEqual(t, expect(t, c, "dtmf"), "7")
	if code := info("application/dtmf", "a"); code != 200 {
		t.Fatalf("dtmf INFO: %d", code)
	}
	argsEqual(t, expect(t, c, "dtmf"), "A")
	for _, tc := range []struct {
		ct, body string
		want     int
	}{
		{"", "", 200},                               // keepalive
		{"text/plain", "hello", 415},                // not DTMF
		{"application/dtmf-relay", "Signal=x", 400}, // not a tone
	} {
		if code := info(tc.ct, tc.body); code != tc.want {
			t.Errorf("INFO %q %q: %d, want %d", tc.ct, tc.body, code, tc.want)
		}
	}
	if code := info("application/dtmf-relay", "Signal=0\r\n"); code != 200 {
		t.Fatalf("dtmf-relay INFO: %d", code)
	}
	argsEqual(t, expect(t, c, "dtmf"), "0") // nothing reported for the refused ones
}

// TestSendDTMFInfo: sendDTMF(digit, "info") sends SIP INFO
// application/dtmf-relay and is answered once the peer answered.
func TestSendDTMFInfo(t *testing.T) {
	h := newHarness(t)
	c, inv, _ := outgoing(t, h)
	h.fake.wait(sip.ACK, nil)
	for _, d := range "9#" {
		rpc(t, c, "sendDTMF", string(d), "info")
		req := h.fake.wait(sip.INFO, nil)
		if req.CallID().Value() != inv.CallID().Value() || headerValue(req, "Content-Type") != "application/dtmf-relay" ||
			string(req.Body()) != "Signal="+string(d)+"\r\nDuration=160\r\n" {
			t.Fatalf("INFO:\n%s", req.String())
		}
	}
	for _, args := range [][]any{{"5", "smoke"}, {"55"}, {""}, {"x"}, {"5", 3.0}} {
		var ce *rtmp.CallError
		if err := rpcErr(c, "sendDTMF", args...); !errors.As(err, &ce) {
			t.Errorf("sendDTMF%v: %v, want _error", args, err)
		}
	}
}

// TestSendDTMFWithoutTelephoneEvent: a call without telephone-event
// sends tones as INFO, unless RFC 4733 is asked for explicitly.
func TestSendDTMFWithoutTelephoneEvent(t *testing.T) {
	h := newHarness(t)
	c := h.connect("1005")
	rpc(t, c, "invite", "sip:1009@lab.test", "pcmu") // no "dtmf"
	expect(t, c, "accepted")
	h.fake.wait(sip.ACK, nil)
	rpc(t, c, "sendDTMF", "3")
	if req := h.fake.wait(sip.INFO, nil); string(req.Body()) != "Signal=3\r\nDuration=160\r\n" {
		t.Fatalf("INFO body %q", req.Body())
	}
	var ce *rtmp.CallError
	if err := rpcErr(c, "sendDTMF", "3", "rfc2833"); !errors.As(err, &ce) {
		t.Fatalf("sendDTMF rfc2833 without telephone-event: %v, want _error", err)
	}
}
