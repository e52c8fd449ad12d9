package ua

import (
	"context"

	"github.com/kazoo-softphone/kazoo/phone"
)

// SetMuted stops or resumes sending the microphone (no renegotiation).
func (c *Call) SetMuted(muted bool) *phone.Error {
	c.mu.Lock()
	m := c.media
	c.mu.Unlock()
	if m == nil || c.State() == phone.CallEnded {
		return &phone.Error{Key: phone.KeyCallState, Message: "the call has no audio to mute"}
	}
	if err := m.SetMuted(muted); err != nil {
		return &phone.Error{Key: phone.KeyMedia, Message: err.Error(), Err: err}
	}
	c.mu.Lock()
	c.muted = muted
	c.mu.Unlock()
	return nil
}

// Muted reports whether the page muted the microphone.
func (c *Call) Muted() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.muted
}

// Stats summarises the call's audio (the page's getStats()).
func (c *Call) Stats(ctx context.Context) (phone.MediaStats, *phone.Error) {
	m, e := c.liveMedia()
	if e != nil {
		return phone.MediaStats{}, e
	}
	st, err := m.Stats(ctx)
	if err != nil {
		return st, &phone.Error{Key: phone.KeyMedia, Message: err.Error(), Err: err}
	}
	return st, nil
}

// SetMicrophone moves the call's capture to deviceID ("" the default).
func (c *Call) SetMicrophone(ctx context.Context, deviceID string) *phone.Error {
	m, e := c.liveMedia()
	if e != nil {
		return e
	}
	return phone.DeviceError(m.SetMicrophone(ctx, deviceID))
}

// SetSpeaker moves the call's playback to deviceID ("" the default).
func (c *Call) SetSpeaker(ctx context.Context, deviceID string) *phone.Error {
	m, e := c.liveMedia()
	if e != nil {
		return e
	}
	return phone.DeviceError(m.SetSpeaker(ctx, deviceID))
}

// Levels reads the call's microphone and far-end levels.
func (c *Call) Levels(ctx context.Context) (phone.Levels, *phone.Error) {
	m, e := c.liveMedia()
	if e != nil {
		return phone.Levels{}, e
	}
	l, err := m.Levels(ctx)
	if err != nil {
		return l, &phone.Error{Key: phone.KeyMedia, Message: err.Error(), Err: err}
	}
	return l, nil
}

// liveMedia is the call's media, or the error for a call without any.
func (c *Call) liveMedia() (Media, *phone.Error) {
	m := c.Media()
	if m == nil || c.State() == phone.CallEnded {
		return nil, &phone.Error{Key: phone.KeyCallState, Message: "the call has no media"}
	}
	return m, nil
}
