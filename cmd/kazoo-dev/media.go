package main

import (
	"log/slog"

	"github.com/kazoo-softphone/kazoo/proxy"
)

// devMedia is kazoo-dev's own media: echo, tones and anchoring.
type devMedia struct {
	log *slog.Logger
}

func newDevMedia(o options, log *slog.Logger) (*devMedia, error) {
	return &devMedia{log: log}, nil
}

func (m *devMedia) available() bool       { return false }
func (m *devMedia) echo() proxy.Extension { return nil }
func (m *devMedia) tone() proxy.Extension { return nil }
func (m *devMedia) anchor() proxy.Anchor  { return nil }
func (m *devMedia) close()                {}
func (m *devMedia) beep(offer []byte) ([]byte, proxy.Session, error) {
	return nil, nil, proxy.ErrNotAcceptable
}
