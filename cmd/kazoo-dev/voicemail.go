//go:build !js

package main

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/kazoo-softphone/kazoo/proxy"
	"github.com/kazoo-softphone/kazoo/registrar"
)

// voicemail is kazoo-dev's demo voicemail: nothing is recorded, but
// every call to vm<user> that lasts leaves <user> one new message, and a
// call to *97 marks one's messages heard. Each change, and every
// registration, sends the user's devices an RFC 3842 message-summary
// NOTIFY as Kazoo does, so the page's voicemail notification shows.
type voicemail struct {
	domain string
	media  *devMedia
	log    *slog.Logger
	proxy  *proxy.Proxy

	mu    sync.Mutex
	boxes map[string]*mailbox
}

type mailbox struct{ fresh, heard int }

func newVoicemail(domain string, media *devMedia, log *slog.Logger) *voicemail {
	return &voicemail{domain: domain, media: media, log: log, boxes: map[string]*mailbox{}}
}

// summary is the message-summary body for user.
func (v *voicemail) summary(user string) []byte {
	v.mu.Lock()
	b := v.boxes[user]
	v.mu.Unlock()
	fresh, heard := 0, 0
	if b != nil {
		fresh, heard = b.fresh, b.heard
	}
	waiting := "no"
	if fresh > 0 {
		waiting = "yes"
	}
	return fmt.Appendf(nil, "Messages-Waiting: %s\r\nMessage-Account: sip:*97@%s\r\nVoice-Message: %d/%d (0/0)\r\n",
		waiting, v.domain, fresh, heard)
}

func (v *voicemail) notification(user string) proxy.Notification {
	return proxy.Notification{Event: "message-summary", ContentType: "application/simple-message-summary", Body: v.summary(user), From: "*97"}
}

// registered tells a device that just registered how the box stands.
func (v *voicemail) registered(aor string, updated []registrar.Binding) {
	user, _, _ := strings.Cut(aor, "@")
	if v.proxy != nil {
		v.proxy.Notify(user, v.notification(user), updated)
	}
}

func (v *voicemail) notifyAll(user string) {
	if v.proxy != nil {
		v.proxy.Notify(user, v.notification(user), nil)
	}
}

// set makes user's box hold fresh new and heard old messages, and tells
// the user's devices (the /api/voicemail endpoint, for trying the page).
func (v *voicemail) set(user string, fresh, heard int) {
	v.mu.Lock()
	v.boxes[user] = &mailbox{fresh: fresh, heard: heard}
	v.mu.Unlock()
	v.notifyAll(user)
}

// deposit is vm<user>: a beep, then the message counts once the caller
// hangs up.
func (v *voicemail) deposit() proxy.Extension {
	return extensionFunc(func(call proxy.LocalCall, offer []byte) ([]byte, proxy.Session, error) {
		owner := strings.TrimPrefix(call.Number, "vm")
		answer, s, err := v.media.beep(offer)
		if err != nil {
			return nil, nil, err
		}
		return answer, &onClose{Session: s, f: func() { v.leave(owner, call.Caller) }}, nil
	})
}

// leave adds a new message to owner's box (a callflow's voicemail
// module recorded it) and tells owner's devices.
func (v *voicemail) leave(owner, from string) {
	v.mu.Lock()
	b := v.boxes[owner]
	if b == nil {
		b = &mailbox{}
		v.boxes[owner] = b
	}
	b.fresh++
	v.mu.Unlock()
	v.log.Info("voicemail left", "for", owner, "by", from)
	v.notifyAll(owner)
}

// box is *97: the caller's new messages become heard.
func (v *voicemail) box() proxy.Extension {
	return extensionFunc(func(call proxy.LocalCall, offer []byte) ([]byte, proxy.Session, error) {
		answer, s, err := v.media.beep(offer)
		if err != nil {
			return nil, nil, err
		}
		v.mu.Lock()
		if b := v.boxes[call.Caller]; b != nil {
			b.heard += b.fresh
			b.fresh = 0
		}
		v.mu.Unlock()
		go v.notifyAll(call.Caller)
		return answer, s, nil
	})
}

// extensionFunc adapts a function to proxy.Extension.
type extensionFunc func(proxy.LocalCall, []byte) ([]byte, proxy.Session, error)

func (f extensionFunc) Answer(c proxy.LocalCall, offer []byte) ([]byte, proxy.Session, error) {
	return f(c, offer)
}

// onClose runs f after the session closed.
type onClose struct {
	proxy.Session
	f func()
}

func (o *onClose) Close() error {
	err := o.Session.Close()
	o.f()
	return err
}
