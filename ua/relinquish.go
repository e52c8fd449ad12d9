package ua

import (
	"github.com/kazoo-softphone/kazoo/phone"
)

// Relinquish is Unload for a page whose registration another tab of the
// account takes over (shared tabs): the socket is closed with no
// un-REGISTER, because the new owner's REGISTER with the same instance
// id and reg-id replaces the binding (RFC 5626 §4.2) and an un-REGISTER
// racing it could remove the new one; and established calls get no BYE,
// because the new owner takes them over (Resume). An incoming call still
// ringing, which only this connection could answer, gets 480; an
// outgoing one still ringing is cancelled. The calls end here without
// a word to the far end, and the media of established calls is left
// open (it may live in another tab, where the call goes on).
func (u *UserAgent) Relinquish() {
	r := u.detach()
	if r == nil {
		return
	}
	for _, c := range r.liveCalls() {
		c.relinquish()
	}
	r.close()
}

// relinquish lets the call go for Relinquish.
func (c *Call) relinquish() {
	c.mu.Lock()
	state, outgoing, provisional := c.state, c.outgoing, c.provisional
	if state == phone.CallEstablished {
		c.media = nil // it goes on, in its tab, for the new owner
	}
	c.mu.Unlock()
	tr := c.r.cur().tr
	switch {
	case state == phone.CallRinging && outgoing && provisional:
		_ = tr.WriteMsg(c.cancelRequest())
	case state == phone.CallRinging && !outgoing:
		_ = c.serverTx.Respond(c.response(480, "Temporarily Unavailable", ""))
	}
	c.end(phone.End{Originator: phone.BySystem})
}
