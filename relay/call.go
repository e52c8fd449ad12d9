package relay

import (
	"context"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/kazoo-softphone/kazoo/relaywire"
)

// call runs one browser RPC against the gateway.
func (s *session) call(id int64, method string, args []any) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if method == "invite" {
		// Before the RPC: the gateway's callbacks (ringing, rejected…)
		// may come before its result.
		s.setPhase("idle", "inviting")
	}
	res, err := s.up.Call(ctx, method, args...)
	if err != nil {
		switch method {
		case "invite":
			s.setPhase("inviting", "idle")
		case "reject": // the page ends the call all the same
			s.setPhase("incoming", "idle")
		}
		s.send(relaywire.NewResultError(id, err.Error()))
		return
	}
	s.mu.Lock()
	phase := s.phase
	switch {
	case method == "bye":
		s.phase = "idle"
	case method == "reject" && phase == "incoming":
		// siprtmp sends no callback after a reject: the call ends here,
		// or the next invite would not be a pending one.
		s.phase = "idle"
	}
	s.mu.Unlock()
	// Streams are torn down before the browser hears the result, so the
	// next call's media cannot start before this call's media ended.
	switch {
	case method == "bye" && phase == "inviting":
		// siprtmp sends no callback for a bye on a pending invite;
		// kazoo-rtmpgw sends rejected('487 …'), which ends the wait.
		s.mu.Lock()
		s.byeWait++
		gen := s.byeWait
		s.mu.Unlock()
		time.AfterFunc(s.srv.cfg.PendingByeTimeout, func() { s.pendingByeExpired(gen) })
		s.inOrder(s.teardown)
	case method == "bye" || method == "reject":
		s.inOrder(s.teardown)
	}
	s.send(relaywire.NewResultOK(id, res))
}

// setPhase moves the call phase from one value to another, if it is
// still at the first.
func (s *session) setPhase(from, to string) {
	s.mu.Lock()
	if s.phase == from {
		s.phase = to
	}
	s.mu.Unlock()
}

// pendingByeExpired reports a cancelled outgoing call the gateway never
// reported, unless the gateway ended it (byeWait moved on) or a newer
// call started meanwhile.
func (s *session) pendingByeExpired(gen uint64) {
	s.mu.Lock()
	report := s.phase == "idle" && s.byeWait == gen
	s.mu.Unlock()
	if report {
		s.send(relaywire.Callback{T: relaywire.TCallback, Method: "cancelled", Args: []any{"487 Request Terminated"}, Relay: true})
	}
}

// callbacks forwards every gateway callback and runs the streams; stream
// statuses other than the Start ones are forwarded too.
func (s *session) callbacks() {
	for {
		select {
		case c, ok := <-s.up.Commands():
			if !ok {
				return
			}
			s.onCallback(c)
		case st, ok := <-s.up.Status():
			if !ok {
				return
			}
			if code := statusCode(st); code != "" && !strings.HasSuffix(code, ".Start") {
				s.send(relaywire.Stream{T: relaywire.TStream, Code: code})
			}
		case <-s.done:
			return
		}
	}
}

// statusCode reads the code of an onStatus info object.
func statusCode(st Command) string {
	for _, a := range append([]any{st.Object}, st.Args...) {
		if m, ok := a.(map[string]any); ok {
			if c, ok := m["code"].(string); ok {
				return c
			}
		}
	}
	return ""
}

func (s *session) onCallback(c Command) {
	s.send(relaywire.NewCallback(c.Name, c.Args))
	s.mu.Lock()
	switch c.Name {
	case "invited":
		s.phase = "incoming"
	case "accepted":
		s.phase = "active"
	case "rejected", "cancelled", "byed":
		s.phase = "idle"
		s.byeWait++ // the call's end is reported: no synthetic cancelled
	}
	s.mu.Unlock()
	switch c.Name {
	case "accepted":
		codec := relaywire.CodecPCMU
		if len(c.Args) > 0 {
			if v, ok := c.Args[0].(string); ok && v == relaywire.CodecPCMA {
				codec = relaywire.CodecPCMA
			}
		}
		s.inOrder(func() { s.startMedia(codec) })
	case "rejected", "cancelled", "byed":
		s.inOrder(s.teardown)
	}
}

// inOrder queues a media step (start or tear down the RTMP streams).
// Steps run one at a time in the order of the events that asked for
// them: a call's teardown and the next call's start must not overlap.
func (s *session) inOrder(step func()) {
	select {
	case s.steps <- step:
	case <-s.done:
	}
}

// mediaSteps runs the queued media steps until the session ends.
func (s *session) mediaSteps() {
	for {
		select {
		case step := <-s.steps:
			step()
		case <-s.done:
			return
		}
	}
}

// startMedia publishes "local" and plays "remote" (siprtmp: play only
// after accepted).
func (s *session) startMedia(codec string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.mu.Lock()
	pub, play := s.pub, s.play
	s.codec = relaywire.Format(codec)
	s.mu.Unlock()
	if err := s.up.Publish(ctx, pub, "local"); err != nil {
		s.send(relaywire.Stream{T: relaywire.TStream, Code: err.Error()})
		return
	}
	if err := s.up.Play(ctx, play, "remote"); err != nil {
		s.send(relaywire.Stream{T: relaywire.TStream, Code: err.Error()})
		return
	}
	s.mu.Lock()
	s.media = true
	s.mu.Unlock()
	s.send(relaywire.Media{T: relaywire.TMedia, Codec: codec})
}

// teardown ends a call's streams and prepares fresh ones (siprtmp keys
// publishers by name: the old "local" must go before the next call).
func (s *session) teardown() {
	s.mu.Lock()
	was := s.media
	s.media = false
	pub, play := s.pub, s.play
	s.mu.Unlock()
	if !was {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, id := range []uint32{pub, play} {
		_ = s.up.CloseStream(id)
		_ = s.up.DeleteStream(ctx, id)
	}
	if err := s.newStreams(ctx); err != nil {
		s.stop(websocket.StatusInternalError, "gateway streams failed")
	}
}

// uplink sends one browser audio frame to the gateway. It runs on the
// read loop, whose message buffer it reuses.
func (s *session) uplink(frame []byte) {
	format, ts, payload, ok := relaywire.ParseAudio(frame)
	if !ok {
		return
	}
	s.mu.Lock()
	on, pub := s.media, s.pub
	s.mu.Unlock()
	if !on {
		return
	}
	msg := append(s.ubuf[:0], relaywire.FLVTag(format))
	msg = append(msg, payload...)
	s.ubuf = msg
	if err := s.up.WriteAudio(pub, ts, msg); err != nil {
		s.stop(websocket.StatusInternalError, "gateway write failed")
	}
}

// downlink forwards the gateway's audio to the browser, for an upstream
// that delivers it on a channel (one with OnAudio calls forward itself).
func (s *session) downlink() {
	for {
		select {
		case a, ok := <-s.up.Audio():
			if !ok {
				return
			}
			s.forward(a)
		case <-s.done:
			return
		}
	}
}

// forward queues one gateway audio message for the browser, dropping it
// when the browser does not keep up. a.Data is copied: it may be reused
// once forward returns.
func (s *session) forward(a Audio) {
	s.mu.Lock()
	on, play := s.media, s.play
	s.seq++
	seq := s.seq
	s.mu.Unlock()
	if !on || a.StreamID != play || len(a.Data) < 2 {
		return
	}
	f := framePool.Get().(*[]byte)
	h := (*f)[:relaywire.HeaderLen]
	relaywire.PutHeader(h, relaywire.FLVFormat(a.Data[0]), seq, a.Timestamp)
	*f = append(h, a.Data[1:]...)
	select {
	case s.audio <- f:
	default:
		framePool.Put(f)
		s.mu.Lock()
		s.dropped++
		s.mu.Unlock()
	}
}
