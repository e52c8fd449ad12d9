// Package layering has no code: its test enforces kazoo's import rules.
// Only jsbridge and cmd/kazoojs may touch syscall/js (or safejs, its safe
// wrapper); the SIP and user-agent packages import neither, nor pion, on
// any platform, so they stay testable natively with go test -race.
package layering
