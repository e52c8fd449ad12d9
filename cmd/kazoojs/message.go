//go:build js && wasm

package main

import (
	"context"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/phone"
)

// Instant messages (SIP MESSAGE, RFC 3428):
//
//	kazoo.sendMessage(uri, text, {contentType, extraHeaders}) → {code, reason}
//	register({onMessage({from, fromName, to, text, contentType})})
//
// A message that was not delivered (4xx–6xx, no answer) rejects with
// {key: 'message_failed', code, message, source}. The RTMP path has no
// messages: not_supported.

// messageTimeout bounds sendMessage: Timer F (32 s) and a little more.
const messageTimeout = 40 * time.Second

// sendMessage is kazoo.sendMessage(uri, text, options).
func (f *facade) sendMessage(args []safejs.Value) (any, error) {
	uri, err := stringArg(args, 0, "uri")
	if err != nil {
		return nil, err
	}
	text, err := stringArg(args, 1, "text")
	if err != nil {
		return nil, err
	}
	p, err := jsbridge.NewParams(arg(args, 2), "sendMessage options")
	if err != nil {
		return nil, err
	}
	ctype, err := p.String("contentType")
	if err != nil {
		return nil, err
	}
	extra, err := readExtraHeaders(arg(args, 2))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), messageTimeout)
	defer cancel()
	res, e := f.engine().SendMessage(ctx, uri, text, ctype, extra)
	if e != nil {
		return nil, e
	}
	return jsObject(map[string]any{"code": res.Code, "reason": res.Reason}), nil
}

// messageEvent is what an incoming message does: onMessage, or nil when
// the page has none (the engine then refuses messages with 480).
func (c pageCallbacks) messageEvent() func(phone.Message) {
	if c.onMessage.Type() != safejs.TypeFunction {
		return nil
	}
	return func(m phone.Message) {
		c.call(c.onMessage, jsObject(map[string]any{
			"from": m.From, "fromName": m.FromName, "to": m.To,
			"text": m.Body, "contentType": m.ContentType,
		}))
	}
}
