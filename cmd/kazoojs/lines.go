//go:build js && wasm

package main

import (
	"context"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/lines"
	"github.com/kazoo-softphone/kazoo/phone"
)

// Several calls (register({maxLines, autoHold})): the lines package keeps
// the rules (limits, the current call, the next current after an end);
// this file applies them to the page's calls.

// readLines reads register()'s maxLines, allowIncomingWhileBusy,
// allowMultipleIncomingCalls and autoHold.
func readLines(p jsbridge.Params) (lines.Config, error) {
	var lp lines.Params
	var err error
	if p.Has("maxLines") {
		n, err := p.Int("maxLines", 1)
		if err != nil {
			return lines.Config{}, err
		}
		lp.MaxLines = &n
	}
	if lp.AllowIncomingWhileBusy, err = p.Bool("allowIncomingWhileBusy"); err != nil {
		return lines.Config{}, err
	}
	if lp.AllowMultipleIncomingCalls, err = p.Bool("allowMultipleIncomingCalls"); err != nil {
		return lines.Config{}, err
	}
	if p.Has("autoHold") {
		b, err := p.Bool("autoHold")
		if err != nil {
			return lines.Config{}, err
		}
		lp.AutoHold = &b
	}
	c, err := lines.Resolve(lp)
	if err != nil {
		return c, phone.InvalidParameter("maxLines", "%v", err)
	}
	return c, nil
}

// readOthers reads accept()'s others option.
func readOthers(options safejs.Value) (lines.Others, error) {
	if options.IsUndefined() || options.IsNull() {
		return lines.Ring, nil
	}
	p, err := jsbridge.NewParams(options, "options")
	if err != nil {
		return "", err
	}
	s, err := p.String("others")
	if err != nil {
		return "", err
	}
	o, perr := lines.ParseOthers(s)
	if perr != nil {
		return "", phone.InvalidParameter("others", "%v", perr)
	}
	return o, nil
}

// lineFree refuses a new outgoing call when maxLines calls are live.
func (f *facade) lineFree() *phone.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lineCfg.LimitOutgoing && lines.Full(f.book.Len(), f.lineCfg.Max) {
		return &phone.Error{Key: phone.KeyCallState, Message: "all lines busy: hang up a call first (register's maxLines)"}
	}
	return nil
}

// makeCurrent makes c the call the global methods act on.
func (f *facade) makeCurrent(c phone.Call) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t := f.calls[c.ID()]; t != nil && !t.preflight {
		f.book.MakeCurrent(c.ID())
	}
}

// current is the current call, nil when none.
func (f *facade) currentCall() *tracked {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[f.book.Current()]
}

// autoHold holds the current call, unless it is except, when register's
// autoHold is on: a call is about to be answered or placed.
func (f *facade) autoHold(ctx context.Context, except string) {
	f.mu.Lock()
	on := f.lineCfg.AutoHold
	f.mu.Unlock()
	if t := f.currentCall(); on && t != nil && t.call.ID() != except {
		f.lineHold(ctx, t)
	}
}

// lineHold puts an answered call on hold (re-INVITE sendonly) and
// silences its microphone, so that the held party hears nothing of the
// other line. A failure reaches onError; the switch goes on.
func (f *facade) lineHold(ctx context.Context, t *tracked) {
	if t.call.State() != phone.CallEstablished {
		return
	}
	if e := t.call.Hold(ctx, true); e != nil {
		f.callbacks().error(e)
		return
	}
	f.setHeld(t.call, true)
	if e := t.call.SetMuted(true); e != nil {
		f.callbacks().error(e)
	}
	f.mu.Lock()
	t.lineHeld = true
	f.mu.Unlock()
}

// othersRinging applies accept's others option to the incoming calls
// still ringing besides c.
func (f *facade) othersRinging(c phone.Call, others lines.Others) {
	if others == lines.Ring {
		return
	}
	f.mu.Lock()
	var ringing []*tracked
	for _, id := range f.book.Others(c.ID()) {
		if t := f.calls[id]; t != nil && !t.call.Outgoing() && t.call.State() == phone.CallRinging {
			ringing = append(ringing, t)
			if others == lines.Ignore {
				t.ignored = true
			}
		}
	}
	f.mu.Unlock()
	if others == lines.Reject {
		for _, t := range ringing {
			_ = t.call.Reject(486)
		}
	}
	f.ring(false, "")
}

// switchTo(call) holds the current call and resumes call (re-INVITE
// sendrecv, its microphone back on unless the page muted it), which
// becomes current.
func (f *facade) switchTo(args []safejs.Value) (any, error) {
	c, err := f.callArg(arg(args, 0))
	if err != nil {
		return nil, err
	}
	if c.State() != phone.CallEstablished {
		return nil, &phone.Error{Key: phone.KeyCallState, Message: "switchTo needs an answered call (accept a ringing one)"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if cur := f.currentCall(); cur != nil && cur.call.ID() != c.ID() {
		f.lineHold(ctx, cur)
	}
	if e := c.Hold(ctx, false); e != nil {
		return nil, e
	}
	f.setHeld(c, false)
	if err := f.lineResumed(c); err != nil {
		return nil, err
	}
	f.makeCurrent(c)
	return nil, nil
}

// lineResumed gives a call that autoHold held (and silenced) its
// microphone back, unless the page had muted it itself.
func (f *facade) lineResumed(c phone.Call) error {
	f.mu.Lock()
	t := f.calls[c.ID()]
	unmute := t != nil && t.lineHeld && !t.muted
	if t != nil {
		t.lineHeld = false
	}
	f.mu.Unlock()
	if unmute {
		return nilIfOK(c.SetMuted(false))
	}
	return nil
}
