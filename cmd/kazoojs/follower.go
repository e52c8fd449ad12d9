//go:build js && wasm

package main

import (
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/tabs"
)

// following reports whether this phone follows another tab's
// registration (sharedTabs) instead of holding its own.
func (f *facade) following() bool {
	_, ok := f.engine().(*tabs.Follower)
	return ok
}

// errFollowing is what a follower answers for what only the tab holding
// the registration can do.
func errFollowing(what string) *phone.Error {
	return &phone.Error{Key: phone.KeyNotSupported, Message: what + " works in the tab that holds the registration; this tab follows another one (sharedTabs)"}
}
