// Package clock is where kazoo's user agents get time and timers: Real,
// the system clock, in production, and Fake, whose time moves only when
// a test advances it, so refresh, keepalive and reconnect timing are
// tested without waiting. It imports nothing of this module.
package clock
