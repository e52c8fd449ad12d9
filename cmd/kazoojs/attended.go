//go:build js && wasm

package main

import (
	"context"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/ua"
)

// opTransfer is transfer(uri) (blind) or transfer(call) (attended: the
// far end of this call is handed over to the far end of call, with
// REFER and Replaces). The RTMP path has no attended transfer.
func (f *facade) opTransfer(ctx context.Context, c phone.Call, args []safejs.Value) (any, error) {
	v := arg(args, 0)
	if v.Type() == safejs.TypeString {
		uri, _ := v.String()
		return nil, nilIfOK(c.Transfer(ctx, uri))
	}
	other, err := f.callArg(v)
	if err != nil {
		return nil, err
	}
	if f.following() {
		return nil, errFollowing("attended transfer")
	}
	from, ok1 := c.(*ua.Call)
	to, ok2 := other.(*ua.Call)
	if !ok1 || !ok2 {
		return nil, &phone.Error{Key: phone.KeyNotSupported, Message: "attended transfer needs WebRTC calls; the RTMP path has blind transfer only"}
	}
	return nil, nilIfOK(from.TransferTo(ctx, to))
}

// callArg is the call a page's call object (or its id) names.
func (f *facade) callArg(v safejs.Value) (phone.Call, error) {
	bad := phone.InvalidParameter("target", "give a SIP URI (blind transfer) or a call object (attended transfer)")
	if v.Type() != safejs.TypeObject {
		return nil, bad
	}
	id, err := v.Get("id")
	if err != nil || id.Type() != safejs.TypeString {
		return nil, bad
	}
	s, _ := id.String()
	f.mu.Lock()
	_, known := f.calls[s]
	f.mu.Unlock()
	if !known {
		return nil, phone.InvalidParameter("target", "that call is over or not one of this phone's calls")
	}
	return f.byID(s)
}

// replacedEvent handles an INVITE with Replaces that took the place of
// one of our calls (the far end transferred us attended, or a call was
// picked up): as with transferred, the new call becomes the current one
// and the old one ends without onHangup; the page hears onNotified
// {key: 'call_replaced', call, remoteUri}.
func (f *facade) replacedEvent(cbs pageCallbacks) func(old, next phone.Call) {
	return func(old, next phone.Call) {
		f.mu.Lock()
		if t := f.calls[old.ID()]; t != nil {
			t.quiet = true
		}
		f.mu.Unlock()
		obj := f.track(next)
		f.makeCurrent(next)
		f.answered(next)
		n := jsObject(map[string]any{
			"key": "call_replaced", "message": "The call now continues with " + next.RemoteURI(),
			"remoteUri": next.RemoteURI(), "callerName": next.CallerName(), "source": "Replaces",
		})
		if n.Type() == safejs.TypeObject {
			_ = n.Set("call", obj)
		}
		cbs.call(cbs.onNotified, n)
	}
}
