//go:build !(js && wasm)

package media

import (
	"context"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/ua"
)

// NewFactory returns a factory whose sessions cannot start: outside a
// browser there is no WebRTC, and every call fails with ErrUnsupported.
func NewFactory(cfg Config) ua.MediaFactory {
	return func(context.Context, ua.MediaEvents) (ua.Media, error) {
		return nil, ErrUnsupported
	}
}

// Session is the media of one call; outside a browser no Session is ever
// made, and its methods fail with ErrUnsupported.
type Session struct{}

var _ ua.Media = (*Session)(nil)

func (*Session) Offer(context.Context, bool) (string, error)    { return "", ErrUnsupported }
func (*Session) Answer(context.Context, string) (string, error) { return "", ErrUnsupported }
func (*Session) Accept(context.Context, string, bool) error     { return ErrUnsupported }
func (*Session) Rollback(context.Context) error                 { return ErrUnsupported }
func (*Session) SetDirection(ua.Direction) error                { return ErrUnsupported }
func (*Session) SendDTMF(string) error                          { return ErrUnsupported }
func (*Session) SetMuted(bool) error                            { return ErrUnsupported }
func (*Session) Close()                                         {}

// Stats fails with ErrUnsupported.
func (*Session) Stats(context.Context) (phone.MediaStats, error) {
	return phone.MediaStats{}, ErrUnsupported
}

// Warmer prepares nothing outside a browser; its factory fails with
// ErrUnsupported.
type Warmer struct{ cfg Config }

// NewWarmer returns a warmer for cfg.
func NewWarmer(cfg Config) *Warmer { return &Warmer{cfg: cfg} }

// Factory returns NewFactory's.
func (w *Warmer) Factory() ua.MediaFactory { return NewFactory(w.cfg) }

// Warm does nothing outside a browser.
func (w *Warmer) Warm() {}

// Release does nothing outside a browser.
func (w *Warmer) Release() {}
