//go:build js && wasm

package main

import (
	"sort"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/jsbridge"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
	"github.com/kazoo-softphone/kazoo/ua"
)

// callObject makes the page's call object: the loader's call prototype
// (accept, reject, hangup, getHeader, …) with this call's data. Its
// state, answeredAt, receivedHeaders and end are kept up to date by
// answeredObject and endedObject.
func (f *facade) callObject(c phone.Call) safejs.Value {
	data, err := safejs.ValueOf(map[string]any{
		"id":              c.ID(),
		"direction":       map[bool]string{true: "outgoing", false: "incoming"}[c.Outgoing()],
		"localUri":        c.LocalURI(),
		"remoteUri":       c.RemoteURI(),
		"remoteName":      c.RemoteName(),
		"callerName":      c.CallerName(),
		"callerNumber":    c.CallerNumber(),
		"state":           c.State().String(),
		"startedAt":       nil,
		"answeredAt":      nil,
		"receivedHeaders": headersArray(c.ReceivedHeaders()),
		"end":             nil,
		"mode":            callMode(c),
		"audioHere":       f.audioHere(c),
		"held":            false,
	})
	if err != nil {
		return safejs.Undefined()
	}
	_ = data.Set("startedAt", jsDate(c.StartedAt()))
	if at := c.AnsweredAt(); !at.IsZero() {
		_ = data.Set("answeredAt", jsDate(at))
	}
	if hooks := f.pg.hooks; hooks.Type() == safejs.TypeObject {
		if obj, err := hooks.Call("newCall", data, f.id); err == nil {
			return obj
		}
	}
	return data
}

// answeredObject updates a call object for its answer: its state, when,
// and (outgoing) the 2xx's header fields.
func answeredObject(obj safejs.Value, c phone.Call) {
	if obj.Type() != safejs.TypeObject {
		return
	}
	_ = obj.Set("state", c.State().String())
	if at := c.AnsweredAt(); !at.IsZero() {
		_ = obj.Set("answeredAt", jsDate(at))
	}
	_ = obj.Set("receivedHeaders", headersValue(c.ReceivedHeaders()))
}

// endedObject updates a call object for its end.
func endedObject(obj safejs.Value, e phone.End) {
	if obj.Type() != safejs.TypeObject {
		return
	}
	_ = obj.Set("state", phone.CallEnded.String())
	_ = obj.Set("end", jsObject(map[string]any{"code": e.Code, "reason": e.Reason, "originator": e.Originator.String()}))
}

// jsDate makes a JS Date of t (null for the zero time).
func jsDate(t time.Time) safejs.Value {
	if t.IsZero() {
		return safejs.Null()
	}
	date, err := safejs.Global().Get("Date")
	if err != nil {
		return safejs.Null()
	}
	d, err := date.New(float64(t.UnixMilli()))
	if err != nil {
		return safejs.Null()
	}
	return d
}

// headersArray is [{name, value}, …] for safejs.ValueOf.
func headersArray(hs []phone.Header) []any {
	out := make([]any, 0, len(hs))
	for _, h := range hs {
		out = append(out, map[string]any{"name": h.Name, "value": h.Value})
	}
	return out
}

func headersValue(hs []phone.Header) safejs.Value {
	v, err := safejs.ValueOf(headersArray(hs))
	if err != nil {
		return safejs.Undefined()
	}
	return v
}

// currentCallObject is kazoo.currentCall(): the call the global methods
// act on (hangup, sendDTMF, hold…), or null.
func (f *facade) currentCallObject([]safejs.Value) (any, error) {
	t := f.currentCall()
	if t == nil || t.preflight || t.call.State() == phone.CallEnded {
		return safejs.Null(), nil
	}
	return t.obj, nil
}

// setHeld keeps a call object's held up to date (we put it on hold).
func (f *facade) setHeld(c phone.Call, held bool) {
	f.mu.Lock()
	t := f.calls[c.ID()]
	f.mu.Unlock()
	if t != nil && t.obj.Type() == safejs.TypeObject {
		_ = t.obj.Set("held", held)
	}
}

// listCalls is kazoo.calls(): the page's calls not over, oldest first
// (preflight's test call is not one).
func (f *facade) listCalls([]safejs.Value) (any, error) {
	f.mu.Lock()
	var ts []*tracked
	for _, t := range f.calls {
		if !t.preflight && t.call.State() != phone.CallEnded {
			ts = append(ts, t)
		}
	}
	f.mu.Unlock()
	sort.Slice(ts, func(i, j int) bool { return ts[i].seq < ts[j].seq })
	array, err := safejs.Global().Get("Array")
	if err != nil {
		return nil, err
	}
	out, err := array.New()
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if _, err := out.Call("push", t.obj); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readExtraHeaders reads options.extraHeaders: JsSIP's array of
// "Name: value" strings, or an object {Name: value}. Nothing or null is
// none; the fields must pass ua.CheckHeaders.
func readExtraHeaders(options safejs.Value) ([]phone.Header, error) {
	if options.IsUndefined() || options.IsNull() {
		return nil, nil
	}
	p, err := jsbridge.NewParams(options, "options")
	if err != nil {
		return nil, err
	}
	v := p.Value("extraHeaders")
	if v.IsUndefined() || v.IsNull() {
		return nil, nil
	}
	bad := phone.InvalidParameter("extraHeaders", `must be an array of "Name: value" strings or an object {Name: value}`)
	if v.Type() != safejs.TypeObject {
		return nil, bad
	}
	var hs []phone.Header
	if isArray(v) {
		n, err := v.Length()
		if err != nil {
			return nil, bad
		}
		for i := 0; i < n; i++ {
			item, err := v.Index(i)
			if err != nil || item.Type() != safejs.TypeString {
				return nil, bad
			}
			line, _ := item.String()
			name, value, err := sip.ParseHeaderLine(line)
			if err != nil {
				return nil, phone.InvalidParameter("extraHeaders", "%v", err)
			}
			hs = append(hs, phone.Header{Name: name, Value: value})
		}
	} else {
		object, err := safejs.Global().Get("Object")
		if err != nil {
			return nil, bad
		}
		keys, err := object.Call("keys", v)
		if err != nil {
			return nil, bad
		}
		n, _ := keys.Length()
		for i := 0; i < n; i++ {
			k, _ := keys.Index(i)
			name, _ := k.String()
			val, err := v.Get(name)
			if err != nil || val.Type() != safejs.TypeString {
				return nil, phone.InvalidParameter("extraHeaders", "the value of %s must be a string", name)
			}
			value, _ := val.String()
			hs = append(hs, phone.Header{Name: name, Value: value})
		}
	}
	if e := ua.CheckHeaders(hs); e != nil {
		return nil, e
	}
	return hs, nil
}

// isArray is Array.isArray(v).
func isArray(v safejs.Value) bool {
	array, err := safejs.Global().Get("Array")
	if err != nil {
		return false
	}
	ok, err := array.Call("isArray", v)
	return err == nil && truthy(ok)
}
