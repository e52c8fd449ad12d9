package rtmpgw

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// Run the fuzzers with, for example:
//
//	go test ./rtmpgw -run '^$' -fuzz '^FuzzSDP$' -fuzztime 30s
//	go test ./rtmpgw -run '^$' -fuzz '^FuzzRTP$' -fuzztime 30s
//
// Without -fuzz they run their seed corpus as ordinary tests.

func FuzzSDP(f *testing.F) {
	for _, s := range []string{
		"v=0\r\no=x 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\na=sendonly\r\n" +
			"m=video 5000 RTP/AVP 96\r\nc=IN IP4 10.0.0.9\r\n" +
			"m=audio 4000 RTP/AVP 8 0 96\r\nc=IN IP4 10.0.0.2\r\na=rtpmap:96 telephone-event/8000\r\n",
		"v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\n",
		"v=0\nc=IN IP6 ::ffff:127.0.0.1\nm=audio 9 RTP/AVP 0 101\na=rtpmap:101 TELEPHONE-EVENT/8000\na=inactive\n",
		"m=audio 0 RTP/AVP 0\r\nm=audio 65535 RTP/AVP 18 8 127 -1 x\r\nc=IN IP4 192.0.2.1/127/2\r\na=recvonly\r\n",
		"c=IN IP4 nonsense\r\nm=audio 1 RTP/AVP 0\r\n",
		string(sdpDesc{sessID: 1, version: 2, addr: netip.MustParseAddr("fe80::1%eth0"), port: 40000,
			audio: []int{ptPCMA, ptPCMU}, dtmfPT: ptDTMF, dir: dirSendOnly}.bytes()),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sd, err := parseSDP(body)
		if err != nil {
			return
		}
		if sd.port < 1 || sd.port > 65535 || !sd.addr.IsValid() || sd.addr.Is4In6() {
			t.Fatalf("bad address %v port %d", sd.addr, sd.port)
		}
		for _, pt := range sd.formats {
			if pt < 0 || pt > 127 {
				t.Fatalf("payload type %d", pt)
			}
		}
		if sd.dtmfPT != noDTMF && (sd.dtmfPT < 96 || sd.dtmfPT > 127 || !slices.Contains(sd.formats, sd.dtmfPT)) {
			t.Fatalf("telephone-event type %d with formats %v", sd.dtmfPT, sd.formats)
		}
		switch sd.dir {
		case dirSendRecv, dirSendOnly, dirRecvOnly, dirInactive:
		default:
			t.Fatalf("direction %q", sd.dir)
		}
		// What was read, sent back as our own SDP, reads the same.
		audio := slices.DeleteFunc(slices.Clone(sd.formats), func(pt int) bool { return pt == sd.dtmfPT })
		desc := sdpDesc{sessID: 1, version: 1, addr: sd.addr, port: sd.port, audio: audio, dtmfPT: sd.dtmfPT, dir: sd.dir}
		again, err := parseSDP(desc.bytes())
		want := audio
		if sd.dtmfPT != noDTMF {
			want = append(slices.Clone(audio), sd.dtmfPT)
		}
		if err != nil || again.addr != sd.addr || again.port != sd.port || again.dtmfPT != sd.dtmfPT ||
			again.dir != sd.dir || !slices.Equal(again.formats, want) {
			t.Fatalf("round trip of %+v: %+v, %v\n%s", sd, again, err, desc.bytes())
		}
	})
}

// fuzzSDPAddr is the SDP address of FuzzRTP's call; sources are chosen
// among it and three others.
var fuzzSDPAddr = netip.MustParseAddrPort("192.0.2.1:4000")

var fuzzSources = [4]netip.AddrPort{fuzzSDPAddr,
	netip.MustParseAddrPort("198.51.100.1:30000"),
	netip.MustParseAddrPort("198.51.100.1:30002"),
	netip.MustParseAddrPort("[::ffff:192.0.2.1]:4000")} // the SDP address, IPv4-mapped

// rtpSeed encodes packets for FuzzRTP: per packet, a source index and a
// length byte, then the packet.
func rtpSeed(pkts ...[]byte) []byte {
	var b []byte
	for i, p := range pkts {
		b = append(b, byte(i%2), byte(len(p)))
		b = append(b, p...)
	}
	return b
}

func rtpPkt(b0, pt byte, seq uint16, ssrc uint32, payload ...byte) []byte {
	p := []byte{b0, pt, 0, 0, 0, 0, 0, 160, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(p[2:], seq)
	binary.BigEndian.PutUint32(p[8:], ssrc)
	return append(p, payload...)
}

// FuzzRTP feeds a call's media a sequence of datagrams from several
// sources. Whatever they hold: no panic, delivered audio is a tag byte
// and 1 to maxPayload bytes, tones are DTMF characters, only the latched
// source is ever heard, and a latch to the SDP address is final.
func FuzzRTP(f *testing.F) {
	pcmu := bytes.Repeat([]byte{0xff}, 160)
	f.Add(rtpSeed(rtpPkt(0x80, 0, 1, 7, pcmu...), rtpPkt(0x80, 8, 2, 7, pcmu...)))
	f.Add([]byte{1, 13, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0xff, 1, 13, 0x80, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 9, 0xff,
		1, 16, 0x80, 101, 0, 3, 0, 0, 0, 0, 0, 0, 0, 9, 5, 0x8a, 0, 160, 0, 12, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add(rtpSeed(rtpPkt(0xa0, 0, 1, 7, 1, 2, 3, 200), rtpPkt(0xb1, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 9)))
	f.Add(rtpSeed(rtpPkt(0x80, 101, 1, 7, 11, 0x8a, 0, 160), rtpPkt(0x80, 101, 2, 7, 11, 0x8a, 0, 160), rtpPkt(0x80, 101, 3, 7, 15, 0x0a, 0, 160)))
	f.Fuzz(func(t *testing.T, in []byte) {
		m := &media{dtmfPT: noDTMF}
		var tones int
		m.onTone = func(tone byte) {
			if !strings.ContainsRune(dtmfTones, rune(tone)) {
				t.Fatalf("tone %q", tone)
			}
			tones++
		}
		m.setRemote(sdpMedia{addr: fuzzSDPAddr.Addr(), port: int(fuzzSDPAddr.Port()), dtmfPT: ptDTMF, dir: dirSendRecv})
		final := false
		for len(in) >= 2 {
			src := fuzzSources[in[0]%4]
			n := min(int(in[1]), len(in)-2)
			p := slices.Clone(in[2 : 2+n])
			in = in[2+n:]
			heard, before := false, tones
			m.packet(src, p, func(ssrc, ts uint32, data []byte) {
				if len(data) < 2 || len(data)-1 > maxPayload || (data[0] != tagPCMU && data[0] != tagPCMA) {
					t.Fatalf("delivered % x", data)
				}
				heard = true
			})
			heard = heard || tones > before
			src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
			if heard && m.latch.src != src {
				t.Fatalf("heard %v while latched to %v", src, m.latch.src)
			}
			if final && m.latch.src != fuzzSDPAddr {
				t.Fatalf("a latch to the SDP address moved to %v", m.latch.src)
			}
			final = m.latch.src == fuzzSDPAddr
		}
	})
}
