//go:build !js

package mediaserver

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Side is one leg of a Bridge.
type Side int

const (
	// WebRTC is the browser's leg: ICE, DTLS-SRTP, RTP/SAVPF, rtcp-mux,
	// BUNDLE, candidates in the SDP.
	WebRTC Side = iota
	// Plain is the RTP/AVP leg: a desk phone, baresip, kazoo-rtmpgw.
	Plain
)

func (s Side) String() string {
	switch s {
	case WebRTC:
		return "WebRTC"
	case Plain:
		return "plain"
	}
	return fmt.Sprintf("Side(%d)", int(s))
}

// Bridge anchors the media of one call between a WebRTC leg and a plain
// leg, like rtpengine next to a SIP proxy. G.711 passes untouched,
// telephone-event too with its payload type mapped between the legs.
// Every offer from one leg becomes an offer to the other, whose answer
// becomes the answer to the first. It is safe for concurrent use; calls
// are serialised.
type Bridge struct {
	s   *Server
	log *slog.Logger

	mu      sync.Mutex
	closed  bool
	plain   *plainLeg
	pending *pendingOffer
	pinned  string // the G.711 codec of the call, once the first exchange completed
	webPT   legPTs
	plainPT legPTs

	rtc   atomic.Pointer[rtcLeg]
	route atomic.Pointer[route]
}

// pendingOffer is an offer passed on to the other leg, awaiting its
// answer.
type pendingOffer struct {
	from   Side
	body   []byte    // a WebRTC offer, applied to pion with the answer
	m      mediaInfo // the offer
	dir    direction // the direction offered to the other leg
	codecs []codec   // the codecs offered to a plain leg
	ours   []byte    // the offer made to the WebRTC leg
}

// legPTs are the payload types of the call's codec and of
// telephone-event (-1: none) on one leg, in the leg's SDP (theirs) and
// in ours to it.
type legPTs struct{ their, our ptPair }

type ptPair struct{ audio, te int }

// route maps the payload types of packets from each leg to those sent to
// the other; -1 drops the packet.
type route struct{ fromPlain, fromWeb [128]int16 }

// NewBridge returns an empty bridge; its first Offer says which leg
// calls.
func (s *Server) NewBridge() (*Bridge, error) {
	b := &Bridge{s: s, log: s.log.With("bridge", random32())}
	if err := s.track(b); err != nil {
		return nil, err
	}
	return b, nil
}

// Offer takes an offer from one leg (the initial offer, or a re-offer in
// an established call: hold, resume, ICE restart) and returns the offer
// to send to the other leg. A WebRTC offer becomes a plain RTP/AVP offer
// on a local address with the G.711 codecs the browser offered and
// telephone-event/8000 (PT 101), a=ptime:20, the same direction; a plain
// offer becomes a WebRTC offer (ICE, DTLS, candidates) with the G.711
// codecs the phone offered and telephone-event if it has it. Once a call
// is established its codec is kept: a re-offer must have it.
func (b *Bridge) Offer(from Side, sdp []byte) (toOther []byte, err error) {
	m, err := parseSDP(sdp)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.check(from, &m); err != nil {
		return nil, err
	}
	if b.pending != nil {
		return nil, fmt.Errorf("%w: an offer from the %s leg is pending", ErrState, b.pending.from)
	}
	g711 := slices.DeleteFunc(m.g711(), func(c codec) bool { return b.pinned != "" && c.name != b.pinned })
	if len(g711) == 0 {
		return nil, fmt.Errorf("%w: the %s offer has none of %s", ErrNoCodec, from, b.codecNames())
	}
	te, hasTE := m.find(nameTE)
	p := &pendingOffer{from: from, m: m, dir: m.effectiveDir()}
	if from == WebRTC {
		p.body = slices.Clone(sdp)
		pt := dtmfPT
		if b.plainPT.our.te >= 0 && b.pinned != "" {
			pt = b.plainPT.our.te
		}
		p.codecs = offerCodecs(g711, hasTE, uint8(pt))
		if b.plain == nil {
			if err := b.newPlain(netip.Addr{}); err != nil {
				return nil, err
			}
		}
		toOther = b.plain.sdp.render(b.plain.local.Addr(), b.plain.local.Port(), p.codecs, p.dir)
	} else {
		rtc := b.rtc.Load()
		if b.plain == nil {
			if err := b.newPlain(m.addr); err != nil {
				return nil, err
			}
		}
		if rtc == nil {
			pt := te.pt
			if pt < 96 {
				pt = dtmfPT
			}
			if rtc, err = b.newRTC(offerCodecs(g711, hasTE, pt)); err != nil {
				return nil, err
			}
		}
		if toOther, err = rtc.offer(p.dir); err != nil {
			if b.pinned == "" {
				b.dropRTC()
			}
			return nil, err
		}
		p.ours = toOther
	}
	b.pending = p
	b.log.Debug("offer", "from", from, "dir", p.dir)
	return toOther, nil
}

// offerCodecs lists the offered G.711 codecs at their static payload
// types, then telephone-event at tePT when the offer had it.
func offerCodecs(g711 []codec, hasTE bool, tePT uint8) []codec {
	out := make([]codec, 0, len(g711)+1)
	for _, c := range g711 {
		out = append(out, codec{pt: staticPT(c.name), name: c.name})
	}
	if hasTE {
		out = append(out, codec{pt: tePT, name: nameTE})
	}
	return out
}

// Answer takes the answer of the leg an offer was sent to and returns
// the answer to send back to the offering leg: the codec the answering
// leg chose (the first G.711 codec of its answer), telephone-event if
// both legs have it, the answering leg's direction.
func (b *Bridge) Answer(from Side, sdp []byte) (toOther []byte, err error) {
	m, err := parseSDP(sdp)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.check(from, &m); err != nil {
		return nil, err
	}
	p := b.pending
	if p == nil || p.from == from {
		return nil, fmt.Errorf("%w: no offer to the %s leg is pending", ErrState, from)
	}
	if from == Plain {
		toOther, err = b.answerFromPlain(p, &m)
	} else {
		toOther, err = b.answerFromWeb(p, &m, sdp)
	}
	if err != nil {
		return nil, err
	}
	b.pending = nil
	b.reroute()
	return toOther, nil
}

// answerFromPlain completes a browser's offer with the phone's answer m.
func (b *Bridge) answerFromPlain(p *pendingOffer, m *mediaInfo) ([]byte, error) {
	offered := mediaInfo{codecs: p.codecs}
	audio, ok := firstG711(m, &offered)
	if !ok {
		return nil, fmt.Errorf("%w: the plain answer has none of the offered G.711 codecs", ErrNoCodec)
	}
	webAudio, _ := p.m.find(audio.name)
	webTE, webHasTE := p.m.find(nameTE)
	_, offeredTE := offered.find(nameTE)
	_, plainHasTE := m.find(nameTE)
	te := webHasTE && offeredTE && plainHasTE
	dir := m.effectiveDir() & p.dir.reverse()

	rtc := b.rtc.Load()
	if rtc == nil {
		codecs := []codec{webAudio}
		if te {
			codecs = append(codecs, webTE)
		}
		var err error
		if rtc, err = b.newRTC(codecs); err != nil {
			b.pending = nil
			return nil, err
		}
	}
	answer, err := rtc.answer(p.body, dir)
	if err != nil {
		b.pending = nil
		if b.pinned == "" {
			b.dropRTC()
		}
		return nil, err
	}
	ours, _ := parseSDP(answer)
	b.pinned = audio.name
	b.webPT = legPTs{their: ptsOf(&p.m, audio.name, te), our: ptsOf(&ours, audio.name, te)}
	b.plainPT = legPTs{their: ptsOf(m, audio.name, te), our: ptsOf(&offered, audio.name, te)}
	b.plain.setPeer(m, dir.recv() && p.dir.send())
	rtc.setSend(p.dir.recv() && dir.send())
	b.log.Debug("answer", "from", Plain, "codec", audio.name, "dtmf", te, "dir", dir)
	return answer, nil
}

// answerFromWeb completes a phone's offer with the browser's answer m.
func (b *Bridge) answerFromWeb(p *pendingOffer, m *mediaInfo, sdp []byte) ([]byte, error) {
	rtc := b.rtc.Load()
	if err := rtc.setAnswer(sdp); err != nil {
		b.pending = nil
		return nil, err
	}
	b.pending = nil
	audio, ok := firstG711(m, &p.m)
	if !ok || (b.pinned != "" && audio.name != b.pinned) {
		return nil, fmt.Errorf("%w: the WebRTC answer has none of the offered G.711 codecs", ErrNoCodec)
	}
	phoneAudio, _ := p.m.find(audio.name)
	phoneTE, phoneHasTE := p.m.find(nameTE)
	webTE, webHasTE := m.find(nameTE)
	te := phoneHasTE && webHasTE
	if b.pinned == "" {
		// later offers to the browser carry the call's codec only
		prefs := []webrtc.RTPCodecParameters{pionCodec(audio)}
		if te {
			prefs = append(prefs, pionCodec(webTE))
		}
		if err := rtc.tr.SetCodecPreferences(prefs); err != nil {
			b.log.Warn("codec preferences", "err", err)
		}
	}
	dir := m.dir & p.dir.reverse()
	codecs := []codec{phoneAudio}
	if te {
		codecs = append(codecs, phoneTE)
	}
	answer := b.plain.sdp.render(b.plain.local.Addr(), b.plain.local.Port(), codecs, dir)
	ours, _ := parseSDP(p.ours)
	b.pinned = audio.name
	b.webPT = legPTs{their: ptsOf(m, audio.name, te), our: ptsOf(&ours, audio.name, te)}
	b.plainPT = legPTs{their: ptsOf(&p.m, audio.name, te), our: ptsOf(&mediaInfo{codecs: codecs}, audio.name, te)}
	b.plain.setPeer(&p.m, p.m.effectiveDir().recv() && dir.send())
	rtc.setSend(dir.recv() && p.dir.send())
	b.log.Debug("answer", "from", WebRTC, "codec", audio.name, "dtmf", te, "dir", dir)
	return answer, nil
}

// Cancel drops the pending offer when the other leg refused it (a SIP
// error to the re-INVITE); the call goes on as it was negotiated before.
// A refused initial offer leaves the bridge unusable: close it.
func (b *Bridge) Cancel() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	p := b.pending
	if p == nil {
		return fmt.Errorf("%w: no offer is pending", ErrState)
	}
	b.pending = nil
	if p.from == Plain {
		b.rtc.Load().rollback()
	}
	return nil
}

// Close ends both legs and frees their sockets and peer connection.
func (b *Bridge) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	b.dropRTC()
	if b.plain != nil {
		b.plain.close()
	}
	b.s.untrack(b)
	b.log.Debug("bridge closed")
	return nil
}

// check validates the side and the kind of its SDP; b.mu is held.
func (b *Bridge) check(from Side, m *mediaInfo) error {
	if b.closed {
		return ErrClosed
	}
	if from != WebRTC && from != Plain {
		return fmt.Errorf("mediaserver: unknown side %d", int(from))
	}
	if m.webrtc != (from == WebRTC) {
		return fmt.Errorf("%w: %s SDP from the %s leg", ErrBadSDP, kindName(m.webrtc), from)
	}
	return nil
}

func (b *Bridge) codecNames() string {
	if b.pinned != "" {
		return b.pinned + " (the call's codec)"
	}
	return "PCMU, PCMA"
}

func (b *Bridge) newPlain(remote netip.Addr) error {
	l, err := b.s.newPlainLeg(remote, b.log.With("leg", Plain))
	if err != nil {
		return err
	}
	b.plain = l
	l.start(b.fromPlain)
	return nil
}

func (b *Bridge) newRTC(codecs []codec) (*rtcLeg, error) {
	l, err := b.s.newRTCLeg(codecs, b.log.With("leg", WebRTC), b.fromWeb)
	if err != nil {
		return nil, err
	}
	b.rtc.Store(l)
	return l, nil
}

func (b *Bridge) dropRTC() {
	if l := b.rtc.Swap(nil); l != nil {
		l.close()
	}
}

// fromPlain relays a packet of the plain leg to the WebRTC leg.
func (b *Bridge) fromPlain(p *rtp.Packet, now time.Time) {
	r, rtc := b.route.Load(), b.rtc.Load()
	if r == nil || rtc == nil || r.fromPlain[p.PayloadType] < 0 {
		return
	}
	p.PayloadType = uint8(r.fromPlain[p.PayloadType])
	rtc.send(&p.Header, p.Payload, now)
}

// fromWeb relays a packet of the WebRTC leg to the plain leg.
func (b *Bridge) fromWeb(p *rtp.Packet, now time.Time) {
	r := b.route.Load()
	if r == nil || r.fromWeb[p.PayloadType] < 0 {
		return
	}
	p.PayloadType = uint8(r.fromWeb[p.PayloadType])
	b.plain.send(&p.Header, p.Payload, now)
}

// reroute publishes the payload type maps of the negotiated call. A leg
// sends with the payload types of the SDP it wrote; packets from it are
// matched against both its SDP and ours (they agree but for broken
// peers).
func (b *Bridge) reroute() {
	var r route
	for i := range r.fromPlain {
		r.fromPlain[i], r.fromWeb[i] = -1, -1
	}
	set := func(tbl *[128]int16, in legPTs, out int, te bool) {
		from := []int{in.their.audio, in.our.audio}
		if te {
			from = []int{in.their.te, in.our.te}
		}
		for _, pt := range from {
			if pt >= 0 && out >= 0 {
				tbl[pt] = int16(out)
			}
		}
	}
	set(&r.fromPlain, b.plainPT, b.webPT.their.te, true)
	set(&r.fromWeb, b.webPT, b.plainPT.their.te, true)
	set(&r.fromPlain, b.plainPT, b.webPT.their.audio, false)
	set(&r.fromWeb, b.webPT, b.plainPT.their.audio, false)
	b.route.Store(&r)
}

// firstG711 is the first PCMU or PCMA format of m that offer has too.
func firstG711(m, offer *mediaInfo) (codec, bool) {
	for _, c := range m.g711() {
		if _, ok := offer.find(c.name); ok {
			return c, true
		}
	}
	return codec{}, false
}

// ptsOf reads the payload types of audio and (when te) telephone-event.
func ptsOf(m *mediaInfo, audio string, te bool) ptPair {
	p := ptPair{audio: -1, te: -1}
	if c, ok := m.find(audio); ok {
		p.audio = int(c.pt)
	}
	if c, ok := m.find(nameTE); ok && te {
		p.te = int(c.pt)
	}
	return p
}

func staticPT(name string) uint8 {
	if name == namePCMA {
		return 8
	}
	return 0
}

func pionCodec(c codec) webrtc.RTPCodecParameters {
	return webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/" + c.name, ClockRate: clockRate},
		PayloadType:        webrtc.PayloadType(c.pt),
	}
}
