//go:build !js

package mediaserver

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// Session is a call answered by the server itself (Echo, Tone).
type Session interface {
	// Update answers a re-offer of the same peer (a re-INVITE): hold
	// with a=sendonly, a=inactive or c=0.0.0.0, resume, an ICE restart,
	// a new address. A WebRTC session takes WebRTC offers only, a plain
	// session plain ones. On error the session goes on as before.
	Update(offer []byte) (answer []byte, err error)
	// Close ends the session and frees its socket or peer connection.
	Close() error
}

// Echo answers offer with a session that sends back every audio packet
// it receives: PCMU, PCMA and telephone-event, payloads unchanged, in its
// own RTP stream (SSRC, sequence numbers and timestamps). offer is WebRTC
// (ICE and DTLS-SRTP, candidates in it) or plain RTP/AVP; the answer is
// of the same kind, complete with candidates.
func (s *Server) Echo(offer []byte) (answer []byte, sess Session, err error) {
	return s.newSession(offer, nil)
}

// Tone answers offer with a session that plays t, generated in G.711
// (the first of PCMU and PCMA in the offer's order). What the peer sends
// is read and dropped.
func (s *Server) Tone(offer []byte, t ToneSpec) (answer []byte, sess Session, err error) {
	t.Freqs = append([]float64(nil), t.Freqs...)
	if err := t.check(); err != nil {
		return nil, nil, err
	}
	return s.newSession(offer, &t)
}

// session implements Session on one leg, plain or WebRTC.
type session struct {
	s   *Server
	log *slog.Logger

	mu     sync.Mutex // Update and Close
	closed bool
	plain  *plainLeg
	rtc    *rtcLeg
	tone   *toneGen
	codec  codec                     // the tone's; none for an echo
	echoPT atomic.Pointer[[128]bool] // payload types echoed on a plain leg
}

func (s *Server) newSession(offer []byte, tone *ToneSpec) (answer []byte, _ Session, err error) {
	m, err := parseSDP(offer)
	if err != nil {
		return nil, nil, err
	}
	g711 := m.g711()
	if len(g711) == 0 {
		return nil, nil, fmt.Errorf("%w: the offer has neither PCMU nor PCMA", ErrNoCodec)
	}
	kind := "echo"
	if tone != nil {
		kind = "tone"
	}
	x := &session{s: s, log: s.log.With("session", kind, "id", random32())}
	if tone != nil {
		x.codec = g711[0]
	}
	if err := s.track(x); err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			_ = x.Close()
		}
	}()
	// the leg's handler, and for a tone what it sends through
	var h rtpHandler
	var send func(*rtp.Header, []byte, time.Time) bool
	if m.webrtc {
		codecs := append(g711, codec{pt: dtmfPT, name: nameTE})
		if tone != nil {
			codecs = g711[:1]
			h = func(*rtp.Packet, time.Time) {}
		} else {
			h = func(p *rtp.Packet, now time.Time) { x.rtc.send(&p.Header, p.Payload, now) }
		}
		if x.rtc, err = s.newRTCLeg(codecs, x.log, h); err != nil {
			return nil, nil, err
		}
		send = x.rtc.send
		if answer, err = x.rtc.answer(offer, m.dir.reverse()); err != nil {
			return nil, nil, err
		}
		x.rtc.setSend(m.dir.recv())
	} else {
		if x.plain, err = s.newPlainLeg(m.addr, x.log); err != nil {
			return nil, nil, err
		}
		send = x.plain.send
		if tone != nil {
			h = func(*rtp.Packet, time.Time) {}
		} else {
			h = func(p *rtp.Packet, now time.Time) {
				if x.echoPT.Load()[p.PayloadType] {
					x.plain.send(&p.Header, p.Payload, now)
				}
			}
		}
		answer = x.answerPlain(&m)
		x.plain.start(h)
	}
	if tone != nil {
		x.tone = newToneGen(*tone, x.codec, send)
		go x.tone.run()
	}
	x.log.Debug("session started", "webrtc", m.webrtc)
	return answer, x, nil
}

// answerPlain answers a plain offer or re-offer m and applies it: a
// tone session answers with its codec, an echo with every G.711 codec
// and telephone-event of the offer.
func (x *session) answerPlain(m *mediaInfo) []byte {
	codecs := []codec{x.codec}
	if x.codec.name == "" {
		codecs = m.g711()
		if te, ok := m.find(nameTE); ok {
			codecs = append(codecs, te)
		}
		var pts [128]bool
		for _, c := range codecs {
			pts[c.pt] = true
		}
		x.echoPT.Store(&pts)
	}
	dir := m.effectiveDir()
	x.plain.setPeer(m, dir.recv())
	return x.plain.sdp.render(x.plain.local.Addr(), x.plain.local.Port(), codecs, dir.reverse())
}

func (x *session) Update(offer []byte) (answer []byte, err error) {
	m, err := parseSDP(offer)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil, ErrClosed
	}
	if m.webrtc != (x.rtc != nil) {
		return nil, fmt.Errorf("%w: a %s re-offer in a %s session", ErrBadSDP, kindName(m.webrtc), kindName(x.rtc != nil))
	}
	if x.rtc != nil {
		if answer, err = x.rtc.answer(offer, m.dir.reverse()); err != nil {
			return nil, err
		}
		x.rtc.setSend(m.dir.recv())
		return answer, nil
	}
	if x.codec.name != "" {
		c, ok := m.find(x.codec.name)
		if !ok {
			g := m.g711()
			if len(g) == 0 {
				return nil, fmt.Errorf("%w: the re-offer has neither PCMU nor PCMA", ErrNoCodec)
			}
			c = g[0]
		}
		x.codec = c
		x.tone.setCodec(c)
	} else if len(m.g711()) == 0 {
		return nil, fmt.Errorf("%w: the re-offer has neither PCMU nor PCMA", ErrNoCodec)
	}
	return x.answerPlain(&m), nil
}

func (x *session) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil
	}
	x.closed = true
	if x.tone != nil {
		x.tone.close()
	}
	if x.rtc != nil {
		x.rtc.close()
	}
	if x.plain != nil {
		x.plain.close()
	}
	x.s.untrack(x)
	x.log.Debug("session closed")
	return nil
}

func kindName(webrtc bool) string {
	if webrtc {
		return "WebRTC"
	}
	return "plain"
}
