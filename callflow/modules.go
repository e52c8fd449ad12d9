package callflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Module names.
const (
	ModPivot          = "pivot"
	ModTTS            = "tts"
	ModPlay           = "play"
	ModSay            = "say"
	ModCollectDTMF    = "collect_dtmf"
	ModUser           = "user"
	ModDevice         = "device"
	ModBridge         = "bridge"
	ModResources      = "resources"
	ModConference     = "conference"
	ModVoicemail      = "voicemail"
	ModRecordCall     = "record_call"
	ModSetCID         = "set_cid"
	ModMenu           = "menu"
	ModBranch         = "branch"
	ModManualPresence = "manual_presence"
	ModResponse       = "response"
	ModHangup         = "hangup"
)

// MenuMedia is Menu.Media (Kazoo's menu document media).
type MenuMedia struct {
	// Greeting is the prompt played each try.
	Greeting string `json:"greeting,omitempty"`
	// InvalidMedia after a wrong key: true (default prompt), false (none)
	// or a media.
	InvalidMedia Media `json:"invalid_media,omitempty"`
	// ExitMedia when the retries run out; TransferMedia on a match.
	ExitMedia     Media `json:"exit_media,omitempty"`
	TransferMedia Media `json:"transfer_media,omitempty"`
}

// Menu plays a greeting and continues to the child keyed by the digits
// pressed (Kazoo's menu). Kazoo's callflow names a menu document by ID;
// kazoo-dev has no database, so the document's fields are read inline
// here. Children: digit keys, "timeout" (nothing pressed), "max_retries"
// (retries exhausted) and "_".
type Menu struct {
	Common
	// ID names a menu (kept for Kazoo compatibility).
	ID string `json:"id,omitempty"`
	// Name is a friendly name.
	Name string `json:"name,omitempty"`
	// Media: the greeting and the other prompts.
	Media MenuMedia `json:"media,omitempty"`
	// Retries plays the menu this many times at most (default 3).
	Retries Int `json:"retries,omitempty"`
	// TimeoutMS waits this long for the first key (default 10000).
	TimeoutMS Int `json:"timeout,omitempty"`
	// InterdigitTimeoutMS between keys (default 2000).
	InterdigitTimeoutMS Int `json:"interdigit_timeout,omitempty"`
	// MaxExtensionLength is how many digits are collected (default 4).
	MaxExtensionLength Int `json:"max_extension_length,omitempty"`
	// SuppressMedia skips the "invalid entry" prompt.
	SuppressMedia bool `json:"suppress_media,omitempty"`
}

// Timeout is TimeoutMS as a duration.
func (m Menu) Timeout() time.Duration { return time.Duration(m.TimeoutMS) * time.Millisecond }

func (m *Menu) check(path string) error {
	if m.Media.Greeting == "" && m.ID == "" {
		return errAt(join(path, "media.greeting"), "required (kazoo-dev reads the menu inline)")
	}
	if m.Retries == 0 {
		m.Retries = 3
	}
	if m.TimeoutMS == 0 {
		m.TimeoutMS = 10000
	}
	if m.InterdigitTimeoutMS == 0 {
		m.InterdigitTimeoutMS = 2000
	}
	if m.MaxExtensionLength == 0 {
		m.MaxExtensionLength = 4
	}
	if m.Retries < 0 || m.TimeoutMS < 0 || m.InterdigitTimeoutMS < 0 {
		return errAt(path, "retries, timeout and interdigit_timeout must not be negative")
	}
	if m.MaxExtensionLength < 1 || m.MaxExtensionLength > maxKeyLen {
		return errAt(join(path, "max_extension_length"), "must be between 1 and %d", maxKeyLen)
	}
	return nil
}

// Branch is kazoo-dev's own module: it continues to the child keyed by
// the digits of a DTMF collection (the last unnamed one, or
// CollectionName), else to "_".
type Branch struct {
	Common
	// CollectionName picks a named collection (collect_dtmf's
	// collection_name); empty is the unnamed one.
	CollectionName string `json:"collection_name,omitempty"`
}

func (*Branch) check(string) error { return nil }

// checker is implemented by every module's typed struct (pointer).
type checker interface{ check(path string) error }

type keyPolicy int

const (
	keysContinue keyPolicy = iota // "_" only
	keysDigits                    // "_" and digit strings
	keysMenu                      // "_", digit strings, timeout, max_retries
)

type spec struct {
	decode func(raw json.RawMessage, path string) (any, error)
	keys   keyPolicy
}

func (s spec) checkKey(key string) error {
	if key == "_" {
		return nil
	}
	switch s.keys {
	case keysDigits:
		if dtmfKey(key) {
			return nil
		}
		return fmt.Errorf(`child key must be "_" or up to %d digits (0-9 * #)`, maxKeyLen)
	case keysMenu:
		if dtmfKey(key) || key == "timeout" || key == "max_retries" {
			return nil
		}
		return fmt.Errorf(`child key must be "_", "timeout", "max_retries" or up to %d digits (0-9 * #)`, maxKeyLen)
	}
	return errors.New(`child key must be "_" (this module does not branch; use menu or branch to branch on digits)`)
}

func mod[T any, P interface {
	*T
	checker
}](keys keyPolicy) spec {
	return spec{keys: keys, decode: func(raw json.RawMessage, path string) (any, error) {
		var v T
		if err := decodeInto(raw, &v, path); err != nil {
			return nil, err
		}
		if err := P(&v).check(path); err != nil {
			return nil, err
		}
		return v, nil
	}}
}

var modules = map[string]spec{
	ModPivot:          mod[Pivot](keysContinue),
	ModTTS:            mod[TTS](keysContinue),
	ModPlay:           mod[Play](keysContinue),
	ModSay:            mod[Say](keysContinue),
	ModCollectDTMF:    mod[CollectDTMF](keysContinue),
	ModUser:           mod[User](keysContinue),
	ModDevice:         mod[Device](keysContinue),
	ModBridge:         mod[Bridge](keysContinue),
	ModResources:      mod[Resources](keysContinue),
	ModConference:     mod[Conference](keysContinue),
	ModVoicemail:      mod[Voicemail](keysContinue),
	ModRecordCall:     mod[RecordCall](keysContinue),
	ModSetCID:         mod[SetCID](keysContinue),
	ModMenu:           mod[Menu](keysMenu),
	ModBranch:         mod[Branch](keysDigits),
	ModManualPresence: mod[ManualPresence](keysContinue),
	ModResponse:       mod[Response](keysContinue),
	ModHangup:         mod[Hangup](keysContinue),
}

// Modules lists the module names Parse accepts, sorted.
func Modules() []string {
	names := make([]string, 0, len(modules))
	for name := range modules {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// as returns the node's typed data when its module is want.
func as[T any](n *Node, want string) (T, error) {
	var zero T
	if n == nil {
		return zero, errors.New("callflow: nil node")
	}
	if n.Module != want {
		return zero, fmt.Errorf("callflow: node is %q, not %q", n.Module, want)
	}
	v, err := n.Decode()
	if err != nil {
		return zero, err
	}
	return v.(T), nil
}

// Typed accessors: the node's data when it is that module, else an error.

func (n *Node) Pivot() (Pivot, error)             { return as[Pivot](n, ModPivot) }
func (n *Node) TTS() (TTS, error)                 { return as[TTS](n, ModTTS) }
func (n *Node) Play() (Play, error)               { return as[Play](n, ModPlay) }
func (n *Node) Say() (Say, error)                 { return as[Say](n, ModSay) }
func (n *Node) CollectDTMF() (CollectDTMF, error) { return as[CollectDTMF](n, ModCollectDTMF) }
func (n *Node) User() (User, error)               { return as[User](n, ModUser) }
func (n *Node) Device() (Device, error)           { return as[Device](n, ModDevice) }
func (n *Node) Bridge() (Bridge, error)           { return as[Bridge](n, ModBridge) }
func (n *Node) Resources() (Resources, error)     { return as[Resources](n, ModResources) }
func (n *Node) Conference() (Conference, error)   { return as[Conference](n, ModConference) }
func (n *Node) Voicemail() (Voicemail, error)     { return as[Voicemail](n, ModVoicemail) }
func (n *Node) RecordCall() (RecordCall, error)   { return as[RecordCall](n, ModRecordCall) }
func (n *Node) SetCID() (SetCID, error)           { return as[SetCID](n, ModSetCID) }
func (n *Node) Menu() (Menu, error)               { return as[Menu](n, ModMenu) }
func (n *Node) Branch() (Branch, error)           { return as[Branch](n, ModBranch) }
func (n *Node) ManualPresence() (ManualPresence, error) {
	return as[ManualPresence](n, ModManualPresence)
}
func (n *Node) Response() (Response, error) { return as[Response](n, ModResponse) }
func (n *Node) Hangup() (Hangup, error)     { return as[Hangup](n, ModHangup) }
