package rtmpua

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kazoo-softphone/kazoo/ua"
)

// rpcError maps a failed RPC to the page's error.
func rpcError(what string, err error) *ua.Error {
	return &ua.Error{Key: ua.KeyRequestFailed, Message: what + ": " + err.Error(), Err: err}
}

// Accept answers the ringing incoming call.
func (c *Call) Accept(ctx context.Context) *ua.Error {
	if c.outgoing || c.State() != ua.CallRinging {
		return &ua.Error{Key: ua.KeyCallState, Message: "only a ringing incoming call can be accepted"}
	}
	if _, err := c.s.rpc(ctx, "accept", "pcmu", "pcma", "dtmf"); err != nil {
		return rpcError("the gateway could not answer", err)
	}
	return nil
}

// Reject refuses the ringing incoming call (486 by default).
func (c *Call) Reject(code int) *ua.Error {
	if code == 0 {
		code = 486
	}
	if code < 300 || code > 699 {
		return ua.InvalidParameter("code", "%d is not a SIP final failure status (300–699)", code)
	}
	if c.outgoing || c.State() != ua.CallRinging {
		return &ua.Error{Key: ua.KeyCallState, Message: "only a ringing incoming call can be rejected"}
	}
	reason := map[int]string{486: "Busy Here", 603: "Decline", 480: "Temporarily Unavailable"}[code]
	if reason == "" {
		reason = "Rejected"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.s.rpc(ctx, "reject", fmt.Sprintf("%d %s", code, reason))
	c.end(ua.End{Code: code, Reason: reason})
	if err != nil {
		return rpcError("the gateway could not reject", err)
	}
	return nil
}

// Hangup ends the call: bye (the gateway sends BYE or CANCEL), or reject
// when ringing in.
func (c *Call) Hangup(ctx context.Context) *ua.Error {
	switch state := c.State(); {
	case state == ua.CallEnded:
		return nil
	case state == ua.CallRinging && !c.outgoing:
		return c.Reject(486)
	case state == ua.CallRinging:
		c.mu.Lock()
		c.cancelling = true
		c.mu.Unlock()
		if _, err := c.s.rpc(ctx, "bye"); err != nil {
			c.end(ua.End{Code: 487, Reason: "Request Terminated"})
		}
		return nil // rejected or cancelled follows
	default:
		_, err := c.s.rpc(ctx, "bye")
		c.end(ua.End{})
		if err != nil {
			return rpcError("the gateway could not hang up", err)
		}
		return nil
	}
}

func (c *Call) requireUp(what string) *ua.Error {
	if c.State() != ua.CallEstablished {
		return &ua.Error{Key: ua.KeyCallState, Message: what + " needs an answered call"}
	}
	return nil
}

// Hold asks the gateway to hold (re-INVITE sendonly) or resume.
func (c *Call) Hold(ctx context.Context, hold bool) *ua.Error {
	if err := c.requireUp("hold"); err != nil {
		return err
	}
	if _, err := c.s.rpc(ctx, "hold", hold); err != nil {
		e := rpcError("the gateway could not hold", err)
		e.Key = ua.KeyHoldFailed
		return e
	}
	return nil
}

// SendDTMF sends each tone with the gateway's sendDTMF: sendDTMF(digit)
// as siprtmp has it (RFC 2833), or sendDTMF(digit, "info") for SIP INFO
// (kazoo-rtmpgw).
func (c *Call) SendDTMF(ctx context.Context, tones string) *ua.Error {
	if err := ua.CheckDTMF(tones); err != nil {
		return err
	}
	if err := c.requireUp("sendDTMF"); err != nil {
		return err
	}
	args := []any{""}
	if c.s.t.opts.DTMF == ua.DTMFInfo {
		args = append(args, ua.DTMFInfo)
	}
	for _, t := range tones {
		args[0] = string(t)
		if _, err := c.s.rpc(ctx, "sendDTMF", args...); err != nil {
			return rpcError("the gateway could not send DTMF", err)
		}
	}
	return nil
}

// Transfer asks an extended gateway to transfer the call (REFER); the
// outcome comes as CallTransfer. A gateway without transfer refuses it.
func (c *Call) Transfer(ctx context.Context, target string) *ua.Error {
	if err := c.requireUp("transfer"); err != nil {
		return err
	}
	t := strings.TrimSpace(target)
	if t == "" || strings.ContainsAny(t, " <>\"") {
		return ua.InvalidParameter("uri", "%q is not a SIP URI, user or number", target)
	}
	if !strings.HasPrefix(t, "sip:") {
		if !strings.Contains(t, "@") {
			t += "@" + c.s.t.realm
		}
		t = "sip:" + t
	}
	if _, err := c.s.rpc(ctx, "transfer", t); err != nil {
		return &ua.Error{Key: ua.KeyTransferFailed, Message: "the gateway cannot transfer: " + err.Error(), Err: err}
	}
	return nil
}

// SetMuted sends silence instead of the microphone, or stops doing so.
func (c *Call) SetMuted(muted bool) *ua.Error {
	c.mu.Lock()
	c.muted = muted
	a := c.audio
	ended := c.ended
	c.mu.Unlock()
	if ended {
		return &ua.Error{Key: ua.KeyCallState, Message: "the call has no audio to mute"}
	}
	if a != nil {
		if err := a.SetMuted(muted); err != nil {
			return &ua.Error{Key: ua.KeyMedia, Message: err.Error(), Err: err}
		}
	}
	return nil
}

// Stats reports the call's audio in getStats' shape (zeros before the
// audio starts).
func (c *Call) Stats(ctx context.Context) (AudioStats, *ua.Error) {
	c.mu.Lock()
	a := c.audio
	c.mu.Unlock()
	if a == nil { // ringing, or answered with the streams not yet up: nothing so far
		return AudioStats{}, nil
	}
	st, err := a.Stats(ctx)
	if err != nil {
		return st, &ua.Error{Key: ua.KeyMedia, Message: err.Error(), Err: err}
	}
	return st, nil
}
