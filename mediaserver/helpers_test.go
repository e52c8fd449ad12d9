//go:build !js

package mediaserver

import (
	"bytes"
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// wait bounds every wait for a packet or an event in the tests.
const wait = 5 * time.Second

// testServer is a Server on 127.0.0.1 whose Close runs at the end of
// the test, after a goroutine check registered first (so it runs last).
func testServer(t *testing.T) *Server {
	t.Helper()
	noLeaks(t)
	var log *slog.Logger
	if os.Getenv("MEDIASERVER_DEBUG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := New(Config{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// noLeaks fails the test if goroutines started during it are still
// running once its cleanups are done.
func noLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(wait)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				n := runtime.Stack(buf, true)
				t.Errorf("%d goroutines, %d before the test:\n%s", runtime.NumGoroutine(), before, buf[:n])
				return
			}
			runtime.Gosched()
			time.Sleep(10 * time.Millisecond) // polling the count, not synchronising
		}
	})
}

// browser is a pion PeerConnection standing in for Chromium: opus, G722,
// PCMU, PCMA and telephone-event/8000 as PT 126, one audio transceiver,
// host candidates on 127.0.0.1, non-trickle.
type browser struct {
	t         *testing.T
	pc        *webrtc.PeerConnection
	out       *outTrack
	rx        chan *rtp.Packet
	connected chan struct{}
	seq       uint16
	ts        uint32
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	m := &webrtc.MediaEngine{}
	for _, c := range []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeG722, ClockRate: 8000}, PayloadType: 9},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}, PayloadType: 8},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/telephone-event", ClockRate: 8000, SDPFmtpLine: "0-16"}, PayloadType: 126},
	} {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			t.Fatal(err)
		}
	}
	var se webrtc.SettingEngine
	se.SetIPFilter(func(ip net.IP) bool { return ip.Equal(net.IPv4(127, 0, 0, 1)) })
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, pc: pc, out: &outTrack{}, rx: make(chan *rtp.Packet, 4096), connected: make(chan struct{}),
		seq: uint16(random32()), ts: random32()}
	if _, err := pc.AddTransceiverFromTrack(b.out, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv}); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(b.connected) })
		}
	})
	var wg sync.WaitGroup
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		wg.Add(1)
		defer wg.Done()
		buf := make([]byte, 1500)
		for {
			n, _, err := tr.Read(buf)
			if errors.Is(err, webrtc.ErrCodecNotFound) {
				continue
			}
			if err != nil {
				return
			}
			var p rtp.Packet
			if p.Unmarshal(append([]byte(nil), buf[:n]...)) == nil {
				select {
				case b.rx <- &p:
				default:
				}
			}
		}
	})
	t.Cleanup(func() {
		_ = pc.GracefulClose()
		wg.Wait()
	})
	return b
}

func (b *browser) gather(d webrtc.SessionDescription) []byte {
	b.t.Helper()
	done := webrtc.GatheringCompletePromise(b.pc)
	if err := b.pc.SetLocalDescription(d); err != nil {
		b.t.Fatal(err)
	}
	<-done
	return []byte(b.pc.LocalDescription().SDP)
}

func (b *browser) offer(opts *webrtc.OfferOptions) []byte {
	b.t.Helper()
	o, err := b.pc.CreateOffer(opts)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.gather(o)
}

func (b *browser) answer(offer []byte) []byte {
	b.t.Helper()
	if err := b.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(offer)}); err != nil {
		b.t.Fatal(err)
	}
	a, err := b.pc.CreateAnswer(nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.gather(a)
}

func (b *browser) setAnswer(answer []byte) {
	b.t.Helper()
	if err := b.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)}); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) waitConnected() {
	b.t.Helper()
	select {
	case <-b.connected:
	case <-time.After(wait):
		b.t.Fatal("the browser's peer connection did not connect")
	}
}

// send writes one packet on the browser's track, 20 ms of timestamp
// after the previous one.
func (b *browser) send(pt uint8, payload []byte) {
	w, ssrc := b.out.writer()
	if w == nil {
		b.t.Fatal("browser track not bound")
	}
	b.seq++
	b.ts += frameTicks
	_, _ = w.WriteRTP(&rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: b.seq, Timestamp: b.ts, SSRC: ssrc}, payload)
}

// phone is a plain RTP endpoint on a UDP socket of 127.0.0.1.
type phone struct {
	t    *testing.T
	conn *net.UDPConn
	rx   chan phonePacket
	seq  uint16
	ts   uint32
	ssrc uint32
}

type phonePacket struct {
	p    *rtp.Packet
	from netip.AddrPort
}

func newPhone(t *testing.T) *phone {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	p := &phone{t: t, conn: c, rx: make(chan phonePacket, 4096), seq: uint16(random32()), ts: random32(), ssrc: random32()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(p.rx)
		buf := make([]byte, 2048)
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			var pk rtp.Packet
			if pk.Unmarshal(append([]byte(nil), buf[:n]...)) == nil {
				select {
				case p.rx <- phonePacket{&pk, from}:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		_ = c.Close()
		<-done
	})
	return p
}

func (p *phone) port() int { return p.conn.LocalAddr().(*net.UDPAddr).Port }

// sdp is the phone's body: PCMU, PCMA and telephone-event as PT 101 by
// default.
func (p *phone) sdp(version int, formats string, attrs ...string) []byte {
	if formats == "" {
		formats = "0 8 101"
		attrs = append([]string{"a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16"}, attrs...)
	}
	body := string(plainBody("127.0.0.1", p.port(), formats, append(attrs, "a=ptime:20")...))
	return []byte(strings.Replace(body, "o=phone 1 1 ", "o=phone 1 "+strconv.Itoa(version)+" ", 1))
}

// target reads the address the package told the phone to send to.
func target(t *testing.T, body []byte) netip.AddrPort {
	t.Helper()
	m, err := parseSDP(body)
	if err != nil || m.webrtc {
		t.Fatalf("not a plain SDP (%v):\n%s", err, body)
	}
	return netip.AddrPortFrom(m.addr, m.port)
}

// send writes one packet to to, 20 ms of timestamp after the previous
// one.
func (p *phone) send(to netip.AddrPort, pt uint8, payload []byte) {
	p.sendFrom(p.conn, to, pt, payload)
}

func (p *phone) sendFrom(c *net.UDPConn, to netip.AddrPort, pt uint8, payload []byte) {
	p.seq++
	p.ts += frameTicks
	pk := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: p.seq, Timestamp: p.ts, SSRC: p.ssrc}, Payload: payload}
	b, _ := pk.Marshal()
	if _, err := c.WriteToUDPAddrPort(b, to); err != nil {
		p.t.Error(err)
	}
}

// payload is 160 bytes numbered n, so that relayed packets can be
// matched to sent ones.
func payload(n int) []byte {
	b := bytes.Repeat([]byte{byte(n * 7)}, frameTicks)
	binary.BigEndian.PutUint32(b, uint32(n))
	return b
}

// pump calls send every 20 ms (pacing like a real endpoint, not
// synchronisation) until the returned stop is called.
func pump(send func(n int)) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(frameTime)
		defer t.Stop()
		for n := 0; ; n++ {
			send(n)
			select {
			case <-quit:
				return
			case <-t.C:
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(quit); <-done }) }
}

// waitFor polls cond (state the package does not signal otherwise)
// until it holds, for at most wait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
