package rtmpua

import (
	"context"
	"fmt"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/reconnect"
)

// newReconnectLoop makes the session's reconnect loop (package
// reconnect): after a lost relay socket, an attempt every reconnect
// delay, announced by reconnecting_notification, until one succeeds or
// the maximum is reached (then the last error is reported, saying so).
func (s *session) newReconnectLoop() *reconnect.Loop {
	return reconnect.New(reconnect.Config{
		Clock: s.p.cfg.Clock,
		Delay: s.t.opts.ReconnectDelay,
		Max:   s.t.opts.ReconnectMaxAttempts,
		Wanted: func() bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			return !s.closing && !s.registered
		},
		Attempt: s.attempt,
		GaveUp: func(n int, err error) {
			e := *err.(*phone.Error)
			e.Message = fmt.Sprintf("%s; gave up reconnecting after %d attempts", e.Message, n)
			emitError(s.ev, &e)
		},
	})
}

// startReconnect starts the reconnect loop after a lost relay socket,
// unless reconnecting is off or the session is closing or connected.
func (s *session) startReconnect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || s.t.opts.ReconnectOff || s.registered {
		return
	}
	s.rc.Start()
}

func (s *session) stopReconnect() { s.rc.Stop() }

// reconnectNow makes an attempt at once.
func (s *session) reconnectNow() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || s.registered {
		return
	}
	s.rc.Now()
}

// attempt is attempt n of the loop: announced, then a new relay socket
// and registration; Connected on success.
func (s *session) attempt(n int) error {
	if s.ev.Notified != nil {
		s.ev.Notified(phone.Notification{Key: phone.NotifyReconnecting, Message: "Attempting to reconnect...", Fields: map[string]any{"attempt": n}})
	}
	if err := s.connect(context.Background()); err != nil {
		return err
	}
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if !closing && s.ev.Connected != nil {
		go s.ev.Connected()
	}
	return nil
}
