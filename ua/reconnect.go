package ua

import (
	"context"
	"fmt"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/reconnect"
)

// newReconnectLoop makes the registration's auto-reconnect loop (package
// reconnect): after a lost connection, an attempt every reconnect delay,
// each announced by a reconnecting_notification, until one succeeds or
// the maximum is reached (then the last error is reported, saying so).
func (r *registration) newReconnectLoop() *reconnect.Loop {
	return reconnect.New(reconnect.Config{
		Clock: r.ua.cfg.Clock,
		Delay: r.t.reconnectDelay,
		Max:   r.t.reconnectMax,
		Wanted: func() bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			return !r.closing && !r.registered
		},
		Attempt: r.reconnectAttempt,
		GaveUp: func(n int, err error) {
			e := err.(*phone.Error)
			emitError(r.ev, &phone.Error{Key: e.Key, Code: e.Code, Source: e.Source, Err: e,
				Message: fmt.Sprintf("%s; gave up reconnecting after %d attempts", e.Message, n)})
		},
	})
}

// startReconnect starts the auto-reconnect loop after a lost connection.
// It does nothing when reconnecting is off, the registration was
// replaced or closed, or a loop already runs.
func (r *registration) startReconnect() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing || r.replaced || r.refused || r.t.reconnectOff || r.registered {
		return
	}
	r.rc.Start()
}

// reconnectAttempt is attempt n of the loop. A panic in it is reported
// as internal_error and ends the loop (it returns nil then).
func (r *registration) reconnectAttempt(n int) error {
	defer r.ua.recoverPanic(r.ev, "reconnect")
	if err := r.reconnectNow(n); err != nil {
		return err
	}
	return nil
}

// reconnectNow announces attempt n, opens a new connection and
// registers on it. On success the calls in progress are told our new
// way in (a target refresh, RFC 3261 §12.2), and Connected is reported.
func (r *registration) reconnectNow(n int) *phone.Error {
	r.notify(phone.Notification{Key: phone.NotifyReconnecting, Message: "Attempting to reconnect...",
		Fields: map[string]any{"attempt": n}})
	r.ua.op.Lock()
	defer r.ua.op.Unlock()
	r.mu.Lock()
	closing := r.closing
	r.mu.Unlock()
	if closing {
		return &phone.Error{Key: phone.KeyRegistrationFailed, Message: "logged out"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.ua.cfg.DialTimeout+refreshTimeout)
	defer cancel()
	l, err := r.dial(ctx)
	if err != nil {
		return err
	}
	old := r.cur()
	r.mu.Lock()
	r.link = l
	r.mu.Unlock()
	if err := r.register(ctx); err != nil {
		r.mu.Lock()
		r.link = old
		r.mu.Unlock()
		l.close()
		return err
	}
	r.adopt(l)
	r.scheduleRefresh()
	if r.ev.Connected != nil {
		r.ev.Connected()
	}
	for _, c := range r.liveCalls() {
		go c.refreshTarget()
	}
	r.resubscribe()
	return nil
}

// Reconnect re-registers now with the last parameters (kazoo.js
// reconnect()): a new connection when there is none, otherwise a check
// of the current one (a keepalive and an early refresh). After Unload it
// registers again from scratch.
func (u *UserAgent) Reconnect() {
	u.mu.Lock()
	r, last := u.reg, u.last
	u.mu.Unlock()
	if r == nil {
		if last != nil {
			go u.Register(context.Background(), last.opts, last.ev)
		}
		return
	}
	if !r.isRegistered() {
		r.wake()
		return
	}
	// Registered: announce it, refresh on the current connection, and
	// confirm with Connected (a failure drops the link and the loop takes
	// over).
	go func() {
		defer u.recoverPanic(r.ev, "reconnect")
		r.notify(phone.Notification{Key: phone.NotifyReconnecting, Message: "Attempting to reconnect...", Fields: map[string]any{"attempt": 1}})
		r.mu.Lock()
		if r.refresh != nil {
			r.refresh.Stop()
		}
		r.mu.Unlock()
		r.doRefresh()
		if r.isRegistered() && r.ev.Connected != nil {
			r.ev.Connected()
		}
	}()
}

// wake checks the registration after the page slept, came back from the
// back/forward cache or got its network back: when registered, a
// keepalive ping and a refresh now; when not, a reconnect attempt now.
func (r *registration) wake() {
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		return
	}
	registered := r.registered
	if !registered {
		r.rc.Now()
	} else if r.refresh != nil {
		r.refresh.Stop()
	}
	l := r.link
	r.mu.Unlock()
	if registered {
		go l.ping(false)
		go r.doRefresh()
	}
}

// StartAutoReconnect starts the reconnect loop if the registration is
// not in force (kazoo.js startAutoReconnect()).
func (u *UserAgent) StartAutoReconnect() {
	if r := u.registration(); r != nil {
		r.mu.Lock()
		r.replaced, r.refused = false, false
		r.mu.Unlock()
		r.startReconnect()
	}
}

// StopAutoReconnect stops the reconnect loop (kazoo.js
// stopAutoReconnect()).
func (u *UserAgent) StopAutoReconnect() {
	if r := u.registration(); r != nil {
		r.mu.Lock()
		r.rc.Stop()
		r.mu.Unlock()
	}
}

// Wake tells the user agent the page woke up or its network came back.
func (u *UserAgent) Wake() {
	if r := u.registration(); r != nil {
		r.wake()
	}
}

func (u *UserAgent) registration() *registration {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.reg
}

// notify reports a notification to the page.
func (r *registration) notify(n phone.Notification) {
	if r.ev.Notified != nil {
		r.ev.Notified(n)
	}
}

// Sleep detection: a check every wakeCheckInterval; a gap longer than the
// interval plus wakeSlack means the machine slept (or the tab was frozen),
// and the registration is checked at once. The slack is wide because
// browsers throttle timers in background tabs to about once a minute.
const (
	wakeCheckInterval = 10 * time.Second
	wakeSlack         = 60 * time.Second
)

// watchSleep starts the sleep detector for the registration's lifetime.
func (r *registration) watchSleep() {
	interval := r.ua.cfg.WakeCheck
	if interval < 0 {
		return
	}
	if interval == 0 {
		interval = wakeCheckInterval
	}
	clock := r.ua.cfg.Clock
	last := clock.Now()
	var check func()
	check = func() {
		r.mu.Lock()
		closing := r.closing
		r.mu.Unlock()
		if closing {
			return
		}
		now := clock.Now()
		if now.Sub(last) > interval+wakeSlack {
			r.ua.cfg.Logger.Info("woke up: checking the registration", "asleep", now.Sub(last).Round(time.Second).String())
			r.wake()
		}
		last = now
		r.armSleepCheck(interval, check)
	}
	r.armSleepCheck(interval, check)
}

// armSleepCheck arms the sleep detector's next check, unless the
// registration is closing (stop then stops the pending one).
func (r *registration) armSleepCheck(d time.Duration, check func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return
	}
	r.sleepCheck = r.ua.cfg.Clock.AfterFunc(d, check)
}
