//go:build !js

package main

import (
	"errors"
	"log/slog"

	"github.com/kazoo-softphone/kazoo/mediaserver"
	"github.com/kazoo-softphone/kazoo/proxy"
)

// devMedia is kazoo-dev's own media, on native pion (package
// mediaserver): the echo test, tones, the voicemail beep, and anchoring
// between browsers and plain-RTP phones.
type devMedia struct {
	s   *mediaserver.Server
	log *slog.Logger
}

func newDevMedia(o options, log *slog.Logger) (*devMedia, error) {
	lo, hi, err := portRange(o.rtpPorts)
	if err != nil {
		return nil, err
	}
	s, err := mediaserver.New(mediaserver.Config{IPs: []string{o.mediaIP}, PortMin: uint16(lo), PortMax: uint16(hi), Logger: log})
	if err != nil {
		return nil, err
	}
	return &devMedia{s: s, log: log}, nil
}

func (m *devMedia) close() {
	_ = m.s.Close()
}

// refusal maps an offer the media cannot take to 488.
func refusal(err error) error {
	if errors.Is(err, mediaserver.ErrNoCodec) || errors.Is(err, mediaserver.ErrNoAudio) || errors.Is(err, mediaserver.ErrBadSDP) {
		return errors.Join(proxy.ErrNotAcceptable, err)
	}
	return err
}

// echo is *43: the caller's audio comes straight back.
func (m *devMedia) echo() proxy.Extension {
	return extensionFunc(func(call proxy.LocalCall, offer []byte) ([]byte, proxy.Session, error) {
		answer, s, err := m.s.Echo(offer)
		return answer, s, refusal(err)
	})
}

// tone is a steady 440 Hz tone: "can I hear anything at all?".
func (m *devMedia) tone() proxy.Extension {
	return extensionFunc(func(call proxy.LocalCall, offer []byte) ([]byte, proxy.Session, error) {
		answer, s, err := m.s.Tone(offer, mediaserver.ToneSpec{Freqs: []float64{440}})
		return answer, s, refusal(err)
	})
}

// beep is the voicemail greeting: one 1 kHz beep, then silence.
func (m *devMedia) beep(offer []byte) ([]byte, proxy.Session, error) {
	answer, s, err := m.s.Tone(offer, mediaserver.ToneSpec{Freqs: []float64{1000}, OnMs: 500, Repeat: 1})
	return answer, s, refusal(err)
}

// anchor relays calls between a WebSocket client and a UDP one.
func (m *devMedia) anchor() proxy.Anchor { return anchor{m.s} }

type anchor struct{ s *mediaserver.Server }

func (a anchor) NewBridge() (proxy.Bridge, error) {
	b, err := a.s.NewBridge()
	if err != nil {
		return nil, err
	}
	return bridge{b}, nil
}

// bridge adapts mediaserver.Bridge to the proxy's view of the two legs.
type bridge struct{ b *mediaserver.Bridge }

func side(fromWebRTC bool) mediaserver.Side {
	if fromWebRTC {
		return mediaserver.WebRTC
	}
	return mediaserver.Plain
}

func (b bridge) Offer(fromWebRTC bool, sdp []byte) ([]byte, error) {
	return b.b.Offer(side(fromWebRTC), sdp)
}
func (b bridge) Answer(fromWebRTC bool, sdp []byte) ([]byte, error) {
	return b.b.Answer(side(fromWebRTC), sdp)
}
func (b bridge) Cancel() error { return b.b.Cancel() }
func (b bridge) Close() error  { return b.b.Close() }
