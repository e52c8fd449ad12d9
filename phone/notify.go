package phone

import (
	"strconv"
	"strings"
)

// Notification keys (the original kazoo.js's, listed in README.md and
// wasm/kazoo.d.ts).
const (
	NotifyOverriding   = "overriding_registration"
	NotifyReplaced     = "replaced_registration"
	NotifyVoicemail    = "voicemail_notification"
	NotifyUnknown      = "unknown_notification"
	NotifyReconnecting = "reconnecting_notification"
)

// Notification is what the page receives in onNotified.
type Notification struct {
	Key     string
	Message string
	// Fields are the notification's other members (attempt, waiting,
	// newMessages, …).
	Fields map[string]any
}

// ClassifyNotify turns a NOTIFY's event, content type and body into the
// page's notification (also used for the RTMP gateway's "notified").
func ClassifyNotify(event, contentType, body string) Notification {
	body = strings.TrimSpace(body)
	first, _, _ := strings.Cut(body, "\n")
	first = strings.TrimSpace(first)
	switch name, value, _ := strings.Cut(first, ":"); {
	case strings.EqualFold(name, "Overwrote"):
		return Notification{Key: NotifyOverriding, Message: "You have overridden an existing registration for this device.",
			Fields: map[string]any{"contact": strings.TrimSpace(value)}}
	case strings.EqualFold(name, "Replaced-By"):
		return Notification{Key: NotifyReplaced, Message: "You have been disconnected: someone else has registered this device.",
			Fields: map[string]any{"contact": strings.TrimSpace(value)}}
	case strings.EqualFold(name, "Messages-Waiting"), strings.EqualFold(name, "Message-Account"):
		return voicemail(body)
	}
	fields := map[string]any{"event": event, "body": body}
	if contentType != "" {
		fields["contentType"] = contentType
	}
	return Notification{Key: NotifyUnknown, Message: "You have received a SIP notification.", Fields: fields}
}

// voicemail reads an RFC 3842 message-summary: Messages-Waiting,
// Message-Account and Voice-Message new/old (urgent new/old).
func voicemail(body string) Notification {
	fields := map[string]any{"waiting": false, "newMessages": 0, "oldMessages": 0}
	for _, line := range strings.Split(body, "\n") {
		name, value, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "messages-waiting":
			fields["waiting"] = strings.EqualFold(value, "yes")
		case "message-account":
			fields["account"] = value
		case "voice-message":
			counts, _, _ := strings.Cut(value, " ")
			newS, oldS, _ := strings.Cut(counts, "/")
			if n, ok := messageCount(newS); ok {
				fields["newMessages"] = n
			}
			if n, ok := messageCount(oldS); ok {
				fields["oldMessages"] = n
			}
		}
	}
	msg := "You have no new voicemail messages."
	if fields["waiting"] == true {
		msg = "You have one or more voicemail message(s)."
	}
	return Notification{Key: NotifyVoicemail, Message: msg, Fields: fields}
}

// messageCount reads one count of a Voice-Message line: digits only
// (RFC 3842 §5.2), so a server's "-1" or "+3" is no count at all.
func messageCount(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
