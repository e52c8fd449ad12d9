//go:build !js

package rtmpgw

import (
	"bytes"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParseSDP(t *testing.T) {
	body := "v=0\r\no=x 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\na=sendonly\r\n" +
		"m=video 5000 RTP/AVP 96\r\nc=IN IP4 10.0.0.9\r\n" +
		"m=audio 4000 RTP/AVP 8 0 96\r\nc=IN IP4 10.0.0.2\r\na=rtpmap:96 telephone-event/8000\r\n"
	sd, err := parseSDP([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if sd.addr.String() != "10.0.0.2" || sd.port != 4000 || sd.dtmfPT != 96 || sd.dir != dirSendOnly || !sd.held() {
		t.Fatalf("%+v", sd)
	}
	if sd.audioPT([]int{ptPCMU, ptPCMA}) != ptPCMA || sd.preferredPT([]int{ptPCMU, ptPCMA}) != ptPCMU {
		t.Fatalf("codec choice %+v", sd)
	}
	hold, _ := parseSDP([]byte("v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\n"))
	if !hold.held() || hold.dtmfPT != noDTMF {
		t.Fatalf("c=0.0.0.0: %+v", hold)
	}
	for _, bad := range []string{"", "v=0\r\n", "m=audio 1 RTP/AVP 0\r\n", "c=IN IP4 nonsense\r\nm=audio 1 RTP/AVP 0\r\n", "c=IN IP4 10.0.0.1\r\nm=audio 1 RTP/AVP 1000 x\r\n", strings.Repeat("a", maxSDP+1)} {
		if _, err := parseSDP([]byte(bad)); err == nil {
			t.Errorf("parsed %.40q", bad)
		}
	}
	for offer, want := range map[string]string{dirSendRecv: dirSendRecv, dirSendOnly: dirRecvOnly, dirRecvOnly: dirSendOnly, dirInactive: dirInactive} {
		if got := answerDir(offer, false); got != want {
			t.Errorf("answer to %s: %s", offer, got)
		}
	}
}

func TestParsing(t *testing.T) {
	for in, want := range map[string]string{"486 Busy Here": "486 Busy Here", "": "603 Decline", "Decline": "603 Decline",
		"480": "480 Temporarily Unavailable", "200 OK": "603 200 OK", "Not now": "603 Not now"} {
		code, reason := parseStatus(in, 603)
		if got := itoa(code) + " " + reason; got != want {
			t.Errorf("parseStatus(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"sip:1009@lab.test": "sip:1009@lab.test", "1009": "sip:1009@lab.test",
		`"Bob" <sip:bob@x.org>`: "sip:bob@x.org", "1009@other.test": "sip:1009@other.test"} {
		u, _, err := parseTarget(in, "lab.test")
		if err != nil || u.String() != want {
			t.Errorf("parseTarget(%q) = %s, %v", in, u.String(), err)
		}
	}
	for _, bad := range []string{"", "tel:+1555", "sips:a@b", "<nonsense", "a\r\nb"} {
		if _, _, err := parseTarget(bad, "lab.test"); err == nil {
			t.Errorf("parseTarget(%q) accepted", bad)
		}
	}
	if st, ok := sipfragStatus([]byte("SIP/2.0 180 Ringing\r\n")); !ok || st.Error() != "180 Ringing" {
		t.Errorf("sipfrag: %v %v", st, ok)
	}
	if _, ok := sipfragStatus([]byte("garbage")); ok {
		t.Error("garbage sipfrag accepted")
	}
	if _, err := parseCodecs([]any{"speex", "wideband"}); err == nil {
		t.Error("no G.711 accepted")
	}
	if _, err := parseCodecs([]any{1.0}); err == nil {
		t.Error("numeric codec accepted")
	}
}

func TestRTPPayload(t *testing.T) {
	ok := []byte{0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff}
	if off, good := rtpPayload(ok); !good || off != 12 {
		t.Fatal(off, good)
	}
	ext := append([]byte{0x91, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 9, 9, 9, 9, 0xbe, 0xde, 0, 1, 1, 2, 3, 4}, 0xff)
	if off, good := rtpPayload(ext); !good || off != 24 {
		t.Fatalf("csrc+extension: %d %v", off, good)
	}
	for _, bad := range [][]byte{nil, ok[:11], {0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, ext[:20], ok[:12]} {
		if _, good := rtpPayload(bad); good {
			t.Errorf("accepted %x", bad)
		}
	}
	for i := range 256 {
		if d := ulawDecode(ulawEncode(ulawDecode(byte(i)))); d != ulawDecode(byte(i)) {
			t.Fatalf("μ-law %#x: %d", i, d)
		}
	}
}

// The per-packet paths allocate nothing.
func TestMediaAllocs(t *testing.T) {
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	pool := &portPool{ip: mustAddr("127.0.0.1")}
	conn, err := pool.listen()
	if err != nil {
		t.Fatal(err)
	}
	m := newMedia(conn)
	defer m.close()
	m.setRemote(sdpMedia{addr: mustAddr("127.0.0.1"), port: peer.LocalAddr().(*net.UDPAddr).Port, dtmfPT: noDTMF, dir: dirSendRecv})
	f := frame(1)
	if n := testing.AllocsPerRun(200, func() { m.sendAudio(f) }); n != 0 {
		t.Errorf("sendAudio: %v allocations", n)
	}
	pkt := append([]byte{0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, f[1:]...)
	if n := testing.AllocsPerRun(200, func() { _, _ = rtpPayload(pkt) }); n != 0 {
		t.Errorf("rtpPayload: %v allocations", n)
	}
	got := make(chan []byte, 1)
	go m.readLoop(func(ssrc, ts uint32, data []byte) {
		select {
		case got <- bytes.Clone(data):
		default:
		}
	})
	_, _ = peer.WriteToUDPAddrPort(pkt, m.addr) // from the SDP address
	select {
	case d := <-got:
		if d[0] != tagPCMU || !bytes.Equal(d[1:], f[1:]) {
			t.Fatalf("delivered %x…", d[:4])
		}
	case <-time.After(2 * time.Second):
		t.Fatal("nothing delivered")
	}
}

// Malformed or misdirected SIP gets an error answer and leaves the
// gateway serving.
func TestBadSIP(t *testing.T) {
	h := newHarness(t)
	h.connect("1005")
	contact, _ := h.fake.binding("1005")
	raw := func(msg string) string {
		t.Helper()
		c, err := net.Dial("udp", h.gw.SIPAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		local := c.LocalAddr().String()
		msg = strings.ReplaceAll(strings.ReplaceAll(msg, "LOCAL", local), "\n", "\r\n")
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		buf := make([]byte, 4096)
		n, err := c.Read(buf)
		if err != nil {
			return ""
		}
		line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
		return line
	}
	invite := func(user, body string) string {
		return "INVITE sip:" + user + "@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bK" + user + itoa(len(body)) +
			"\nFrom: <sip:x@lab.test>;tag=1\nTo: <sip:1005@lab.test>\nCall-ID: c-" + user + "\nCSeq: 1 INVITE\n" +
			"Contact: <sip:x@LOCAL>\nMax-Forwards: 70\nContent-Type: application/sdp\nContent-Length: " + itoa(len(body)) + "\n\n" + body
	}
	raw("garbage\n\n")
	if got := raw(invite("nobody", "")); got != "SIP/2.0 404 Not Found" {
		t.Errorf("unknown contact: %q", got)
	}
	if got := raw(invite(contact.User, "")); got != "SIP/2.0 488 Not Acceptable Here" {
		t.Errorf("no SDP: %q", got)
	}
	if got := raw(invite(contact.User, "v=0\nm=audio 9 RTP/AVP 18\nc=IN IP4 127.0.0.1\n")); got != "SIP/2.0 488 Not Acceptable Here" {
		t.Errorf("G.729 only: %q", got)
	}
	bye := "BYE sip:" + contact.User + "@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP LOCAL;branch=z9hG4bKbye\nFrom: <sip:x@lab.test>;tag=1\n" +
		"To: <sip:1005@lab.test>;tag=2\nCall-ID: nope\nCSeq: 2 BYE\nMax-Forwards: 70\nContent-Length: 0\n\n"
	if got := raw(bye); got != "SIP/2.0 481 Call/Transaction Does Not Exist" {
		t.Errorf("BYE outside a call: %q", got)
	}
	if code := h.fake.notify("1005", "check-sync", "text/plain", ""); code != 200 {
		t.Errorf("NOTIFY: %d", code)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
