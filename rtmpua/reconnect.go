package rtmpua

import (
	"context"
	"fmt"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
)

// startReconnect starts the reconnect loop after a lost relay socket:
// an attempt every reconnect delay, announced by reconnecting_notification,
// until one succeeds or the maximum is reached.
func (s *session) startReconnect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || s.t.opts.ReconnectOff || s.rc.active || s.registered {
		return
	}
	s.rc.active, s.rc.attempt = true, 0
	s.rc.timer = time.AfterFunc(s.t.opts.ReconnectDelay, s.attempt)
}

func (s *session) stopReconnect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rc.active = false
	if s.rc.timer != nil {
		s.rc.timer.Stop()
	}
}

// reconnectNow makes an attempt at once.
func (s *session) reconnectNow() {
	s.mu.Lock()
	if s.closing || s.registered {
		s.mu.Unlock()
		return
	}
	if s.rc.timer != nil {
		s.rc.timer.Stop()
	}
	s.rc.active = true
	s.mu.Unlock()
	go s.attempt()
}

func (s *session) attempt() {
	s.mu.Lock()
	if !s.rc.active || s.closing || s.registered {
		s.mu.Unlock()
		return
	}
	s.rc.attempt++
	n := s.rc.attempt
	s.mu.Unlock()
	if s.ev.Notified != nil {
		s.ev.Notified(phone.Notification{Key: phone.NotifyReconnecting, Message: "Attempting to reconnect...", Fields: map[string]any{"attempt": n}})
	}
	err := s.connect(context.Background())
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.rc.active || s.closing {
		return
	}
	switch max := s.t.opts.ReconnectMaxAttempts; {
	case err == nil:
		s.rc.active = false
		if s.ev.Connected != nil {
			go s.ev.Connected()
		}
	case max > 0 && n >= max:
		s.rc.active = false
		e := *err
		e.Message = fmt.Sprintf("%s; gave up reconnecting after %d attempts", err.Message, n)
		go emitError(s.ev, &e)
	default:
		s.rc.timer = time.AfterFunc(s.t.opts.ReconnectDelay, s.attempt)
	}
}
