//go:build !js

package mediaserver

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// IVR is a call leg whose audio kazoo-dev makes and hears itself: a
// callflow's prompts (Play), digit collection (DTMF), recording
// (Record), a conference or a bridge (Mixer). Like Echo and Tone it is a
// Session (Update, Close). It is safe for concurrent use.
type IVR struct {
	s   *Server
	log *slog.Logger

	mu       sync.Mutex // Update, SetAnswer, Close
	closed   bool
	plain    *plainLeg
	rtc      *rtcLeg
	offering bool // OfferIVR's offer awaits SetAnswer
	running  bool // run was started
	send     func(*rtp.Header, []byte, time.Time) bool

	dead       atomic.Bool            // Close has begun
	codec      atomic.Pointer[codec]  // what is sent; nil until the offer/answer
	pts        atomic.Pointer[ptKind] // what is received
	negotiated atomic.Int64           // unix ns of the completed offer/answer; 0 before
	connected  atomic.Bool            // a plain frame was sent, or the peer connection is up
	mixer      atomic.Pointer[Mixer]

	// sending: a frame every 20 ms, by run or, in a mixer, by the mixer
	tick    sync.Mutex
	hdr     rtp.Header
	play    *playback
	payload [frameTicks]byte
	playSem chan struct{} // one Play at a time

	// receiving
	dtmf       chan rune
	dtmfMu     sync.Mutex
	dtmfClosed bool
	seen       [16]uint64 // recent telephone-events (SSRC, timestamp)
	seenN      int
	recMu      sync.Mutex
	recs       atomic.Pointer[[]*recorder]
	meter      meter
	in         mixIn

	stop, done chan struct{}
}

var _ Session = (*IVR)(nil)

// Kinds of received payload types.
const (
	kindNone uint8 = iota
	kindPCMU
	kindPCMA
	kindTE
)

type ptKind [128]uint8

// connectWait is how long Play waits after the answer for the first
// frame to go out (DTLS on a WebRTC leg) before it lets time run.
const connectWait = 5 * time.Second

// ivrCodecs are what OfferIVR offers.
var ivrCodecs = []codec{{pt: 0, name: namePCMU}, {pt: 8, name: namePCMA}, {pt: dtmfPT, name: nameTE}}

// IVR answers offer (WebRTC or plain, as Echo) with a leg whose audio
// the caller plays and hears: it sends the first G.711 codec of the
// offer and receives PCMU, PCMA and telephone-event.
func (s *Server) IVR(offer []byte) (answer []byte, v *IVR, err error) {
	m, err := parseSDP(offer)
	if err != nil {
		return nil, nil, err
	}
	g711 := m.g711()
	if len(g711) == 0 {
		return nil, nil, fmt.Errorf("%w: the offer has neither PCMU nor PCMA", ErrNoCodec)
	}
	v, err = s.newIVR()
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			_ = v.Close()
			v = nil
		}
	}()
	v.mu.Lock()
	defer v.mu.Unlock()
	if m.webrtc {
		codecs := g711[:1:1]
		if te, ok := m.find(nameTE); ok {
			codecs = append(codecs, codec{pt: dtmfPT, name: te.name})
		}
		if err = v.newRTC(codecs); err != nil {
			return nil, nil, err
		}
		if answer, err = v.answerRTC(offer, &m); err != nil {
			return nil, nil, err
		}
	} else {
		if err = v.newPlain(&m); err != nil {
			return nil, nil, err
		}
		answer = v.answerPlain(&m, g711[0])
	}
	v.negotiated.Store(time.Now().UnixNano())
	v.running = true
	go v.run()
	v.log.Debug("IVR answered", "webrtc", m.webrtc)
	return answer, v, nil
}

// OfferIVR makes an offer for a leg kazoo-dev places (to ring a browser
// or a phone): WebRTC (ICE, DTLS-SRTP, candidates included) or plain
// RTP/AVP on a local address, with PCMU (0), PCMA (8) and
// telephone-event/8000 (101). The far end's answer goes to SetAnswer.
func (s *Server) OfferIVR(webrtc bool) (offer []byte, v *IVR, err error) {
	v, err = s.newIVR()
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			_ = v.Close()
			v = nil
		}
	}()
	v.mu.Lock()
	defer v.mu.Unlock()
	if webrtc {
		if err = v.newRTC(ivrCodecs); err != nil {
			return nil, nil, err
		}
		if offer, err = v.rtc.offer(dirSendRecv); err != nil {
			return nil, nil, err
		}
	} else {
		if err = v.newPlain(nil); err != nil {
			return nil, nil, err
		}
		offer = v.plain.sdp.render(v.plain.local.Addr(), v.plain.local.Port(), ivrCodecs, dirSendRecv)
	}
	v.setReceive(ivrCodecs)
	v.offering = true
	v.running = true
	go v.run()
	v.log.Debug("IVR offered", "webrtc", webrtc)
	return offer, v, nil
}

func (s *Server) newIVR() (*IVR, error) {
	v := &IVR{
		s:       s,
		log:     s.log.With("ivr", random32()),
		hdr:     rtp.Header{Version: 2, SSRC: random32(), SequenceNumber: uint16(random32()), Timestamp: random32(), Marker: true},
		playSem: make(chan struct{}, 1),
		dtmf:    make(chan rune, 64),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	if err := s.track(v); err != nil {
		return nil, err
	}
	return v, nil
}

func (v *IVR) newRTC(codecs []codec) error {
	l, err := v.s.newRTCLeg(codecs, v.log, v.onPacket)
	if err != nil {
		return err
	}
	v.rtc, v.send = l, l.send
	// pion accepts writes before DTLS is up and drops them: a WebRTC
	// leg is connected when its peer connection is
	l.pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateConnected {
			v.connected.Store(true)
		}
	})
	return nil
}

// newPlain opens the plain leg; m is the peer's offer, nil when we offer.
func (v *IVR) newPlain(m *mediaInfo) error {
	var l *plainLeg
	var err error
	if m != nil {
		l, err = v.s.newPlainLeg(m.addr, v.log)
	} else {
		l, err = v.s.newPlainLeg(v.s.ips[0], v.log)
	}
	if err != nil {
		return err
	}
	v.plain, v.send = l, l.send
	l.start(v.onPacket)
	return nil
}

// answerRTC answers a WebRTC offer or re-offer and takes the codec of
// the answer.
func (v *IVR) answerRTC(offer []byte, m *mediaInfo) ([]byte, error) {
	answer, err := v.rtc.answer(offer, m.dir.reverse())
	if err != nil {
		return nil, err
	}
	ours, err := parseSDP(answer)
	if err != nil {
		return nil, err
	}
	g := ours.g711()
	if len(g) == 0 {
		return nil, fmt.Errorf("%w: the answer has neither PCMU nor PCMA", ErrNoCodec)
	}
	v.codec.Store(&g[0])
	v.setReceive(m.codecs, ours.codecs)
	v.rtc.setSend(m.dir.recv())
	return answer, nil
}

// answerPlain answers a plain offer or re-offer m with audio and the
// offer's telephone-event, and applies it.
func (v *IVR) answerPlain(m *mediaInfo, audio codec) []byte {
	codecs := []codec{audio}
	if te, ok := m.find(nameTE); ok {
		codecs = append(codecs, te)
	}
	v.codec.Store(&audio)
	v.setReceive(codecs)
	dir := m.effectiveDir()
	v.plain.setPeer(m, dir.recv())
	return v.plain.sdp.render(v.plain.local.Addr(), v.plain.local.Port(), codecs, dir.reverse())
}

// setReceive publishes the payload types accepted from the peer: every
// PCMU, PCMA and telephone-event format of the lists.
func (v *IVR) setReceive(lists ...[]codec) {
	var k ptKind
	for _, l := range lists {
		for _, c := range l {
			switch c.name {
			case namePCMU:
				k[c.pt] = kindPCMU
			case namePCMA:
				k[c.pt] = kindPCMA
			case nameTE:
				k[c.pt] = kindTE
			}
		}
	}
	v.pts.Store(&k)
}

// SetAnswer applies the far end's answer to OfferIVR's offer: the
// first of PCMU and PCMA in it is what the IVR sends.
func (v *IVR) SetAnswer(answer []byte) error {
	m, err := parseSDP(answer)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return ErrClosed
	}
	if !v.offering {
		return fmt.Errorf("%w: no offer of this IVR is pending", ErrState)
	}
	if m.webrtc != (v.rtc != nil) {
		return fmt.Errorf("%w: a %s answer to a %s offer", ErrBadSDP, kindName(m.webrtc), kindName(v.rtc != nil))
	}
	offered := mediaInfo{codecs: ivrCodecs}
	audio, ok := firstG711(&m, &offered)
	if !ok {
		return fmt.Errorf("%w: the answer has neither PCMU nor PCMA", ErrNoCodec)
	}
	if v.rtc != nil {
		if err := v.rtc.setAnswer(answer); err != nil {
			return err
		}
		v.rtc.setSend(m.dir.recv())
	} else {
		v.plain.setPeer(&m, m.effectiveDir().recv())
	}
	v.offering = false
	v.codec.Store(&audio)
	v.setReceive(ivrCodecs, m.codecs)
	v.negotiated.Store(time.Now().UnixNano())
	v.log.Debug("IVR answer", "codec", audio.name, "dir", m.dir)
	return nil
}

// Update answers a re-offer of the far end (a re-INVITE: hold, resume,
// a new address, an ICE restart), as a Session does.
func (v *IVR) Update(offer []byte) ([]byte, error) {
	m, err := parseSDP(offer)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil, ErrClosed
	}
	if v.offering {
		return nil, fmt.Errorf("%w: our offer is pending", ErrState)
	}
	if m.webrtc != (v.rtc != nil) {
		return nil, fmt.Errorf("%w: a %s re-offer in a %s IVR", ErrBadSDP, kindName(m.webrtc), kindName(v.rtc != nil))
	}
	g := m.g711()
	if len(g) == 0 {
		return nil, fmt.Errorf("%w: the re-offer has neither PCMU nor PCMA", ErrNoCodec)
	}
	if v.rtc != nil {
		return v.answerRTC(offer, &m)
	}
	audio, ok := m.find(v.codec.Load().name) // keep the codec in use
	if !ok {
		audio = g[0]
	}
	return v.answerPlain(&m, audio), nil
}

// Close ends the leg: Play and Record return ErrClosed, the DTMF
// channel is closed, the IVR leaves its mixer, its socket or peer
// connection is freed and its goroutines have ended when Close returns.
func (v *IVR) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil
	}
	v.closed = true
	v.dead.Store(true)
	if m := v.mixer.Load(); m != nil {
		m.Remove(v)
	}
	close(v.stop)
	if v.running {
		<-v.done
	}
	if v.rtc != nil {
		v.rtc.close()
	}
	if v.plain != nil {
		v.plain.close()
	}
	v.dtmfMu.Lock()
	v.dtmfClosed = true
	close(v.dtmf)
	v.dtmfMu.Unlock()
	v.s.untrack(v)
	v.log.Debug("IVR closed")
	return nil
}
