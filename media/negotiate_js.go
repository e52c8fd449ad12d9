//go:build js && wasm

package media

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/kazoo-softphone/kazoo/jsbridge"
)

// wait runs f (a pion call that blocks on a JS promise) on a goroutine
// and waits for it, for ctx, or for Close: a closed RTCPeerConnection may
// never settle a pending promise, and pion's waits have no context. A
// call given up on finishes (or stays parked) on its own goroutine.
func wait[T any](ctx context.Context, s *Session, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	var zero T
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-s.done:
		return zero, ErrClosed
	}
}

func (s *Session) waitErr(ctx context.Context, f func() error) error {
	_, err := wait(ctx, s, func() (struct{}, error) { return struct{}{}, f() })
	return err
}

// Offer implements ua.Media. The first offer adds the audio transceiver
// (with the current direction) and puts the microphone on it.
func (s *Session) Offer(ctx context.Context, iceRestart bool) (string, error) {
	tr, trackSet, err := s.transceiver()
	if err != nil {
		return "", err
	}
	if tr == nil {
		dir := webrtc.NewRTPTransceiverDirection(string(s.direction()))
		tr, err = s.pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: dir})
		if err != nil {
			return "", fmt.Errorf("media: add audio transceiver: %w", err)
		}
		s.setTransceiver(tr, false)
	}
	if !trackSet {
		if err := s.attachMic(ctx, tr); err != nil {
			return "", err
		}
	}
	offer, err := wait(ctx, s, func() (webrtc.SessionDescription, error) {
		return s.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: iceRestart})
	})
	if err != nil {
		return "", fmt.Errorf("media: create offer: %w", err)
	}
	return s.setLocal(ctx, offer)
}

// Answer implements ua.Media, for the first offer (incoming call) and
// for every re-offer from the far end.
func (s *Session) Answer(ctx context.Context, offer string) (string, error) {
	if _, _, err := s.transceiver(); err != nil {
		return "", err
	}
	desc := webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}
	if err := s.waitErr(ctx, func() error { return s.pc.SetRemoteDescription(desc) }); err != nil {
		return "", fmt.Errorf("media: apply remote offer: %w", err)
	}
	tr, trackSet, err := s.transceiver()
	if err != nil {
		return "", err
	}
	if tr == nil {
		if tr, err = s.findAudio(); err != nil {
			return "", err
		}
		s.setTransceiver(tr, false)
	}
	// The transceiver an offer creates is recvonly: make it send.
	if err := jsbridge.SetTransceiverDirection(tr, string(s.direction())); err != nil {
		return "", fmt.Errorf("media: set direction: %w", err)
	}
	if !trackSet {
		if err := s.attachMic(ctx, tr); err != nil {
			return "", err
		}
	}
	answer, err := wait(ctx, s, func() (webrtc.SessionDescription, error) {
		return s.pc.CreateAnswer(nil)
	})
	if err != nil {
		return "", fmt.Errorf("media: create answer: %w", err)
	}
	return s.setLocal(ctx, answer)
}

// findAudio returns the live audio transceiver a remote offer created.
func (s *Session) findAudio() (*webrtc.RTPTransceiver, error) {
	for _, t := range s.pc.GetTransceivers() {
		info, err := jsbridge.DescribeTransceiver(t)
		if err == nil && info.Kind == "audio" && !info.Stopped {
			return t, nil
		}
	}
	return nil, errors.New("media: the offer has no audio stream")
}

func (s *Session) setTransceiver(tr *webrtc.RTPTransceiver, trackSet bool) {
	s.mu.Lock()
	s.tr, s.trackSet = tr, trackSet
	s.mu.Unlock()
}

func (s *Session) attachMic(ctx context.Context, tr *webrtc.RTPTransceiver) error {
	sender := tr.Sender()
	if sender == nil {
		return errors.New("media: the audio transceiver has no sender")
	}
	mic := s.microphone()
	if mic == nil {
		return errors.New("media: the call has no microphone")
	}
	if err := s.waitErr(ctx, func() error { return jsbridge.ReplaceTrack(context.Background(), sender, mic) }); err != nil {
		return fmt.Errorf("media: send the microphone: %w", err)
	}
	s.setTransceiver(tr, true)
	return nil
}

// setLocal applies our offer or answer, waits for ICE gathering (or the
// gather timeout) and returns the local description with the candidates
// gathered so far. The wait ends early once the candidates that matter
// are in (candidatesReady): a UDP host candidate, and srflx/relay ones
// when STUN/TURN servers are configured.
//
// When the ICE credentials change (first negotiation, ICE restart) the
// browser gathers anew, but iceGatheringState may still read "complete"
// from the previous generation when setLocalDescription resolves; so the
// wait is for a "gathering" then a "complete" event seen after this call
// began. Otherwise the existing candidates stand.
func (s *Session) setLocal(ctx context.Context, desc webrtc.SessionDescription) (string, error) {
	prevUfrag := ""
	if cur := s.pc.LocalDescription(); cur != nil {
		prevUfrag = iceUfrag(cur.SDP)
	}
	ufrag := iceUfrag(desc.SDP)
	fresh := ufrag != prevUfrag
	s.mu.Lock()
	seq0 := s.seq
	s.mu.Unlock()
	if err := s.waitErr(ctx, func() error { return s.pc.SetLocalDescription(desc) }); err != nil {
		return "", fmt.Errorf("media: apply local %s: %w", desc.Type, err)
	}
	timer := time.NewTimer(s.cfg.gatherTimeout())
	defer timer.Stop()
wait:
	for {
		s.mu.Lock()
		started, completed, wake := s.gatherStart, s.gatherDone, s.gatherWake
		s.mu.Unlock()
		if fresh && started > seq0 && completed > started {
			break
		}
		if local := s.pc.LocalDescription(); local != nil && iceUfrag(local.SDP) == ufrag && candidatesReady(local.SDP, s.need) {
			break
		}
		if !fresh && s.pc.ICEGatheringState() == webrtc.ICEGatheringStateComplete {
			break
		}
		select {
		case <-wake:
		case <-timer.C:
			break wait
		case <-ctx.Done():
			return "", ctx.Err()
		case <-s.done:
			return "", ErrClosed
		}
	}
	local := s.pc.LocalDescription()
	if local == nil {
		return "", errors.New("media: no local description")
	}
	return local.SDP, nil
}

// Accept implements ua.Media: the answer is applied as a pranswer when
// provisional, as the final answer otherwise (also after a pranswer).
func (s *Session) Accept(ctx context.Context, answer string, provisional bool) error {
	if _, _, err := s.transceiver(); err != nil {
		return err
	}
	typ := webrtc.SDPTypeAnswer
	if provisional {
		typ = webrtc.SDPTypePranswer
	}
	// A final answer repeated (e.g. in a retransmitted 200 OK) is a no-op.
	if s.pc.SignalingState() == webrtc.SignalingStateStable {
		if cur := s.pc.RemoteDescription(); cur != nil && cur.Type == webrtc.SDPTypeAnswer && cur.SDP == answer && !provisional {
			return nil
		}
	}
	desc := webrtc.SessionDescription{Type: typ, SDP: answer}
	if err := s.waitErr(ctx, func() error { return s.pc.SetRemoteDescription(desc) }); err != nil {
		return fmt.Errorf("media: apply remote %s: %w", typ, err)
	}
	return nil
}

// Rollback implements ua.Media: it drops a pending local offer (or a
// remote offer we did not answer). In the stable state it does nothing.
// The direction set by SetDirection is kept.
func (s *Session) Rollback(ctx context.Context) error {
	if _, _, err := s.transceiver(); err != nil {
		return err
	}
	state := s.pc.SignalingState()
	switch state {
	case webrtc.SignalingStateStable, webrtc.SignalingStateClosed:
		return nil
	}
	rb := webrtc.SessionDescription{Type: webrtc.SDPTypeRollback}
	if err := s.waitErr(ctx, func() error { return s.pc.SetLocalDescription(rb) }); err != nil {
		return fmt.Errorf("media: rollback: %w", err)
	}
	// Rolling back the first remote offer removes the transceiver it
	// created: forget it, the next offer or answer finds or makes another.
	if state == webrtc.SignalingStateHaveRemoteOffer {
		if tr, _, err := s.transceiver(); err == nil && tr != nil && !s.hasTransceiver(tr) {
			s.setTransceiver(nil, false)
		}
	}
	return nil
}

func (s *Session) hasTransceiver(tr *webrtc.RTPTransceiver) bool {
	for _, t := range s.pc.GetTransceivers() {
		if jsbridge.SameObject(t, tr) {
			return true
		}
	}
	return false
}
