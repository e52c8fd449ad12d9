package logcap

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func records(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		m := map[string]any{}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

func TestTruncatesAndRedacts(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(New(slog.NewJSONHandler(&buf, nil), Options{MaxLen: 50}))
	long := strings.Repeat("é", 100) // 200 bytes
	msg := "REGISTER sip:x SIP/2.0\r\nauthorization: Digest username=\"u\", response=\"secret\"\r\n\r\n"
	log.With("pre", long).Error(strings.Repeat("m", 80), "data", long, "err", errors.New(long), "msg", msg,
		slog.Group("g", "inner", long), "n", 7)
	r := records(t, &buf)
	if len(r) != 1 {
		t.Fatalf("got %d records", len(r))
	}
	for _, k := range []string{"pre", "data", "err"} {
		s := r[0][k].(string)
		if !strings.HasPrefix(s, strings.Repeat("é", 25)+"…[200 bytes]") || len(s) > 70 {
			t.Errorf("%s = %q, want 50 bytes and the length", k, s)
		}
	}
	if s := r[0]["g"].(map[string]any)["inner"].(string); len(s) > 70 {
		t.Errorf("group value not cut: %d bytes", len(s))
	}
	if s := r[0]["msg"].(string); strings.Contains(s, "secret") || len(s) > 70 {
		t.Errorf("message not cut: %q", s)
	}
	if s := r[0]["msg"]; s == nil {
		t.Fatal("no message")
	}
	if r[0]["n"].(float64) != 7 {
		t.Errorf("number changed: %v", r[0]["n"])
	}
	var full bytes.Buffer
	slog.New(New(slog.NewJSONHandler(&full, nil), Options{})).Info("m", "sip", msg)
	if s := full.String(); strings.Contains(s, "secret") || !strings.Contains(s, "authorization: [redacted]") {
		t.Errorf("credentials not redacted: %s", s)
	}
}

func TestRateLimitPerMessage(t *testing.T) {
	var buf bytes.Buffer
	h := New(slog.NewJSONHandler(&buf, nil), Options{Burst: 3, Every: time.Minute})
	log := slog.New(h)
	other := log.With("caller", "x") // shares the buckets
	t0 := time.Now()
	for range 100 {
		log.Error("flood")
		other.Error("flood")
	}
	log.Warn("another message")
	r := records(t, &buf)
	if len(r) != 4 {
		t.Fatalf("got %d records, want 3 of the flood and 1 other: %s", len(r), buf.String())
	}
	// After a minute, one more goes, reporting how many were dropped.
	buf.Reset()
	rec := slog.NewRecord(t0.Add(61*time.Second), slog.LevelError, "flood", 0)
	if err := h.Handle(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	r = records(t, &buf)
	if len(r) != 1 || r[0]["dropped"].(float64) != 197 {
		t.Fatalf("want one record with dropped=197, got %s", buf.String())
	}
}

func TestManyMessageTextsShareABucket(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(New(slog.NewJSONHandler(&buf, nil), Options{Burst: 2, Every: time.Hour}))
	for i := range 10 * maxKeys {
		log.Error(strings.Repeat("x", i%300) + string(rune('a'+i%26)))
	}
	if n := len(records(t, &buf)); n > 2*maxKeys+2 {
		t.Fatalf("%d records for %d distinct texts", n, 10*maxKeys)
	}
}

func TestLoggerNil(t *testing.T) {
	Logger(nil).Error("nothing") // must not panic
	l := Logger(slog.New(slog.DiscardHandler))
	if Logger(l) != l {
		t.Error("a capped logger is capped again")
	}
}

func TestRedact(t *testing.T) {
	msg := "REGISTER sip:lab.test SIP/2.0\r\n" +
		"Authorization: Digest username=\"1001\", response=\"abc\"\r\n" +
		"proxy-authorization: Digest username=\"1001\", response=\"def\"\r\n" +
		"Call-ID: x\r\n\r\n"
	got := Redact(msg)
	if strings.Contains(got, "response=") || !strings.Contains(got, "Authorization: [redacted]\r\n") ||
		!strings.Contains(got, "proxy-authorization: [redacted]\r\n") || !strings.Contains(got, "Call-ID: x\r\n") {
		t.Fatalf("redacted:\n%s", got)
	}
}
