//go:build !js

package rtmpgw

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/rtmp"
)

func itoa(n int) string { return strconv.Itoa(n) }

// streams publishes "local" and plays "remote", as the relay does after
// accepted.
func streams(t *testing.T, c *rtmp.Client) (pub, play uint32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	if pub, err = c.CreateStream(ctx); err != nil {
		t.Fatal(err)
	}
	if play, err = c.CreateStream(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Publish(ctx, pub, "local"); err != nil {
		t.Fatal(err)
	}
	if err := c.Play(ctx, play, "remote"); err != nil {
		t.Fatal(err)
	}
	return pub, play
}

// outgoing connects 1005 and calls 1009 at the fake; it returns the
// client, the authorized INVITE and the gateway's RTP address.
func outgoing(t *testing.T, h *harness) (*rtmp.Client, *sip.Request, *net.UDPAddr) {
	t.Helper()
	c := h.connect("1005")
	rpc(t, c, "invite", "sip:1009@lab.test", "pcmu", "pcma", "dtmf")
	argsEqual(t, expect(t, c, "ringing"), "180 Ringing")
	argsEqual(t, expect(t, c, "accepted"), "pcmu", nil)
	inv := h.fake.wait(sip.INVITE, func(r *sip.Request) bool { return headerValue(r, "Proxy-Authorization") != "" })
	return c, inv, sdpAddr(t, inv.Body())
}

func frame(fill byte) []byte {
	return append([]byte{tagPCMU}, bytes.Repeat([]byte{fill}, 160)...)
}

func TestOutgoingCall(t *testing.T) {
	h := newHarness(t)
	c, inv, gwRTP := outgoing(t, h)
	h.fake.wait(sip.INVITE, func(r *sip.Request) bool { return headerValue(r, "Proxy-Authorization") == "" }) // challenged first
	body := inv.Body()
	for _, l := range []string{"m=audio " + itoa(gwRTP.Port) + " RTP/AVP 0 8 101", "a=rtpmap:0 PCMU/8000",
		"a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=sendrecv"} {
		if !hasLine(body, l) {
			t.Fatalf("offer lacks %q:\n%s", l, body)
		}
	}
	if inv.GetHeaders("Route") == nil || inv.From().DisplayName != "Alice" || inv.From().Address.String() != "sip:1005@lab.test" {
		t.Fatalf("INVITE headers:\n%s", inv.String())
	}
	h.fake.wait(sip.ACK, nil)
	pub, play := streams(t, c)

	// RTMP → RTP: the exact payload, sequence +1, timestamp +160.
	var prev rtpPacket
	for i := range 5 {
		if err := c.WriteAudio(pub, uint32(1000+i*37), frame(byte(i+1))); err != nil { // RTMP time is ignored
			t.Fatal(err)
		}
		p, ok := h.fake.readRTP(2 * time.Second)
		if !ok {
			t.Fatalf("no RTP for frame %d", i)
		}
		if p.pt != ptPCMU || !bytes.Equal(p.payload, frame(byte(i + 1))[1:]) || p.marker != (i == 0) {
			t.Fatalf("packet %d: pt %d marker %v payload %x…", i, p.pt, p.marker, p.payload[:4])
		}
		if i > 0 && (p.seq != prev.seq+1 || p.ts != prev.ts+160 || p.ssrc != prev.ssrc) {
			t.Fatalf("packet %d: seq %d ts %d ssrc %x after seq %d ts %d ssrc %x", i, p.seq, p.ts, p.ssrc, prev.seq, prev.ts, prev.ssrc)
		}
		prev = p
	}

	// RTP → RTMP: tag from the PT, 20 ms per packet; other PTs dropped.
	h.fake.sendRTP(gwRTP, 101, 1, 5000, 77, []byte{5, 10, 0, 160}) // telephone-event: not audio
	h.fake.sendRTP(gwRTP, 13, 2, 5000, 77, []byte{40})             // comfort noise: dropped
	for i := range 3 {
		pt := byte(ptPCMU)
		if i == 2 {
			pt = ptPCMA
		}
		h.fake.sendRTP(gwRTP, pt, uint16(3+i), 5000+uint32(i)*160, 77, bytes.Repeat([]byte{byte(0x50 + i)}, 160))
	}
	var last uint32
	for i := range 3 {
		select {
		case a := <-c.Audio():
			tag := byte(tagPCMU)
			if i == 2 {
				tag = tagPCMA
			}
			if a.StreamID != play || a.Data[0] != tag || !bytes.Equal(a.Data[1:], bytes.Repeat([]byte{byte(0x50 + i)}, 160)) {
				t.Fatalf("audio %d: stream %d tag %#x %d bytes", i, a.StreamID, a.Data[0], len(a.Data))
			}
			if i > 0 && a.Timestamp != last+20 {
				t.Fatalf("audio %d at %d ms, previous at %d ms", i, a.Timestamp, last)
			}
			last = a.Timestamp
		case <-time.After(2 * time.Second):
			t.Fatalf("no RTMP audio %d", i)
		}
	}

	// sendDTMF: RFC 4733 events on PT 101, one timestamp, E bit at the end.
	rpc(t, c, "sendDTMF", "5")
	var evs []rtpPacket
	for len(evs) < dtmfSteps+dtmfEnds {
		p, ok := h.fake.readRTP(2 * time.Second)
		if !ok {
			t.Fatalf("got %d DTMF packets", len(evs))
		}
		if p.pt == ptDTMF {
			evs = append(evs, p)
		}
	}
	for i, p := range evs {
		end := p.payload[1]&0x80 != 0
		if len(p.payload) != 4 || p.payload[0] != 5 || p.ts != evs[0].ts || end != (i >= dtmfSteps) || p.marker != (i == 0) {
			t.Fatalf("DTMF packet %d: %x marker %v ts %d", i, p.payload, p.marker, p.ts)
		}
	}

	// hold and resume: re-INVITEs with sendonly, then sendrecv.
	rpc(t, c, "hold", true)
	re := h.fake.wait(sip.INVITE, func(r *sip.Request) bool { return r.To().Params.Has("tag") })
	if !hasLine(re.Body(), "a=sendonly") || !hasLine(re.Body(), "m=audio "+itoa(gwRTP.Port)+" RTP/AVP 0 101") {
		t.Fatalf("hold offer:\n%s", re.Body())
	}
	h.fake.wait(sip.ACK, func(r *sip.Request) bool { return r.CSeq().SeqNo == re.CSeq().SeqNo })
	rpc(t, c, "hold", false)
	re = h.fake.wait(sip.INVITE, func(r *sip.Request) bool { return r.To().Params.Has("tag") })
	if !hasLine(re.Body(), "a=sendrecv") {
		t.Fatalf("resume offer:\n%s", re.Body())
	}

	rpc(t, c, "bye")
	h.fake.wait(sip.BYE, func(r *sip.Request) bool { return r.CallID().Value() == inv.CallID().Value() })
	if err := rpcErr(c, "sendDTMF", "1"); err == nil {
		t.Fatal("sendDTMF after bye succeeded")
	}
}

func TestRemoteBye(t *testing.T) {
	h := newHarness(t)
	c, inv, _ := outgoing(t, h)
	h.fake.mu.Lock()
	dss := h.fake.uas[inv.CallID().Value()]
	h.fake.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := dss.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	argsEqual(t, expect(t, c, "byed"))
	rpc(t, c, "invite", "sip:1009@lab.test", "pcmu") // the line is free again
	expect(t, c, "accepted")
}

func TestTransfer(t *testing.T) {
	h := newHarness(t)
	c, inv, _ := outgoing(t, h)
	// Answered with the REFER's status: a value siprtmp's bare _result
	// for an RPC it does not have never carries.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if res, err := c.Call(ctx, "transfer", "sip:1003@lab.test"); err != nil || len(res) != 1 || res[0] != "202 Accepted" {
		t.Fatalf("transfer answered %v, %v", res, err)
	}
	refer := h.fake.wait(sip.REFER, nil)
	if got := headerValue(refer, "Refer-To"); got != "<sip:1003@lab.test>" {
		t.Fatalf("Refer-To %s", got)
	}
	argsEqual(t, expect(t, c, "transferred"), "200 OK")
	expect(t, c, "byed")
	h.fake.wait(sip.BYE, func(r *sip.Request) bool { return r.CallID().Value() == inv.CallID().Value() })
}

func TestTransferFailed(t *testing.T) {
	h := newHarness(t)
	h.fake.set(func(f *fakeSIP) { f.referFrag = "SIP/2.0 486 Busy Here" })
	c, _, _ := outgoing(t, h)
	rpc(t, c, "transfer", "1003")
	argsEqual(t, expect(t, c, "transferFailed"), "486 Busy Here")
	rpc(t, c, "sendDTMF", "1") // the call goes on
}

func TestBusy(t *testing.T) {
	h := newHarness(t)
	c := h.connect("1005")
	rpc(t, c, "invite", "sip:busy@lab.test", "pcmu", "dtmf")
	argsEqual(t, expect(t, c, "rejected"), "486 Busy Here")
}

func TestCancelPendingInvite(t *testing.T) {
	h := newHarness(t)
	c := h.connect("1005")
	rpc(t, c, "invite", `"Ringer" <sip:ring@lab.test>`, "pcmu")
	expect(t, c, "ringing")
	if err := rpcErr(c, "invite", "sip:1009@lab.test"); err == nil {
		t.Fatal("second invite accepted during a call")
	}
	rpc(t, c, "bye")
	argsEqual(t, expect(t, c, "rejected"), "487 Request Terminated")
	h.fake.wait(sip.CANCEL, nil)
}

// incoming has the fake call 1005 and returns the client, the fake's
// dialog and the channel WaitAnswer's result arrives on.
func incoming(t *testing.T, h *harness) (*rtmp.Client, *sipgo.DialogClientSession, chan error, context.CancelFunc) {
	t.Helper()
	c := h.connect("1005")
	dcs := h.fake.call("1005")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	answered := make(chan error, 1)
	go func() { answered <- dcs.WaitAnswer(ctx, sipgo.AnswerOptions{}) }()
	argsEqual(t, expect(t, c, "invited"), `"Bob" <sip:1002@lab.test>`, "<sip:1005@lab.test>")
	return c, dcs, answered, cancel
}

func TestIncomingCall(t *testing.T) {
	h := newHarness(t)
	c, dcs, answered, _ := incoming(t, h)
	rpc(t, c, "accept", "pcma", "pcmu", "dtmf")
	argsEqual(t, expect(t, c, "accepted"), "pcmu", nil) // the offer has PCMU only
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	res := dcs.InviteResponse
	gwRTP := sdpAddr(t, res.Body())
	if !hasLine(res.Body(), "m=audio "+itoa(gwRTP.Port)+" RTP/AVP 0 101") {
		t.Fatalf("answer:\n%s", res.Body())
	}
	if err := dcs.Ack(context.Background()); err != nil {
		t.Fatal(err)
	}
	pub, play := streams(t, c)
	if err := c.WriteAudio(pub, 0, frame(9)); err != nil {
		t.Fatal(err)
	}
	if p, ok := h.fake.readRTP(2 * time.Second); !ok || !bytes.Equal(p.payload, frame(9)[1:]) {
		t.Fatal("no RTP from the accepted call")
	}
	h.fake.sendRTP(gwRTP, ptPCMU, 1, 0, 5, bytes.Repeat([]byte{7}, 160))
	select {
	case a := <-c.Audio():
		if a.StreamID != play || a.Data[0] != tagPCMU {
			t.Fatalf("audio on stream %d tag %#x", a.StreamID, a.Data[0])
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no RTMP audio")
	}

	// A second INVITE during the call is busy.
	second := h.fake.call("1005")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var de *sipgo.ErrDialogResponse
	if err := second.WaitAnswer(ctx, sipgo.AnswerOptions{}); !errors.As(err, &de) || de.Res.StatusCode != 486 {
		t.Fatalf("second INVITE: %v", err)
	}

	// Remote hold and resume: holded(true), holded(false).
	for _, dir := range []string{dirSendOnly, dirSendRecv} {
		re := sip.NewRequest(sip.INVITE, dcs.InviteResponse.Contact().Address)
		re.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		re.SetBody(h.fake.sdp(dir))
		res, err := dcs.Do(ctx, re)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("re-INVITE: %v %v", res, err)
		}
		if want := answerDir(dir, false); !hasLine(res.Body(), "a="+want) {
			t.Fatalf("answer to %s:\n%s", dir, res.Body())
		}
		ack := sip.NewRequest(sip.ACK, re.Recipient)
		ack.AppendHeader(&sip.CSeqHeader{SeqNo: re.CSeq().SeqNo, MethodName: sip.ACK})
		_ = dcs.WriteRequest(ack)
		argsEqual(t, expect(t, c, "holded"), dir == dirSendOnly)
	}

	if err := dcs.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	expect(t, c, "byed")
}

func TestIncomingCancelled(t *testing.T) {
	h := newHarness(t)
	c, _, answered, cancel := incoming(t, h)
	cancel() // sipgo sends CANCEL
	argsEqual(t, expect(t, c, "cancelled"), `"Bob" <sip:1002@lab.test>`, "<sip:1005@lab.test>")
	<-answered
	if err := rpcErr(c, "accept", "pcmu"); err == nil {
		t.Fatal("accept after cancel succeeded")
	}
}

func TestIncomingRejected(t *testing.T) {
	for _, tc := range []struct {
		args []any
		code int
	}{{[]any{"486 Busy Here"}, 486}, {nil, 603}, {[]any{"Not now"}, 603}} {
		h := newHarness(t)
		c, _, answered, _ := incoming(t, h)
		rpc(t, c, "reject", tc.args...)
		var de *sipgo.ErrDialogResponse
		if err := <-answered; !errors.As(err, &de) || de.Res.StatusCode != tc.code {
			t.Fatalf("reject%v: %v, want %d", tc.args, err, tc.code)
		}
	}
}

// sdpAddr reads the RTP address of an SDP body.
func sdpAddr(t testing.TB, body []byte) *net.UDPAddr {
	t.Helper()
	sd, err := parseSDP(body)
	if err != nil {
		t.Fatalf("bad SDP %q: %v", body, err)
	}
	return &net.UDPAddr{IP: sd.addr.AsSlice(), Port: sd.port}
}

// hasLine reports whether an SDP body has the line.
func hasLine(body []byte, line string) bool {
	return strings.Contains(string(body), line+"\r\n")
}

// Closing the connection hangs up (BYE), rejects a ringing call (480)
// and un-REGISTERs.
func TestCloseHangsUp(t *testing.T) {
	h := newHarness(t)
	c, inv, _ := outgoing(t, h)
	_ = c.Close()
	h.fake.wait(sip.BYE, func(r *sip.Request) bool { return r.CallID().Value() == inv.CallID().Value() })
	h.fake.wait(sip.REGISTER, func(r *sip.Request) bool { return headerValue(r, "Expires") == "0" })

	c2, _, answered, _ := incoming(t, h)
	_ = c2.Close()
	var de *sipgo.ErrDialogResponse
	if err := <-answered; !errors.As(err, &de) || de.Res.StatusCode != 480 {
		t.Fatalf("ringing call after close: %v", err)
	}
}
