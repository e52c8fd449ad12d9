//go:build !js

package mediaserver

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLogger sends pion's records to the server's logger: its errors as
// warnings, its warnings as debug records, nothing else (pion's info and
// debug output is per packet in places).
type pionLogger struct{ log *slog.Logger }

func (f pionLogger) NewLogger(scope string) logging.LeveledLogger {
	return pionScope{f.log.With("pion", scope)}
}

type pionScope struct{ log *slog.Logger }

func (pionScope) Trace(string)          {}
func (pionScope) Tracef(string, ...any) {}
func (pionScope) Debug(string)          {}
func (pionScope) Debugf(string, ...any) {}
func (pionScope) Info(string)           {}
func (pionScope) Infof(string, ...any)  {}

func (p pionScope) Warn(msg string) { p.log.Debug(msg) }
func (p pionScope) Warnf(format string, args ...any) {
	if p.log.Enabled(context.Background(), slog.LevelDebug) {
		p.log.Debug(fmt.Sprintf(format, args...))
	}
}
func (p pionScope) Error(msg string) { p.log.Warn(msg) }
func (p pionScope) Errorf(format string, args ...any) {
	p.log.Warn(fmt.Sprintf(format, args...))
}
