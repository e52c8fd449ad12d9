package rtmpua

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/relaywire"
)

// rpcError maps a failed RPC to the page's error.
func rpcError(what string, err error) *phone.Error {
	return &phone.Error{Key: phone.KeyRequestFailed, Message: what + ": " + err.Error(), Err: err}
}

// Accept answers the ringing incoming call.
func (c *Call) Accept(ctx context.Context) *phone.Error {
	return c.AcceptWith(ctx, phone.AcceptOptions{})
}

// AcceptWith is Accept; header fields for the 200 OK are not_supported
// (the gateway sends its own).
func (c *Call) AcceptWith(ctx context.Context, o phone.AcceptOptions) *phone.Error {
	if len(o.Headers) > 0 {
		return errNoHeaders()
	}
	if c.outgoing || c.State() != phone.CallRinging {
		return &phone.Error{Key: phone.KeyCallState, Message: "only a ringing incoming call can be accepted"}
	}
	if _, err := c.s.rpc(ctx, "accept", relaywire.CodecPCMU, relaywire.CodecPCMA, "dtmf"); err != nil {
		return rpcError("the gateway could not answer", err)
	}
	return nil
}

// Reject refuses the ringing incoming call (486 by default).
func (c *Call) Reject(code int) *phone.Error {
	if code == 0 {
		code = 486
	}
	if code < 300 || code > 699 {
		return phone.InvalidParameter("code", "%d is not a SIP final failure status (300–699)", code)
	}
	if c.outgoing || c.State() != phone.CallRinging {
		return &phone.Error{Key: phone.KeyCallState, Message: "only a ringing incoming call can be rejected"}
	}
	reason := map[int]string{486: "Busy Here", 603: "Decline", 480: "Temporarily Unavailable"}[code]
	if reason == "" {
		reason = "Rejected"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.s.rpc(ctx, "reject", fmt.Sprintf("%d %s", code, reason))
	c.end(phone.End{Code: code, Reason: reason})
	if err != nil {
		return rpcError("the gateway could not reject", err)
	}
	return nil
}

// Hangup ends the call: bye (the gateway sends BYE or CANCEL), or reject
// when ringing in.
func (c *Call) Hangup(ctx context.Context) *phone.Error {
	switch state := c.State(); {
	case state == phone.CallEnded:
		return nil
	case state == phone.CallRinging && !c.outgoing:
		return c.Reject(486)
	case state == phone.CallRinging:
		c.mu.Lock()
		c.cancelling = true
		c.mu.Unlock()
		if _, err := c.s.rpc(ctx, "bye"); err != nil {
			c.end(phone.End{Code: 487, Reason: "Request Terminated"})
			return nil
		}
		// rejected or cancelled follows; if the gateway never says (a
		// plain siprtmp drops a pending invite silently, and only the
		// relay covers for it), the call ends all the same.
		time.AfterFunc(c.s.p.cfg.HangupTimeout, func() { c.end(phone.End{Code: 487, Reason: "Request Terminated"}) })
		return nil
	default:
		_, err := c.s.rpc(ctx, "bye")
		c.end(phone.End{})
		if err != nil {
			return rpcError("the gateway could not hang up", err)
		}
		return nil
	}
}

func (c *Call) requireUp(what string) *phone.Error {
	if c.State() != phone.CallEstablished {
		return &phone.Error{Key: phone.KeyCallState, Message: what + " needs an answered call"}
	}
	return nil
}

// Hold asks the gateway to hold (re-INVITE sendonly) or resume.
func (c *Call) Hold(ctx context.Context, hold bool) *phone.Error {
	if err := c.requireUp("hold"); err != nil {
		return err
	}
	if _, err := c.s.rpc(ctx, "hold", hold); err != nil {
		e := rpcError("the gateway could not hold", err)
		e.Key = phone.KeyHoldFailed
		return e
	}
	return nil
}

// SendDTMF sends each tone with the gateway's sendDTMF: sendDTMF(digit)
// as siprtmp has it (RFC 2833), or sendDTMF(digit, "info") for SIP INFO
// (kazoo-rtmpgw). A gateway that refuses the two-argument form (a plain
// siprtmp's sendDTMF takes one argument) gets the digit again as
// sendDTMF(digit), and only that form for the rest of the registration.
func (c *Call) SendDTMF(ctx context.Context, tones string) *phone.Error {
	if err := phone.CheckDTMF(tones); err != nil {
		return err
	}
	if err := c.requireUp("sendDTMF"); err != nil {
		return err
	}
	for _, t := range tones {
		if err := c.sendTone(ctx, string(t)); err != nil {
			return rpcError("the gateway could not send DTMF", err)
		}
	}
	return nil
}

// sendTone sends one tone in the registration's DTMF mode.
func (c *Call) sendTone(ctx context.Context, tone string) error {
	s := c.s
	s.mu.Lock()
	info := s.t.opts.DTMF == phone.DTMFInfo && !s.noDTMFMode
	s.mu.Unlock()
	if !info {
		_, err := s.rpc(ctx, "sendDTMF", tone)
		return err
	}
	_, err := s.rpc(ctx, "sendDTMF", tone, phone.DTMFInfo)
	var r *refusal
	if !errors.As(err, &r) {
		return err
	}
	if _, err := s.rpc(ctx, "sendDTMF", tone); err != nil {
		return err
	}
	s.mu.Lock()
	s.noDTMFMode = true
	s.mu.Unlock()
	s.p.cfg.Logger.Info("the gateway refused sendDTMF with a mode; DTMF goes as RFC 2833", "error", r.msg)
	return nil
}

// Transfer asks the gateway to transfer the call (REFER, kazoo-rtmpgw's
// extension); the outcome comes as CallTransfer. A gateway without
// transfer either refuses it, or (a plain siprtmp, which answers every
// RPC with _result) acknowledges it with nothing and never reports an
// outcome: no outcome within TransferConfirmTimeout is then a failure.
// kazoo-rtmpgw acknowledges with the REFER's status, and has
// TransferTimeout to report the outcome.
func (c *Call) Transfer(ctx context.Context, target string) *phone.Error {
	if err := c.requireUp("transfer"); err != nil {
		return err
	}
	t := strings.TrimSpace(target)
	if t == "" || strings.ContainsAny(t, " <>\"") {
		return phone.InvalidParameter("uri", "%q is not a SIP URI, user or number", target)
	}
	if !strings.HasPrefix(t, "sip:") {
		if !strings.Contains(t, "@") {
			t += "@" + c.s.t.realm
		}
		t = "sip:" + t
	}
	c.mu.Lock()
	if c.xfer != nil {
		c.mu.Unlock()
		return &phone.Error{Key: phone.KeyCallState, Message: "a transfer is already in progress"}
	}
	x := &transfer{}
	c.xfer = x
	c.mu.Unlock()
	res, err := c.s.rpc(ctx, "transfer", t)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.xfer != x {
		// The outcome came before the answer (kazoo-rtmpgw reports a
		// refused REFER first) and was reported: once is enough.
		return nil
	}
	if err != nil {
		c.xfer = nil
		return &phone.Error{Key: phone.KeyTransferFailed, Message: "the gateway cannot transfer: " + err.Error(), Err: err}
	}
	wait, fail := c.s.p.cfg.TransferTimeout, "the gateway did not report the transfer's outcome in time"
	if len(res) == 0 {
		wait, fail = c.s.p.cfg.TransferConfirmTimeout, "the gateway did not confirm the transfer: it has no transfer (a plain siprtmp answers any RPC and says nothing more)"
	}
	x.timer = time.AfterFunc(wait, func() {
		c.transferDone(x, &phone.Error{Key: phone.KeyTransferFailed, Message: fail})
	})
	return nil
}

// transfer is a transfer waiting for its outcome.
type transfer struct{ timer *time.Timer }

// transferDone reports the outcome of the pending transfer x (nil: any
// pending one) once.
func (c *Call) transferDone(x *transfer, e *phone.Error) {
	c.mu.Lock()
	cur := c.xfer
	if cur == nil || (x != nil && cur != x) {
		c.mu.Unlock()
		return
	}
	c.xfer = nil
	if cur.timer != nil {
		cur.timer.Stop()
	}
	c.mu.Unlock()
	if c.s.ev.CallTransfer != nil {
		c.s.ev.CallTransfer(c, e)
	}
}

// SetMuted sends silence instead of the microphone, or stops doing so.
func (c *Call) SetMuted(muted bool) *phone.Error {
	c.mu.Lock()
	c.muted = muted
	a := c.audio
	ended := c.ended
	c.mu.Unlock()
	if ended {
		return &phone.Error{Key: phone.KeyCallState, Message: "the call has no audio to mute"}
	}
	if a != nil {
		if err := a.SetMuted(muted); err != nil {
			return &phone.Error{Key: phone.KeyMedia, Message: err.Error(), Err: err}
		}
	}
	return nil
}

// Stats reports the call's audio: frames count as packets, Codec is
// "G.711", and the rest is zero before the audio starts.
func (c *Call) Stats(ctx context.Context) (phone.MediaStats, *phone.Error) {
	c.mu.Lock()
	a := c.audio
	c.mu.Unlock()
	st := phone.MediaStats{Codec: "G.711"}
	if a == nil { // ringing, or answered with the streams not yet up: nothing so far
		return st, nil
	}
	as, err := a.Stats(ctx)
	if err != nil {
		return st, &phone.Error{Key: phone.KeyMedia, Message: err.Error(), Err: err}
	}
	st.InboundPackets, st.InboundPlayed, st.InboundDropped = as.FramesReceived, as.FramesPlayed, as.FramesDropped
	st.Underruns, st.InboundAudioEnergy, st.BufferMs = as.Underruns, as.Energy, as.BufferMs
	st.OutboundPackets = as.FramesCaptured
	return st, nil
}

// Muted reports whether the page muted the microphone.
func (c *Call) Muted() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.muted
}

// liveAudio is the call's audio pipe; nil (no error) while it is not
// open yet, an error once the call ended.
func (c *Call) liveAudio() (Audio, *phone.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return nil, &phone.Error{Key: phone.KeyCallState, Message: "the call has no audio"}
	}
	return c.audio, nil
}

// SetMicrophone moves the call's capture to deviceID ("" the default);
// before the audio opens, the facade's AudioFactory opens the chosen one.
func (c *Call) SetMicrophone(ctx context.Context, deviceID string) *phone.Error {
	a, e := c.liveAudio()
	if e != nil || a == nil {
		return e
	}
	return phone.DeviceError(a.SetMicrophone(ctx, deviceID))
}

// SetSpeaker moves the call's playback to deviceID ("" the default).
func (c *Call) SetSpeaker(ctx context.Context, deviceID string) *phone.Error {
	a, e := c.liveAudio()
	if e != nil || a == nil {
		return e
	}
	return phone.DeviceError(a.SetSpeaker(ctx, deviceID))
}

// Levels reads the microphone's and the far end's levels (zero before
// the audio opens).
func (c *Call) Levels(ctx context.Context) (phone.Levels, *phone.Error) {
	a, e := c.liveAudio()
	if e != nil || a == nil {
		return phone.Levels{}, e
	}
	l, err := a.Levels(ctx)
	if err != nil {
		return l, &phone.Error{Key: phone.KeyMedia, Message: err.Error(), Err: err}
	}
	return l, nil
}
