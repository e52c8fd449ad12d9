//go:build !js

package mediaserver

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// chromeOffer is shaped like the non-trickle offer kazoo's browser side
// makes in Chromium (the lab's --allow-loopback-in-peer-connection run):
// BUNDLE, one audio section, rtcp-mux, opus first, host candidates.
const chromeOffer = "v=0\r\n" +
	"o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n" +
	"s=-\r\n" +
	"t=0 0\r\n" +
	"a=group:BUNDLE 0\r\n" +
	"a=extmap-allow-mixed\r\n" +
	"a=msid-semantic: WMS 5f0c3b3e\r\n" +
	"m=audio 40313 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n" +
	"c=IN IP4 127.0.0.1\r\n" +
	"a=rtcp:9 IN IP4 0.0.0.0\r\n" +
	"a=candidate:1 1 udp 2113937151 127.0.0.1 40313 typ host generation 0 network-cost 999\r\n" +
	"a=candidate:2 1 udp 2113939711 192.0.2.1 40314 typ host generation 0 network-cost 999\r\n" +
	"a=end-of-candidates\r\n" +
	"a=ice-ufrag:Xq3u\r\n" +
	"a=ice-pwd:Gn2d0Yq6aYf7x3nJm1vLw8Kc\r\n" +
	"a=ice-options:trickle\r\n" +
	"a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:55:EA:8C:D3:B6:5C:09:5E:D6:BC\r\n" +
	"a=setup:actpass\r\n" +
	"a=mid:0\r\n" +
	"a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n" +
	"a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n" +
	"a=sendrecv\r\n" +
	"a=msid:5f0c3b3e 9d0e6a7b\r\n" +
	"a=rtcp-mux\r\n" +
	"a=rtcp-rsize\r\n" +
	"a=rtpmap:111 opus/48000/2\r\n" +
	"a=rtcp-fb:111 transport-cc\r\n" +
	"a=fmtp:111 minptime=10;useinbandfec=1\r\n" +
	"a=rtpmap:63 red/48000/2\r\n" +
	"a=fmtp:63 111/111\r\n" +
	"a=rtpmap:9 G722/8000\r\n" +
	"a=rtpmap:0 PCMU/8000\r\n" +
	"a=rtpmap:8 PCMA/8000\r\n" +
	"a=rtpmap:13 CN/8000\r\n" +
	"a=rtpmap:110 telephone-event/48000\r\n" +
	"a=rtpmap:126 telephone-event/8000\r\n" +
	"a=ssrc:1234567 cname:abcdefgh\r\n" +
	"a=ssrc:1234567 msid:5f0c3b3e 9d0e6a7b\r\n"

func plainBody(addr string, port int, formats string, extra ...string) []byte {
	var b strings.Builder
	b.WriteString("v=0\r\no=phone 1 1 IN IP4 " + addr + "\r\ns=call\r\nc=IN IP4 " + addr + "\r\nt=0 0\r\n")
	b.WriteString("m=audio " + strconv.Itoa(port) + " RTP/AVP " + formats + "\r\n")
	for _, l := range extra {
		b.WriteString(l + "\r\n")
	}
	return []byte(b.String())
}

func TestParseChromeOffer(t *testing.T) {
	m, err := parseSDP([]byte(chromeOffer))
	if err != nil {
		t.Fatal(err)
	}
	if !m.webrtc || m.ufrag != "Xq3u" || m.dir != dirSendRecv || m.port != 40313 {
		t.Fatalf("parsed %+v", m)
	}
	want := []codec{{0, namePCMU}, {8, namePCMA}, {126, nameTE}}
	if len(m.codecs) != len(want) {
		t.Fatalf("codecs %v, want %v (opus, red, G722, CN and telephone-event/48000 are not relayed)", m.codecs, want)
	}
	for i := range want {
		if m.codecs[i] != want[i] {
			t.Fatalf("codecs %v, want %v", m.codecs, want)
		}
	}
}

func TestParsePlain(t *testing.T) {
	m, err := parseSDP(plainBody("192.0.2.7", 4000, "8 0 101 96", "a=rtpmap:101 telephone-event/8000", "a=rtpmap:96 opus/48000/2", "a=sendonly"))
	if err != nil {
		t.Fatal(err)
	}
	if m.webrtc || m.addr != netip.MustParseAddr("192.0.2.7") || m.port != 4000 || m.dir != dirSendOnly {
		t.Fatalf("parsed %+v", m)
	}
	if g := m.g711(); len(g) != 2 || g[0].name != namePCMA || g[1].name != namePCMU {
		t.Fatalf("g711 %v, want PCMA then PCMU (the m= line's order)", g)
	}
	if te, ok := m.find(nameTE); !ok || te.pt != 101 {
		t.Fatalf("telephone-event %v %v", te, ok)
	}
	if !m.held() || m.effectiveDir() != dirSendOnly {
		t.Fatal("sendonly is a hold")
	}
	old, err := parseSDP([]byte(strings.Replace(string(plainBody("0.0.0.0", 4000, "0")), "o=phone 1 1 IN IP4 0.0.0.0", "o=phone 1 2 IN IP4 192.0.2.7", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if !old.held() || old.effectiveDir() != dirSendOnly {
		t.Fatalf("c=0.0.0.0 sendrecv must count as sendonly, got %v", old.effectiveDir())
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		body string
		want error
	}{
		{"empty", "", ErrBadSDP},
		{"garbage", "hello\r\nworld\r\n", ErrBadSDP},
		{"too large", string(plainBody("192.0.2.7", 4000, "0")) + strings.Repeat("a=x:"+strings.Repeat("y", 1000)+"\r\n", 70), ErrBadSDP},
		{"video only", strings.Replace(string(plainBody("192.0.2.7", 4000, "96")), "m=audio", "m=video", 1), ErrNoAudio},
		{"audio port 0", string(plainBody("192.0.2.7", 0, "0")), ErrNoAudio},
		{"hostname", strings.ReplaceAll(string(plainBody("192.0.2.7", 4000, "0")), "IN IP4 192.0.2.7", "IN IP4 phone.example"), ErrBadSDP},
		{"no c=", strings.Replace(string(plainBody("192.0.2.7", 4000, "0")), "c=IN IP4 192.0.2.7\r\n", "", 1), ErrBadSDP},
		{"SDES", strings.Replace(string(plainBody("192.0.2.7", 4000, "0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA")), "RTP/AVP", "RTP/SAVP", 1), ErrBadSDP},
		{"port out of range", string(plainBody("192.0.2.7", 70000, "0")), ErrBadSDP},
	}
	for _, c := range cases {
		if _, err := parseSDP([]byte(c.body)); !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
	}
}

func FuzzParseSDP(f *testing.F) {
	f.Add([]byte(chromeOffer))
	f.Add(plainBody("192.0.2.7", 4000, "0 8 101", "a=rtpmap:101 telephone-event/8000", "a=sendonly"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseSDP(b)
		if err == nil {
			_ = withDirection(string(b), dirRecvOnly)
			_ = m.g711()
		}
	})
}

func TestWithDirection(t *testing.T) {
	out := withDirection(chromeOffer, dirRecvOnly)
	m, err := parseSDP([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if m.dir != dirRecvOnly || strings.Contains(out, "a=sendrecv") {
		t.Fatalf("direction %v", m.dir)
	}
	if strings.Contains(out, "a=msid:") || strings.Contains(out, "a=ssrc:") {
		t.Fatal("a recvonly stream keeps no a=msid or a=ssrc")
	}
	if !strings.Contains(out, "a=candidate:") || !strings.HasSuffix(out, "\r\n") {
		t.Fatal("the rest of the body must stay")
	}
	back := withDirection(out, dirSendOnly)
	if m, _ := parseSDP([]byte(back)); m.dir != dirSendOnly || strings.Count(back, "a=sendonly") != 1 {
		t.Fatalf("rewritten twice: %v", m.dir)
	}
	if dirSendOnly.reverse() != dirRecvOnly || dirSendRecv.reverse() != dirSendRecv || dirInactive.reverse() != dirInactive {
		t.Fatal("reverse")
	}
}

func TestPlainSDPVersion(t *testing.T) {
	p := plainSDP{sessID: 7}
	a := netip.MustParseAddr("127.0.0.1")
	c := []codec{{0, namePCMU}, {101, nameTE}}
	one := p.render(a, 4000, c, dirSendRecv)
	two := p.render(a, 4000, c, dirSendRecv)
	three := p.render(a, 4000, c, dirSendOnly)
	m1, _ := parseSDP(one)
	m2, _ := parseSDP(two)
	m3, err := parseSDP(three)
	if err != nil {
		t.Fatal(err)
	}
	if m1.origin.SessionVersion != m2.origin.SessionVersion || m3.origin.SessionVersion != m1.origin.SessionVersion+1 {
		t.Fatalf("o= versions %d %d %d: same body same version, changed body +1",
			m1.origin.SessionVersion, m2.origin.SessionVersion, m3.origin.SessionVersion)
	}
	for _, want := range []string{"a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20", "m=audio 4000 RTP/AVP 0 101"} {
		if !strings.Contains(string(one), want+"\r\n") {
			t.Errorf("missing %q in\n%s", want, one)
		}
	}
}

func TestRewriter(t *testing.T) {
	r := newRewriter()
	now := time.Now()
	h := rtp.Header{SSRC: 1, SequenceNumber: 65534, Timestamp: 1000}
	r.rewrite(&h, now)
	if !h.Marker || h.SSRC != r.ssrc {
		t.Fatal("first packet: marker, our SSRC")
	}
	seq0, ts0 := h.SequenceNumber, h.Timestamp
	h = rtp.Header{SSRC: 1, SequenceNumber: 1, Timestamp: 1480} // one lost, across the wrap
	r.rewrite(&h, now.Add(60*time.Millisecond))
	if h.Marker || h.SequenceNumber != seq0+3 || h.Timestamp != ts0+480 {
		t.Fatalf("steps of the source must be kept: seq +%d ts +%d", h.SequenceNumber-seq0, h.Timestamp-ts0)
	}
	h = rtp.Header{SSRC: 2, SequenceNumber: 9000, Timestamp: 5}
	r.rewrite(&h, now.Add(100*time.Millisecond))
	if !h.Marker || h.SequenceNumber != seq0+4 || h.Timestamp != ts0+480+320 || h.SSRC != r.ssrc {
		t.Fatalf("a new source continues the stream: marker %v seq +%d ts +%d", h.Marker, h.SequenceNumber-seq0, h.Timestamp-ts0)
	}
}
