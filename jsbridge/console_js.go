//go:build js && wasm

package jsbridge

import (
	"context"
	"log/slog"
	"strings"

	"github.com/hack-pad/safejs"
)

// ConsoleHandler is a slog.Handler writing to the browser console
// (console.debug/info/warn/error by level), prefixed "kazoo:".
type ConsoleHandler struct {
	Level slog.Leveler
	attrs []slog.Attr
}

func (h *ConsoleHandler) Enabled(_ context.Context, l slog.Level) bool {
	min := slog.LevelInfo
	if h.Level != nil {
		min = h.Level.Level()
	}
	return l >= min
}

func (h *ConsoleHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString("kazoo: ")
	b.WriteString(r.Message)
	write := func(a slog.Attr) bool {
		b.WriteString(" ")
		b.WriteString(a.Key)
		b.WriteString("=")
		b.WriteString(a.Value.String())
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	method := "error"
	switch {
	case r.Level < slog.LevelInfo:
		method = "debug"
	case r.Level < slog.LevelWarn:
		method = "info"
	case r.Level < slog.LevelError:
		method = "warn"
	}
	console, err := safejs.Global().Get("console")
	if err != nil {
		return err
	}
	_, err = console.Call(method, b.String())
	return err
}

func (h *ConsoleHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &ConsoleHandler{Level: h.Level, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

func (h *ConsoleHandler) WithGroup(string) slog.Handler { return h }
