package ua

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
)

// fullHandover has every field set (a field HandoverFromTree forgets
// comes back zero).
func fullHandover() Handover {
	return Handover{
		ID: "c1", Outgoing: true, CallID: "abc@host", LocalTag: "lt", RemoteTag: "rt",
		LocalURI: "sip:1001@lab.test", LocalName: "Me", RemoteURI: "sip:1002@lab.test", RemoteName: "Alice",
		Target: "sip:1002@10.0.0.2:5060;transport=ws", Routes: []string{"sip:p1.test;lr", "sip:p2.test;lr"},
		LocalSeq: 4294967295, RemoteSeq: 7, Peer: "sip:1002@lab.test", PeerName: "Alice",
		StartedAt:  time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.UTC),
		AnsweredAt: time.Date(2024, 3, 1, 12, 0, 5, 0, time.FixedZone("", 3600)),
		Received:   []phone.Header{{Name: "X-Ticket", Value: "7"}, {Name: "Subject", Value: "é \"q\""}},
		Muted:      true, Held: true,
	}
}

func treeOf(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestHandoverFromTreeReadsEveryField(t *testing.T) {
	h := fullHandover()
	// Every field is set, so that one the reader forgets shows.
	rv := reflect.ValueOf(h)
	for i := range rv.NumField() {
		if rv.Field(i).IsZero() {
			t.Fatalf("fullHandover leaves %s zero", rv.Type().Field(i).Name)
		}
	}
	back, err := HandoverFromTree(treeOf(t, h))
	if err != nil {
		t.Fatal(err)
	}
	if !back.StartedAt.Equal(h.StartedAt) || !back.AnsweredAt.Equal(h.AnsweredAt) {
		t.Errorf("times %v %v came back as %v %v", h.StartedAt, h.AnsweredAt, back.StartedAt, back.AnsweredAt)
	}
	back.StartedAt, back.AnsweredAt = h.StartedAt, h.AnsweredAt
	if !reflect.DeepEqual(back, h) {
		t.Errorf("handover\n%+v\ncame back as\n%+v", h, back)
	}

	// The zero times and no headers or routes come back as such.
	var z Handover
	back, err = HandoverFromTree(treeOf(t, z))
	if err != nil || !back.StartedAt.IsZero() || !back.AnsweredAt.IsZero() || back.Routes != nil || back.Received != nil {
		t.Errorf("zero handover came back as %+v (%v)", back, err)
	}
}

func TestHandoverFromTreeOfBadInput(t *testing.T) {
	for _, v := range []any{nil, "x", 1.0, true, []any{map[string]any{}}} {
		if _, err := HandoverFromTree(v); err == nil {
			t.Errorf("%#v: no error", v)
		}
	}
	// Members of the wrong type read as zero values.
	h, err := HandoverFromTree(map[string]any{
		"id": 1.0, "outgoing": "yes", "callId": []any{}, "routes": []any{"sip:a", 2.0, nil},
		"localSeq": -1.0, "remoteSeq": 1.5, "startedAt": "yesterday", "answeredAt": 3.0,
		"received": []any{"X: 1", map[string]any{"Name": "X", "Value": 2.0}, nil},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Handover{Routes: []string{"sip:a", "", ""}, Received: []phone.Header{{Name: "X"}}}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("got %+v, want %+v", h, want)
	}
	// Resume refuses what lacks a dialog.
	if _, e := dialogFromHandover(h); e == nil {
		t.Error("a handover without a Call-ID makes a dialog")
	}
	// A sequence number beyond uint32 is not wrapped.
	h, _ = HandoverFromTree(map[string]any{"localSeq": 4294967296.0})
	if h.LocalSeq != 0 {
		t.Errorf("localSeq 2^32 read as %d", h.LocalSeq)
	}
}
