//go:build js && wasm

package media

import (
	"context"
	"errors"
	"fmt"

	"github.com/kazoo-softphone/kazoo/jsbridge"
)

// A local conference (jsbridge.Mixer) sends each call a mix instead of
// the microphone. The session keeps its own microphone meanwhile
// (metered, switched by SetMicrophone) and puts it back on the sender
// when the conference ends. Mute keeps its meaning: while the mix is
// sent, SetMuted tells the mix (mute below), which takes our microphone
// out of what this call hears, the other members staying audible to it;
// the microphone itself stays enabled until SendMicrophone gives it the
// call's mute again.

// ErrNoRemoteAudio means the call has no remote audio to mix yet.
var ErrNoRemoteAudio = errors.New("media: the call receives no audio yet")

// Microphone is the call's microphone stream (nil before it has one).
func (s *Session) Microphone() *jsbridge.Microphone { return s.microphone() }

// RemoteAudio is the element playing what the call receives (nil before
// the call starts); its Stream is what a mixer takes.
func (s *Session) RemoteAudio() *jsbridge.RemoteAudio {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.audio
}

// SendInstead sends stream's track on the call in place of the
// microphone (replaceTrack: no renegotiation) until SendMicrophone. mute
// is told now, and at every SetMuted, whether the call is muted.
func (s *Session) SendInstead(ctx context.Context, stream *jsbridge.Microphone, mute func(muted bool)) error {
	s.micOp.Lock()
	defer s.micOp.Unlock()
	tr, trackSet, err := s.transceiver()
	if err != nil {
		return err
	}
	if tr == nil || !trackSet {
		return errors.New("media: the call sends nothing yet")
	}
	if err := jsbridge.ReplaceTrack(ctx, tr.Sender(), stream); err != nil {
		return fmt.Errorf("media: send the conference: %w", err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.sending, s.sendMute = stream, mute
	muted, mic := s.muted, s.mic
	s.mu.Unlock()
	if mute != nil {
		mute(muted)
	}
	// The microphone is off the sender: enabled, so that no track of its
	// source is disabled under a mix that copies it.
	if mic != nil {
		_ = mic.SetEnabled(true)
	}
	return nil
}

// SendMicrophone puts the microphone back on the sender after
// SendInstead; it does nothing when the call sends its microphone.
func (s *Session) SendMicrophone(ctx context.Context) error {
	s.micOp.Lock()
	defer s.micOp.Unlock()
	tr, _, err := s.transceiver()
	if err != nil {
		return err
	}
	s.mu.Lock()
	sending, mic, muted := s.sending, s.mic, s.muted
	s.mu.Unlock()
	if sending == nil {
		return nil
	}
	if mic == nil || tr == nil {
		return errors.New("media: the call has no microphone")
	}
	if err := mic.SetEnabled(!muted); err != nil {
		return fmt.Errorf("media: send the microphone: %w", err)
	}
	if err := jsbridge.ReplaceTrack(ctx, tr.Sender(), mic); err != nil {
		return fmt.Errorf("media: send the microphone: %w", err)
	}
	s.mu.Lock()
	s.sending, s.sendMute = nil, nil
	s.mu.Unlock()
	return nil
}

// sendingOther reports whether SendInstead's stream is on the sender,
// and what is told of mute. Called with s.micOp held.
func (s *Session) sendingOther() (bool, func(bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sending != nil, s.sendMute
}
