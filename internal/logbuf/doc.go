// Package logbuf is a log sink that tests read back: a bytes.Buffer safe
// for the concurrent writes of a server's goroutines, given to
// slog.NewJSONHandler (or any io.Writer user) in place of stderr.
package logbuf
