//go:build js && wasm

package main

import (
	"context"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/phone"
)

// unsubscribeTimeout bounds unsubscribe()'s wait for the un-SUBSCRIBEs'
// answers.
const unsubscribeTimeout = 5 * time.Second

// presenceEvent maps a subscription's state to register()'s onPresence
// ({uri, state, event, note?}); nil without one.
func presenceEvent(cbs pageCallbacks) func(phone.Presence) {
	if cbs.onPresence.Type() != safejs.TypeFunction {
		return nil
	}
	return func(p phone.Presence) {
		m := map[string]any{"uri": p.URI, "state": p.State, "event": p.Event}
		if p.Note != "" {
			m["note"] = p.Note
		}
		cbs.call(cbs.onPresence, jsObject(m))
	}
}

// subscribe(uris, {event, expires}) watches uris (a string or an array of
// strings) for event 'dialog' (default, busy lamp field) or 'presence';
// states come to onPresence. The RTMP path has no subscriptions.
func (f *facade) subscribe(args []safejs.Value) (any, error) {
	uris, err := readURIs(arg(args, 0), true)
	if err != nil {
		return nil, err
	}
	p, err := jsbridge.NewParams(arg(args, 1), "subscribe options")
	if err != nil {
		return nil, err
	}
	event, err := p.String("event")
	if err != nil {
		return nil, err
	}
	if event == "" {
		event = phone.EventDialog
	}
	expires, err := p.Int("expires", 0)
	if err != nil {
		return nil, err
	}
	if f.following() {
		return nil, errFollowing("subscribe()")
	}
	if _, ok := f.engine().(webrtcPhone); !ok {
		return nil, &phone.Error{Key: phone.KeyNotSupported, Message: "subscribe() needs the WebRTC path; the RTMP path has no presence subscriptions"}
	}
	return nil, nilIfOK(f.webrtc.Subscribe(context.Background(), uris, event, expires))
}

// unsubscribe(uris?) ends the subscriptions to uris, or all of them.
func (f *facade) unsubscribe(args []safejs.Value) (any, error) {
	uris, err := readURIs(arg(args, 0), false)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), unsubscribeTimeout)
	defer cancel()
	return nil, nilIfOK(f.webrtc.Unsubscribe(ctx, uris))
}

// readURIs reads a URI or an array of URIs; missing reads as none unless
// required.
func readURIs(v safejs.Value, required bool) ([]string, error) {
	bad := phone.InvalidParameter("uris", "must be a SIP URI or an array of them")
	switch v.Type() {
	case safejs.TypeString:
		s, _ := v.String()
		return []string{s}, nil
	case safejs.TypeUndefined, safejs.TypeNull:
		if required {
			return nil, bad
		}
		return nil, nil
	case safejs.TypeObject:
	default:
		return nil, bad
	}
	n, err := v.Length()
	if err != nil {
		return nil, bad
	}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		item, err := v.Index(i)
		if err != nil || item.Type() != safejs.TypeString {
			return nil, bad
		}
		s, _ := item.String()
		out = append(out, s)
	}
	return out, nil
}
