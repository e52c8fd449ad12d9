//go:build js && wasm

package main

import (
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/phone"
)

// notificationObject is the JS shape of a notification: {key, message,
// source?, …fields}.
func notificationObject(n phone.Notification) safejs.Value {
	m := map[string]any{"key": n.Key, "message": n.Message}
	for k, v := range n.Fields {
		m[k] = v
	}
	return jsObject(m)
}

// reconnect() re-registers now with the original parameters.
func (f *facade) reconnect([]safejs.Value) (any, error) {
	f.engine().Reconnect()
	return nil, nil
}

func (f *facade) startAutoReconnect([]safejs.Value) (any, error) {
	f.engine().StartAutoReconnect()
	return nil, nil
}

func (f *facade) stopAutoReconnect([]safejs.Value) (any, error) {
	f.engine().StopAutoReconnect()
	return nil, nil
}

// monitorConnectivity(on): report online/offline and act on it (default
// on).
func (f *facade) monitorConnectivity(args []safejs.Value) (any, error) {
	on, err := boolArg(args, 0, "monitor", true)
	if err != nil {
		return nil, err
	}
	f.unmonitored.Store(!on)
	return nil, nil
}

// network is called by the loader on the browser's online and offline
// events: a connectivity_notification, and on online an immediate check
// or reconnect.
func (f *facade) network(args []safejs.Value) (any, error) {
	status, _ := stringArg(args, 0, "status")
	if f.unmonitored.Load() || (status != "online" && status != "offline") {
		return nil, nil
	}
	msg := "You have lost your connection to the network."
	if status == "online" {
		msg = "You have recovered your connection to the network."
	}
	f.callbacks().call(f.callbacks().onNotified, jsObject(map[string]any{
		"key": "connectivity_notification", "message": msg, "status": status,
		"time": time.Now().UTC().Format(time.RFC3339Nano),
	}))
	if status == "online" {
		f.engine().Wake()
	}
	return nil, nil
}

// restore is called by the loader when the page comes back from the
// back/forward cache: pagehide unregistered it, so register again now.
func (f *facade) restore([]safejs.Value) (any, error) {
	f.engine().Reconnect()
	return nil, nil
}
