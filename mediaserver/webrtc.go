//go:build !js

package mediaserver

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// gatherTimeout bounds ICE gathering; host candidates on local
// addresses take milliseconds.
const gatherTimeout = 5 * time.Second

// rtcLeg is one WebRTC stream: a pion PeerConnection with a single
// audio transceiver, ICE, DTLS-SRTP, rtcp-mux, non-trickle (every SDP it
// returns carries its candidates). pion negotiates sendrecv; the
// directions in the SDP the peer sees are written by withDirection, and
// what is sent is gated here.
type rtcLeg struct {
	log *slog.Logger
	pc  *webrtc.PeerConnection
	tr  *webrtc.RTPTransceiver
	out *outTrack
	h   rtpHandler

	reoffer *webrtc.SessionDescription // made by offer, not applied yet

	mu     sync.Mutex // send side
	sendOK bool
	rw     rewriter

	rx, tx atomic.Uint64 // packets handled and written

	life   sync.Mutex
	closed bool
	wg     sync.WaitGroup
	once   sync.Once
}

// newRTCLeg makes a peer connection that knows only codecs (payload
// types used when it offers; answers take the offer's). h gets the
// packets of the peer's audio track.
func (s *Server) newRTCLeg(codecs []codec, log *slog.Logger, h rtpHandler) (*rtcLeg, error) {
	m := &webrtc.MediaEngine{}
	for _, c := range codecs {
		p := webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/" + c.name, ClockRate: clockRate},
			PayloadType:        webrtc.PayloadType(c.pt),
		}
		if c.name == nameTE {
			p.SDPFmtpLine = "0-16"
		}
		if err := m.RegisterCodec(p, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("mediaserver: register %s: %w", c.name, err)
		}
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(s.settingEngine()),
		webrtc.WithInterceptorRegistry(ir))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("mediaserver: peer connection: %w", err)
	}
	l := &rtcLeg{log: log, pc: pc, out: &outTrack{}, h: h, rw: newRewriter()}
	l.tr, err = pc.AddTransceiverFromTrack(l.out, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv})
	if err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("mediaserver: transceiver: %w", err)
	}
	pc.OnTrack(l.readTrack)
	pc.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
		log.Debug("ICE", "state", st.String())
	})
	l.wg.Add(1)
	go l.drainRTCP(l.tr.Sender())
	return l, nil
}

// answer applies the peer's offer and returns the answer with
// direction dir. An ICE restart in the offer restarts ICE here.
func (l *rtcLeg) answer(offer []byte, dir direction) (answer []byte, err error) {
	defer recoverSDP(&err)
	if err := l.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: toPion(offer)}); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	a, err := l.pc.CreateAnswer(nil)
	if err != nil {
		return nil, fmt.Errorf("mediaserver: create answer: %w", err)
	}
	if err := l.setLocal(a); err != nil {
		return nil, err
	}
	return l.local(dir)
}

// offer returns a new offer with direction dir; the leg waits for its
// answer (setAnswer) or a rollback. A re-offer is applied to pion only
// with its answer, since pion cannot roll back a local offer; its
// candidates are those gathered for the first one.
func (l *rtcLeg) offer(dir direction) (offer []byte, err error) {
	defer recoverSDP(&err)
	o, err := l.pc.CreateOffer(nil)
	if err != nil {
		return nil, fmt.Errorf("mediaserver: create offer: %w", err)
	}
	if l.pc.CurrentLocalDescription() == nil {
		if err := l.setLocal(o); err != nil {
			return nil, err
		}
		return l.local(dir)
	}
	if !strings.Contains(o.SDP, "a=candidate:") {
		return nil, errors.New("mediaserver: re-offer without ICE candidates")
	}
	l.reoffer = &o
	return []byte(withDirection(o.SDP, dir)), nil
}

// setAnswer applies the peer's answer to our offer.
func (l *rtcLeg) setAnswer(answer []byte) (err error) {
	defer recoverSDP(&err)
	if o := l.reoffer; o != nil {
		l.reoffer = nil
		if err := l.pc.SetLocalDescription(*o); err != nil {
			return fmt.Errorf("mediaserver: set local description: %w", err)
		}
	}
	if err := l.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: toPion(answer)}); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	return nil
}

// rollback drops our pending re-offer. An initial offer cannot be
// dropped (pion has no rollback): the leg is then unusable.
func (l *rtcLeg) rollback() {
	l.reoffer = nil
}

func (l *rtcLeg) setLocal(d webrtc.SessionDescription) error {
	done := webrtc.GatheringCompletePromise(l.pc)
	if err := l.pc.SetLocalDescription(d); err != nil {
		return fmt.Errorf("mediaserver: set local description: %w", err)
	}
	t := time.NewTimer(gatherTimeout)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
		return errors.New("mediaserver: ICE gathering timed out")
	}
}

// local is the local description, candidates included, with dir.
func (l *rtcLeg) local(dir direction) ([]byte, error) {
	d := l.pc.LocalDescription()
	if d == nil {
		return nil, errors.New("mediaserver: no local description")
	}
	if !strings.Contains(d.SDP, "a=candidate:") {
		return nil, errors.New("mediaserver: no ICE candidate on the configured IPs")
	}
	return []byte(withDirection(d.SDP, dir)), nil
}

// setSend allows or stops sending to the peer.
func (l *rtcLeg) setSend(ok bool) {
	l.mu.Lock()
	l.sendOK = ok
	l.mu.Unlock()
}

// send writes one packet, rewritten into this leg's stream; false when
// the peer does not receive or the track is not bound yet (before DTLS).
func (l *rtcLeg) send(h *rtp.Header, payload []byte, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ssrc := l.out.writer()
	if !l.sendOK || w == nil {
		return false
	}
	l.rw.rewrite(h, now)
	h.SSRC = ssrc
	if _, err := w.WriteRTP(h, payload); err != nil {
		return false
	}
	l.tx.Add(1)
	return true
}

// readTrack runs on pion's goroutine for the peer's track.
func (l *rtcLeg) readTrack(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	l.life.Lock()
	if l.closed || t.Kind() != webrtc.RTPCodecTypeAudio {
		l.life.Unlock()
		return
	}
	l.wg.Add(1)
	l.life.Unlock()
	defer l.wg.Done()
	buf := make([]byte, maxPacket)
	for {
		n, _, err := t.Read(buf)
		if errors.Is(err, webrtc.ErrCodecNotFound) {
			continue // a payload type that was not negotiated
		}
		if err != nil {
			return
		}
		l.handle(buf[:n])
	}
}

func (l *rtcLeg) handle(b []byte) {
	defer func() {
		if r := recover(); r != nil {
			l.log.Warn("WebRTC: packet handler panicked", "panic", r)
		}
	}()
	var p rtp.Packet
	if err := p.Unmarshal(b); err != nil {
		return
	}
	l.h(&p, time.Now())
	l.rx.Add(1)
}

// drainRTCP reads the RTCP for our sender so that pion's interceptors
// see it; it ends when the sender stops.
func (l *rtcLeg) drainRTCP(s *webrtc.RTPSender) {
	defer l.wg.Done()
	buf := make([]byte, maxPacket)
	for {
		if _, _, err := s.Read(buf); err != nil {
			return
		}
	}
}

// close ends the peer connection and waits for the leg's goroutines.
func (l *rtcLeg) close() {
	l.once.Do(func() {
		l.life.Lock()
		l.closed = true
		l.life.Unlock()
		if err := l.pc.GracefulClose(); err != nil {
			l.log.Debug("WebRTC: close", "err", err)
		}
		l.wg.Wait()
		l.log.Debug("WebRTC leg closed", "rx", l.rx.Load(), "tx", l.tx.Load())
	})
}

// recoverSDP turns a panic in pion while it handles a peer's SDP into
// an error wrapping ErrBadSDP.
func recoverSDP(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %v", ErrBadSDP, r)
	}
}

// outTrack is the audio the package sends on a peer connection. Unlike
// pion's static tracks it keeps the payload type of each packet, so
// that G.711 and telephone-event share the stream.
type outTrack struct {
	mu   sync.Mutex
	w    webrtc.TrackLocalWriter
	ssrc uint32
}

// Bind is called by pion once negotiation chose the codecs.
func (t *outTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	for _, c := range ctx.CodecParameters() {
		if strings.EqualFold(c.MimeType, webrtc.MimeTypePCMU) || strings.EqualFold(c.MimeType, webrtc.MimeTypePCMA) {
			t.mu.Lock()
			t.w, t.ssrc = ctx.WriteStream(), uint32(ctx.SSRC())
			t.mu.Unlock()
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
}

// Unbind is called by pion when the sender stops.
func (t *outTrack) Unbind(webrtc.TrackLocalContext) error {
	t.mu.Lock()
	t.w = nil
	t.mu.Unlock()
	return nil
}

func (t *outTrack) writer() (webrtc.TrackLocalWriter, uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.w, t.ssrc
}

func (*outTrack) ID() string                { return "audio" }
func (*outTrack) RID() string               { return "" }
func (*outTrack) StreamID() string          { return "kazoo" }
func (*outTrack) Kind() webrtc.RTPCodecType { return webrtc.RTPCodecTypeAudio }
