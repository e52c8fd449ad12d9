// Package layering has no code: its test enforces kazoo's import rules.
// Only jsbridge and cmd/kazoojs may touch syscall/js (or safejs, its safe
// wrapper); the SIP and user-agent packages import neither, nor pion, on
// any platform, so they stay testable natively with go test -race.
// Package phone, the vocabulary both engines share, imports nothing of
// the module, and rtmpua does not import ua: the two engines meet only in
// phone (and in cmd/kazoojs, which drives both).
package layering
