package flowrun

import (
	"context"
	"errors"
	"time"

	"github.com/kazoo-softphone/kazoo/callflow"
)

// bridge rings targets; answered, the flow ends with the bridged call.
func (r *runner) bridge(ctx context.Context, n *callflow.Node, ts []Target) (*callflow.Node, bool, error) {
	if r.env.Bridge == nil {
		return n.Child("_"), false, errNoEnv
	}
	answered, err := r.env.Bridge(ctx, r.c, ts)
	if answered {
		return nil, false, err
	}
	if err != nil {
		r.log.Info("callflow: bridge not answered; continuing", "error", err)
	}
	return n.Child("_"), false, nil
}

// beep is the tone before a recording: 0.4 s of 1 kHz.
func beep() []int16 {
	pcm := make([]int16, 3200)
	for i := range pcm {
		// A square-ish 1 kHz wave: 8 samples a period at 8 kHz.
		if i%8 < 4 {
			pcm[i] = 6000
		} else {
			pcm[i] = -6000
		}
	}
	return pcm
}

// voicemail (compose) greets, beeps, records until # or the limit or
// the caller hangs up, and leaves the message in the box.
func (r *runner) voicemail(ctx context.Context, n *callflow.Node, d callflow.Voicemail) (*callflow.Node, bool, error) {
	if d.Action != "compose" {
		return n.Child("_"), false, errors.New("voicemail action " + d.Action + " is not run by kazoo-dev (compose only)")
	}
	if r.env.Voicemail == nil || r.c.Leg == nil {
		return n.Child("_"), false, errNoEnv
	}
	_ = r.speak(ctx, "Please leave a message after the tone. Press pound when you are done.", "", []string{"#"})
	r.c.mu.Lock()
	r.c.buf = nil
	r.c.mu.Unlock()
	_ = r.c.Leg.Play(ctx, beep())
	// # ends the message; so does the caller hanging up (ctx).
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		for {
			select {
			case <-rctx.Done():
				return
			case <-r.wake:
				if r.pending([]string{"#"}) {
					stop()
					return
				}
			}
		}
	}()
	pcm, err := r.c.Leg.Record(rctx, d.MaxMessageLength())
	if err != nil && len(pcm) == 0 {
		return n.Child("_"), false, err
	}
	if err := r.env.Voicemail(d.ID, r.c, pcm); err != nil {
		return n.Child("_"), false, err
	}
	r.log.Info("callflow: voicemail left", "box", d.ID, "seconds", float64(len(pcm))/8000)
	if ctx.Err() == nil {
		_ = r.speak(ctx, "Thank you. Goodbye.", "", nil)
	}
	r.hangup(0, "")
	return nil, true, nil
}

// recordCall starts or stops recording what the caller says.
func (r *runner) recordCall(ctx context.Context, d callflow.RecordCall) error {
	if d.Action == "stop" {
		r.stopRecording()
		return nil
	}
	if r.env.Recording == nil || r.c.Leg == nil {
		return errNoEnv
	}
	r.stopRecording()
	limit := d.TimeLimit()
	if limit <= 0 {
		limit = time.Hour
	}
	// The recording ends with the call (ctx), at stop, or at the limit.
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	r.c.mu.Lock()
	r.c.recording, r.c.recDone = cancel, done
	r.c.mu.Unlock()
	go func() {
		defer close(done)
		pcm, _ := r.c.Leg.Record(rctx, limit)
		if err := r.env.Recording(r.c, pcm); err != nil {
			r.log.Warn("callflow: recording not stored", "error", err)
		}
	}()
	return nil
}

// stopRecording ends a record_call recording and waits until it is stored.
func (r *runner) stopRecording() {
	r.c.mu.Lock()
	cancel, done := r.c.recording, r.c.recDone
	r.c.recording, r.c.recDone = nil, nil
	r.c.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}
