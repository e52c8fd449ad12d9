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
// on), for every phone of the page.
func (pg *page) monitorConnectivity(args []safejs.Value) (any, error) {
	on, err := boolArg(args, 0, "monitor", true)
	if err != nil {
		return nil, err
	}
	pg.unmonitored.Store(!on)
	return nil, nil
}

// network is called by the loader on the browser's online and offline
// events: every phone gets a connectivity_notification, and on online an
// immediate check or reconnect.
func (pg *page) network(args []safejs.Value) (any, error) {
	status, _ := stringArg(args, 0, "status")
	if pg.unmonitored.Load() || (status != "online" && status != "offline") {
		return nil, nil
	}
	msg := "You have lost your connection to the network."
	if status == "online" {
		msg = "You have recovered your connection to the network."
	}
	at := time.Now().UTC().Format(time.RFC3339Nano)
	for _, f := range pg.all() {
		cbs := f.callbacks()
		cbs.call(cbs.onNotified, jsObject(map[string]any{
			"key": "connectivity_notification", "message": msg, "status": status, "time": at,
		}))
		if status == "online" {
			f.engine().Wake()
		}
	}
	return nil, nil
}
