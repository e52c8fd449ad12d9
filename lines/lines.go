package lines

import (
	"fmt"
	"slices"
)

// Unlimited is a line limit of no limit (any limit below 1 is none).
const Unlimited = -1

// Config is register()'s choice of lines.
type Config struct {
	// Max is the number of calls that may be live at once (Unlimited:
	// any number).
	Max int
	// LimitOutgoing: placing a call also counts against Max. Without
	// maxLines the limit is today's one incoming call, and calls may
	// still be placed while others go on (to consult before an attended
	// transfer, or to conference).
	LimitOutgoing bool
	// AutoHold: answering or placing a call holds the current one.
	AutoHold bool
}

// Params are the page's register() fields about lines; nil when absent.
type Params struct {
	MaxLines *int // maxLines
	// AllowIncomingWhileBusy (kazoo's older name) and
	// AllowMultipleIncomingCalls (Plivo's) mean unlimited lines when
	// maxLines is absent.
	AllowIncomingWhileBusy, AllowMultipleIncomingCalls bool
	AutoHold                                           *bool // autoHold
}

// Resolve turns the page's fields into a Config. maxLines must be at
// least 1; autoHold defaults to true when more than one line is allowed.
func Resolve(p Params) (Config, error) {
	c := Config{Max: 1}
	switch {
	case p.MaxLines != nil:
		if *p.MaxLines < 1 {
			return c, fmt.Errorf("%d: give at least 1", *p.MaxLines)
		}
		c.Max, c.LimitOutgoing = *p.MaxLines, true
	case p.AllowIncomingWhileBusy || p.AllowMultipleIncomingCalls:
		c.Max = Unlimited
	}
	c.AutoHold = c.Max != 1
	if p.AutoHold != nil {
		c.AutoHold = *p.AutoHold
	}
	return c, nil
}

// Full reports whether live calls fill max lines.
func Full(live, max int) bool {
	return max > 0 && live >= max
}

// Others is what answering a call does to the other incoming calls
// still ringing (call.accept({others})).
type Others string

const (
	// Ring leaves them ringing, here and at the far end (the default).
	Ring Others = "ring"
	// Reject answers them 486 Busy Here.
	Reject Others = "reject"
	// Ignore stops ringing them here (the ringtone, and the page hears
	// nothing more of them until they end); their callers keep hearing
	// ringback, and they can still be accepted or rejected.
	Ignore Others = "ignore"
)

// ParseOthers reads accept's others option ("" is Ring).
func ParseOthers(s string) (Others, error) {
	switch o := Others(s); o {
	case "":
		return Ring, nil
	case Ring, Reject, Ignore:
		return o, nil
	}
	return "", fmt.Errorf("%q: give 'ring', 'reject' or 'ignore'", s)
}

// Book tracks the live calls and the current one. It is not safe for
// concurrent use; its owner locks.
type Book struct {
	ids    []string // live calls, oldest first
	recent []string // live calls in the order they were last current, latest last
}

// Add books a new live call; it becomes current when none is.
func (b *Book) Add(id string) {
	if slices.Contains(b.ids, id) {
		return
	}
	b.ids = append(b.ids, id)
	if len(b.recent) == 0 {
		b.recent = append(b.recent, id)
	}
}

// Len is the number of live calls.
func (b *Book) Len() int { return len(b.ids) }

// Has reports whether id is live.
func (b *Book) Has(id string) bool { return slices.Contains(b.ids, id) }

// IDs are the live calls, oldest first.
func (b *Book) IDs() []string { return slices.Clone(b.ids) }

// Current is the current call ("" when none).
func (b *Book) Current() string {
	if len(b.recent) == 0 {
		return ""
	}
	return b.recent[len(b.recent)-1]
}

// MakeCurrent makes id current (booking it if needed) and returns the
// call that was current before, "" when none or id itself.
func (b *Book) MakeCurrent(id string) (previous string) {
	b.Add(id)
	previous = b.Current()
	b.recent = slices.DeleteFunc(b.recent, func(s string) bool { return s == id })
	b.recent = append(b.recent, id)
	if previous == id {
		return ""
	}
	return previous
}

// End removes id. When it was current, the call current before it
// becomes current again (else the oldest live call; "" when none):
// that call is returned with changed true. It is not resumed: a held
// call stays held until the page switches to it.
func (b *Book) End(id string) (current string, changed bool) {
	if !b.Has(id) {
		return b.Current(), false
	}
	was := b.Current() == id
	b.ids = slices.DeleteFunc(b.ids, func(s string) bool { return s == id })
	b.recent = slices.DeleteFunc(b.recent, func(s string) bool { return s == id })
	if len(b.recent) == 0 && len(b.ids) > 0 {
		b.recent = append(b.recent, b.ids[0])
	}
	return b.Current(), was
}

// Others are the live calls other than id, oldest first.
func (b *Book) Others(id string) []string {
	return slices.DeleteFunc(b.IDs(), func(s string) bool { return s == id })
}
