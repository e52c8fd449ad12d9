package logcap

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Options tune a capped handler; zero fields take the defaults.
type Options struct {
	MaxLen int           // bytes kept of a message or attribute value; default 200
	Burst  int           // records per message text in a burst; default 10
	Every  time.Duration // one more record per message text each Every; default 1 s
}

// maxKeys bounds the message texts tracked; the rest share the "" bucket.
const maxKeys = 256

// Handler is a capped slog.Handler; see the package documentation.
type Handler struct {
	next slog.Handler
	max  int
	lim  *limiter
}

// New caps h.
func New(h slog.Handler, o Options) *Handler {
	if o.MaxLen <= 0 {
		o.MaxLen = 200
	}
	if o.Burst <= 0 {
		o.Burst = 10
	}
	if o.Every <= 0 {
		o.Every = time.Second
	}
	return &Handler{next: h, max: o.MaxLen, lim: &limiter{burst: float64(o.Burst), every: o.Every, buckets: map[string]*bucket{}}}
}

// Logger returns a logger writing through a capped copy of l's handler,
// with the default Options. A nil l gives a logger that discards.
func Logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	if _, ok := l.Handler().(*Handler); ok {
		return l
	}
	return slog.New(New(l.Handler(), Options{}))
}

// Enabled reports whether the wrapped handler handles level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle passes a truncated, redacted copy of r on, unless its message
// text is over its rate.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	msg := h.cut(r.Message)
	ok, dropped := h.lim.take(msg, r.Time)
	if !ok {
		return nil
	}
	out := slog.NewRecord(r.Time, r.Level, msg, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	if dropped > 0 {
		out.AddAttrs(slog.Int("dropped", dropped))
	}
	return h.next.Handle(ctx, out)
}

// WithAttrs caps attrs too; the result shares h's rate limits.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	capped := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		capped[i] = h.attr(a)
	}
	return &Handler{next: h.next.WithAttrs(capped), max: h.max, lim: h.lim}
}

// WithGroup shares h's rate limits.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), max: h.max, lim: h.lim}
}

func (h *Handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.cut(Redact(v.String())))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, ga := range g {
			out[i] = h.attr(ga)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.cut(Redact(x.Error())))
		case fmt.Stringer:
			return slog.String(a.Key, h.cut(Redact(x.String())))
		case []byte:
			return slog.String(a.Key, h.cut(Redact(string(x))))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// cut keeps at most h.max bytes of s, ending on a whole UTF-8 sequence.
func (h *Handler) cut(s string) string {
	if len(s) <= h.max {
		return s
	}
	n := h.max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…[" + strconv.Itoa(len(s)) + " bytes]"
}

// Redact replaces the value of every Authorization and
// Proxy-Authorization header line in msg (a SIP or HTTP message, or any
// text) with "[redacted]".
func Redact(msg string) string {
	if !strings.Contains(strings.ToLower(msg), "authorization") {
		return msg
	}
	lines := strings.SplitAfter(msg, "\n")
	for i, line := range lines {
		name, _, ok := strings.Cut(line, ":")
		name = strings.TrimRight(name, " \t")
		if ok && (strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Proxy-Authorization")) {
			end := line[len(strings.TrimRight(line, "\r\n")):]
			lines[i] = name + ": [redacted]" + end
		}
	}
	return strings.Join(lines, "")
}

type bucket struct {
	tokens  float64
	last    time.Time
	dropped int
}

type limiter struct {
	mu      sync.Mutex
	burst   float64
	every   time.Duration
	buckets map[string]*bucket
}

// take spends a token of key's bucket at now. It reports whether the
// record may go, and, if so, how many were dropped since the last that
// went.
func (l *limiter) take(key string, now time.Time) (bool, int) {
	if now.IsZero() {
		now = time.Now()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxKeys {
			l.evict(now)
		}
		if len(l.buckets) >= maxKeys {
			key = ""
			b = l.buckets[key]
		}
		if b == nil {
			b = &bucket{tokens: l.burst, last: now}
			l.buckets[key] = b
		}
	}
	l.refill(b, now)
	if b.tokens < 1 {
		b.dropped++
		return false, 0
	}
	b.tokens--
	d := b.dropped
	b.dropped = 0
	return true, d
}

func (l *limiter) refill(b *bucket, now time.Time) {
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(l.burst, b.tokens+float64(el)/float64(l.every))
		b.last = now
	}
}

// evict forgets the buckets that are full again and owe no drop count.
func (l *limiter) evict(now time.Time) {
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= l.burst && b.dropped == 0 {
			delete(l.buckets, k)
		}
	}
}
