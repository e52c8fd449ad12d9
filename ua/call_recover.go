package ua

import (
	"context"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
)

// iceGrace is how long ICE may stay "disconnected" before an ICE
// restart: it often recovers on its own within a second or two.
const iceGrace = 2 * time.Second

// recoverTimeout bounds a target refresh or ICE restart re-INVITE.
const recoverTimeout = 30 * time.Second

// mediaEvents are the media callbacks of this call.
func (c *Call) mediaEvents() MediaEvents {
	return MediaEvents{ICEState: c.iceState}
}

// iceState follows the call's ICE connection: "failed" restarts ICE at
// once, "disconnected" after iceGrace if it has not recovered (a network
// change: RFC 8445 §2.4, ICE restart by re-INVITE).
func (c *Call) iceState(state string) {
	c.mu.Lock()
	c.ice = state
	up := c.state == phone.CallEstablished
	c.mu.Unlock()
	if !up {
		return
	}
	switch state {
	case "failed":
		go c.restartICE()
	case "disconnected":
		c.r.ua.cfg.Clock.AfterFunc(iceGrace, func() {
			c.mu.Lock()
			still := c.ice == "disconnected" && c.state == phone.CallEstablished
			c.mu.Unlock()
			if still {
				c.restartICE()
			}
		})
	}
}

// restartICE sends an ICE-restart re-INVITE now, or, while the
// registration is reconnecting, with the target refresh that follows.
func (c *Call) restartICE() {
	defer c.r.ua.recoverPanic(c.r.ev, "ICE restart")
	if !c.r.isRegistered() {
		c.mu.Lock()
		c.iceRestart = true
		c.mu.Unlock()
		return
	}
	c.renegotiateSafely(true)
}

// refreshTarget tells the far end our way in after a reconnect (a target
// refresh re-INVITE, RFC 3261 §12.2), restarting ICE if that was waiting.
func (c *Call) refreshTarget() {
	defer c.r.ua.recoverPanic(c.r.ev, "target refresh")
	c.mu.Lock()
	restart := c.iceRestart
	c.iceRestart = false
	c.mu.Unlock()
	c.renegotiateSafely(restart)
}

func (c *Call) renegotiateSafely(iceRestart bool) {
	c.op.Lock()
	defer c.op.Unlock()
	if c.State() != phone.CallEstablished {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), recoverTimeout)
	defer cancel()
	if err := c.renegotiate(ctx, iceRestart); err != nil {
		c.r.ua.cfg.Logger.Warn("re-INVITE to recover the call failed", "ice_restart", iceRestart, "error", err.Message)
	}
}
