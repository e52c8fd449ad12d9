package ua

import (
	"errors"
	"math"

	"github.com/kazoo-softphone/kazoo/internal/jsontree"
	"github.com/kazoo-softphone/kazoo/phone"
)

// HandoverFromTree reads a Handover from its JSON (as encoding/json
// writes it) parsed into a tree of map[string]any, []any, float64,
// string, bool and nil — the browser's JSON.parse in the wasm build,
// which so needs no encoding/json decoder. A member missing or of the
// wrong type reads as its zero value (Resume rejects a dialog that lacks
// what it needs); v not being an object is an error.
func HandoverFromTree(v any) (Handover, error) {
	o := jsontree.Obj(v)
	if o == nil {
		return Handover{}, errors.New("ua: a handover is a JSON object")
	}
	h := Handover{
		ID: jsontree.Str(o, "id"), Outgoing: jsontree.Bool(o, "outgoing"),
		CallID: jsontree.Str(o, "callId"), LocalTag: jsontree.Str(o, "localTag"), RemoteTag: jsontree.Str(o, "remoteTag"),
		LocalURI: jsontree.Str(o, "localUri"), LocalName: jsontree.Str(o, "localName"),
		RemoteURI: jsontree.Str(o, "remoteUri"), RemoteName: jsontree.Str(o, "remoteName"),
		Target: jsontree.Str(o, "target"), Routes: jsontree.Strings(o, "routes"),
		LocalSeq:  uint32(jsontree.Uint(o, "localSeq", math.MaxUint32)),
		RemoteSeq: uint32(jsontree.Uint(o, "remoteSeq", math.MaxUint32)),
		Peer:      jsontree.Str(o, "peer"), PeerName: jsontree.Str(o, "peerName"),
		StartedAt: jsontree.Time(o, "startedAt"), AnsweredAt: jsontree.Time(o, "answeredAt"),
		Muted: jsontree.Bool(o, "muted"), Held: jsontree.Bool(o, "held"),
	}
	if l := jsontree.List(o, "received"); l != nil {
		h.Received = make([]phone.Header, 0, len(l))
		for _, e := range l {
			if x := jsontree.Obj(e); x != nil {
				h.Received = append(h.Received, phone.Header{Name: jsontree.Str(x, "Name"), Value: jsontree.Str(x, "Value")})
			}
		}
	}
	return h, nil
}
