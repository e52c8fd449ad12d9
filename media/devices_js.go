//go:build js && wasm

package media

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/quality"
)

// microphoneID and speakerID are the devices c chooses now ("" the
// default).
func (c Config) microphoneID() string {
	if c.MicrophoneID == nil {
		return ""
	}
	return c.MicrophoneID()
}

func (c Config) speakerID() string {
	if c.SpeakerID == nil {
		return ""
	}
	return c.SpeakerID()
}

// meters are a session's level meters, made on first use: one on a copy
// of the microphone (it hears the user also while the sent track is
// muted), one on the remote audio element's stream.
type meters struct {
	in, out *jsbridge.LevelMeter
	inMic   *jsbridge.Microphone // the microphone in meters
	buf     []float32
}

func (m *meters) close() {
	if m.in != nil {
		m.in.Close()
	}
	if m.out != nil {
		m.out.Close()
	}
	m.in, m.out = nil, nil
}

// SetMicrophone implements ua.Media: it opens deviceID ("" the default)
// and puts it on the sender in place of the current microphone
// (replaceTrack: no renegotiation), muted if the call is, then stops the
// old one. If the new device cannot be opened the call keeps the old.
func (s *Session) SetMicrophone(ctx context.Context, deviceID string) error {
	tr, trackSet, err := s.transceiver()
	if err != nil {
		return err
	}
	mic, err := openMicrophone(ctx, deviceID)
	if err != nil {
		return err
	}
	s.micOp.Lock()
	defer s.micOp.Unlock()
	s.mu.Lock()
	muted := s.muted
	s.mu.Unlock()
	// While a conference's mix is sent, the new microphone waits for
	// SendMicrophone, enabled (the mix keeps its own copy of the old one).
	other, _ := s.sendingOther()
	if muted && !other {
		_ = mic.SetEnabled(false)
	}
	if trackSet && tr != nil && !other {
		if err := jsbridge.ReplaceTrack(ctx, tr.Sender(), mic); err != nil {
			mic.Stop()
			return fmt.Errorf("media: switch the microphone: %w", err)
		}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		mic.Stop()
		return ErrClosed
	}
	old, oldEnded := s.mic, s.micEnded
	s.mic, s.micEnded = mic, nil
	s.mu.Unlock()
	if oldEnded != nil {
		oldEnded()
	}
	if old != nil {
		old.Stop()
	}
	s.watchMicrophone(mic)
	return nil
}

// watchMicrophone moves the call to another microphone when mic's track
// ends by itself (the device was unplugged or revoked): the one chosen
// now, else the default.
func (s *Session) watchMicrophone(mic *jsbridge.Microphone) {
	release, err := mic.OnEnded(func() {
		go func() {
			if s.microphone() != mic {
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			id := s.cfg.microphoneID()
			err := s.SetMicrophone(ctx, id)
			if err != nil && id != "" {
				err = s.SetMicrophone(ctx, "")
			}
			if err != nil && !errors.Is(err, ErrClosed) {
				s.mu.Lock()
				lost := s.events.MicrophoneLost
				s.mu.Unlock()
				if lost != nil {
					lost(err)
				}
			}
		}()
	})
	if err != nil {
		return
	}
	s.mu.Lock()
	if s.mic == mic && !s.closed {
		s.micEnded = release
		release = nil
	}
	s.mu.Unlock()
	if release != nil {
		release()
	}
}

// SetSpeaker implements ua.Media: the remote audio element plays on
// deviceID ("" the default).
func (s *Session) SetSpeaker(ctx context.Context, deviceID string) error {
	if _, _, err := s.transceiver(); err != nil {
		return err
	}
	s.mu.Lock()
	audio := s.audio
	s.mu.Unlock()
	if audio == nil {
		return nil // playRemote applies cfg's speaker when the call starts
	}
	return DeviceError(audio.SetSinkID(ctx, deviceID), "speaker", deviceID)
}

// applySpeaker plays the call on the chosen speaker, if one is chosen; a
// device gone since stays on the default.
func (s *Session) applySpeaker(a *jsbridge.RemoteAudio) {
	id := s.cfg.speakerID()
	if id == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = a.SetSinkID(ctx, id)
}

// DeviceError maps jsbridge's device failures (getUserMedia's
// OverconstrainedError or NotFoundError for a device that is gone,
// setSinkId's NotFoundError, ErrNoSinkSelection) to phone's device
// errors; what names the device ("microphone", "speaker") for the
// message. Other errors are returned as they are.
func DeviceError(err error, what, id string) error {
	var me *jsbridge.MediaError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jsbridge.ErrNoSinkSelection):
		return fmt.Errorf("%w: choosing an output device (setSinkId)", phone.ErrNotSupported)
	case errors.As(err, &me) && (me.Name == "NotFoundError" || me.Name == "OverconstrainedError"):
		return fmt.Errorf("%w: %s %q", phone.ErrDeviceNotFound, what, id)
	}
	return err
}

// Levels implements ua.Media: the microphone's and the far end's levels
// now (quality.Level of each meter's latest samples; 0 until there is
// audio). s.meterMu, not s.mu, guards the meters: JS runs under it.
func (s *Session) Levels(context.Context) (phone.Levels, error) {
	s.meterMu.Lock()
	defer s.meterMu.Unlock()
	s.mu.Lock()
	closed, mic, audio := s.closed, s.mic, s.audio
	s.mu.Unlock()
	m := &s.meters
	if closed {
		m.close()
		return phone.Levels{}, ErrClosed
	}
	if m.in != nil && m.inMic != mic { // the microphone was switched
		m.in.Close()
		m.in = nil
	}
	if m.in == nil && mic != nil {
		m.in, _ = mic.Meter()
		m.inMic = mic
	}
	if m.out == nil && audio != nil {
		m.out, _ = audio.Meter()
	}
	if m.buf == nil {
		m.buf = make([]float32, jsbridge.MeterFFTSize)
	}
	return phone.Levels{Input: MeterLevel(m.in, m.buf), Output: MeterLevel(m.out, m.buf)}, nil
}

// closeMeters frees the meters (Close).
func (s *Session) closeMeters() {
	s.meterMu.Lock()
	s.meters.close()
	s.meterMu.Unlock()
}

// MeterLevel is quality.Level of m's latest samples (buf is scratch of
// jsbridge.MeterFFTSize), NaN when m cannot tell (nil, failed, or its
// AudioContext suspended by the autoplay policy): silence read from a
// context that does not run would look like a dead microphone.
func MeterLevel(m *jsbridge.LevelMeter, buf []float32) float64 {
	if m == nil {
		return math.NaN()
	}
	n, err := m.Samples(buf)
	if err != nil {
		return math.NaN()
	}
	return quality.Level(buf[:n])
}
