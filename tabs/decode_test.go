package tabs

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
)

// tree is v as the other tab parses it: written by encoding/json, parsed
// into an any (as the browser's JSON.parse does).
func tree(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	x, err := defaultParseJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// full fails unless every field of struct v is set, so that a field the
// reader forgets shows in the round trip.
func full(t *testing.T, v any, except ...string) {
	t.Helper()
	rv := reflect.ValueOf(v)
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		if f.IsExported() && rv.Field(i).IsZero() && !contains(except, f.Name) {
			t.Errorf("the sample %T leaves %s zero", v, f.Name)
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func sampleInfo(id string) CallInfo {
	return CallInfo{
		ID: id, Outgoing: true, CallerName: "Alice", CallerNumber: "1002", RemoteURI: "sip:1002@lab.test",
		RemoteName: "Alice A.", LocalURI: "sip:1001@lab.test", State: "established",
		StartedAt:  time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.UTC),
		AnsweredAt: time.Date(2024, 3, 1, 13, 0, 5, 0, time.FixedZone("", 3600)),
		Received:   []phone.Header{{Name: "X-Ticket", Value: "7"}, {Name: "Subject", Value: "é \"q\""}},
		Muted:      true, MediaTab: "B", MediaID: "L-m1",
		Dialog: json.RawMessage(`{"callId":"abc","routes":["sip:p;lr"],"localSeq":3}`),
	}
}

// sameInfo compares snapshots: times by instant, Dialog by its JSON's
// meaning (it comes back parsed).
func sameInfo(t *testing.T, got, want CallInfo) {
	t.Helper()
	if !got.StartedAt.Equal(want.StartedAt) || !got.AnsweredAt.Equal(want.AnsweredAt) {
		t.Errorf("times %v %v, want %v %v", got.StartedAt, got.AnsweredAt, want.StartedAt, want.AnsweredAt)
	}
	if gd, wd := tree(t, got.Dialog), tree(t, want.Dialog); !reflect.DeepEqual(gd, wd) {
		t.Errorf("dialog %s, want %s", got.Dialog, want.Dialog)
	}
	got.StartedAt, got.AnsweredAt, got.Dialog = want.StartedAt, want.AnsweredAt, want.Dialog
	if !reflect.DeepEqual(got, want) {
		t.Errorf("call\n%+v\nwant\n%+v", got, want)
	}
}

func TestDecodeMsg(t *testing.T) {
	m := Msg{T: tMediaRep, From: "A", To: "B", Seq: 1<<53 - 1, Op: mediaOffer, Call: "c1", Media: "L-m1", Leader: true,
		Data: json.RawMessage(`{"text":"v=0"}`), Err: &WireError{Key: "k", Message: "m", Code: 486, Source: "sip"}}
	full(t, m)
	full(t, *m.Err)
	got, err := decodeMsg(tree(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.data, map[string]any{"text": "v=0"}) {
		t.Errorf("data %#v", got.data)
	}
	got.data, m.Data = nil, nil
	if !reflect.DeepEqual(got, m) {
		t.Errorf("got %+v\nwant %+v", got, m)
	}
	// The smallest message: no data, no error.
	got, err = decodeMsg(tree(t, Msg{T: tHello, From: "A"}))
	if err != nil || !reflect.DeepEqual(got, Msg{T: tHello, From: "A"}) {
		t.Errorf("hello: %+v %v", got, err)
	}
}

func TestDecodeArgs(t *testing.T) {
	a := args{Target: "1003", Headers: []phone.Header{{Name: "X-A", Value: "1"}}, Code: 486, Flag: true, Text: "v=0\r\n", ContentType: "text/plain"}
	full(t, a)
	got, err := decodeArgs(tree(t, a))
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Errorf("got %+v %v, want %+v", got, err, a)
	}
	if got, err := decodeArgs(nil); err != nil || !reflect.DeepEqual(got, args{}) {
		t.Errorf("no data: %+v %v", got, err)
	}
}

func TestDecodeCallInfoAndState(t *testing.T) {
	info := sampleInfo("c1")
	full(t, info)
	got, err := decodeCallInfo(tree(t, info))
	if err != nil {
		t.Fatal(err)
	}
	sameInfo(t, got, info)
	if _, ok := got.Dialog.(map[string]any); !ok {
		t.Errorf("the dialog came back as %T, not a parsed object", got.Dialog)
	}

	// A ringing call: zero answer time, no headers, no dialog.
	ringing := CallInfo{ID: "c2", State: "ringing", StartedAt: time.Unix(1, 0)}
	got, err = decodeCallInfo(tree(t, ringing))
	if err != nil || !got.AnsweredAt.IsZero() || got.Dialog != nil || got.Received != nil {
		t.Errorf("ringing call came back as %+v (%v)", got, err)
	}
	sameInfo(t, got, ringing)

	s := stateData{Registered: true, Calls: []CallInfo{info, ringing}}
	full(t, s)
	gs, err := decodeState(tree(t, s))
	if err != nil || !gs.Registered || len(gs.Calls) != 2 {
		t.Fatalf("state %+v %v", gs, err)
	}
	sameInfo(t, gs.Calls[0], info)
	sameInfo(t, gs.Calls[1], ringing)
}

func TestDecodeEvent(t *testing.T) {
	info, other := sampleInfo("c1"), sampleInfo("c2")
	d := eventData{
		Call: &info, Other: &other, Code: 183, Early: true,
		End:   &wireEnd{Established: true, Code: 487, Reason: "Request Terminated", Originator: "remote"},
		Digit: "5", Target: "1003", Error: &WireError{Key: "transfer_failed", Message: "no", Code: 603, Source: "sip"},
		Notification: &wireNotification{Key: "voicemail", Message: "2 new", Fields: map[string]any{"newMessages": 2.0, "account": "sip:1001@lab.test", "nested": map[string]any{"a": []any{true, nil}}}},
		Message:      &phone.Message{From: "sip:1002@lab.test", FromName: "Alice", To: "sip:1001@lab.test", Body: "hi", ContentType: "text/plain"},
	}
	full(t, d)
	full(t, *d.End)
	full(t, *d.Notification)
	full(t, *d.Message)
	got, err := decodeEvent(tree(t, d))
	if err != nil {
		t.Fatal(err)
	}
	if got.Call == nil || got.Other == nil {
		t.Fatalf("calls lost: %+v", got)
	}
	sameInfo(t, *got.Call, info)
	sameInfo(t, *got.Other, other)
	got.Call, got.Other, d.Call, d.Other = nil, nil, nil, nil
	if !reflect.DeepEqual(got, d) {
		t.Errorf("event\n%+v\nwant\n%+v", got, d)
	}
	// An event with nothing: no pointers made up.
	got, err = decodeEvent(tree(t, eventData{}))
	if err != nil || !reflect.DeepEqual(got, eventData{}) {
		t.Errorf("empty event: %+v %v", got, err)
	}
	if e := got.End.end(); e.Originator != phone.BySystem {
		t.Errorf("no end reads as %+v", e)
	}
}

func TestDecodeStatsAndLevels(t *testing.T) {
	var s phone.MediaStats
	// Every field distinct and set, so a forgotten or swapped one shows.
	rv := reflect.ValueOf(&s).Elem()
	for i := range rv.NumField() {
		switch f := rv.Field(i); f.Kind() {
		case reflect.Int64:
			f.SetInt(int64(1)<<40 + int64(i))
		case reflect.Float64:
			f.SetFloat(float64(i) + 0.25)
		case reflect.String:
			f.SetString("s" + rv.Type().Field(i).Name)
		default:
			t.Fatalf("MediaStats.%s: a %s, which decodeStats does not read", rv.Type().Field(i).Name, f.Kind())
		}
	}
	got, err := decodeStats(tree(t, s))
	if err != nil || got != s {
		t.Errorf("stats\n%+v (%v)\nwant\n%+v", got, err, s)
	}

	for _, l := range []phone.Levels{{Input: 0.5, Output: math.NaN()}, {Input: math.Inf(1), Output: 0}, {}} {
		w, err := decodeLevels(tree(t, toWireLevels(l)))
		if err != nil {
			t.Fatal(err)
		}
		back := w.levels()
		same := func(a, b float64) bool {
			if math.IsNaN(b) || math.IsInf(b, 0) {
				return math.IsNaN(a)
			}
			return a == b
		}
		if !same(back.Input, l.Input) || !same(back.Output, l.Output) {
			t.Errorf("levels %+v came back as %+v", l, back)
		}
	}
}

// Bad input gives errors or zero values, never a panic or made-up data.
func TestDecodeBadInput(t *testing.T) {
	for _, s := range []string{`null`, `[]`, `"x"`, `1`, `{}`, `{"t":1,"from":"A"}`, `{"t":"req"}`, `{"t":"req","from":true}`} {
		v, err := defaultParseJSON([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		if m, err := decodeMsg(v); err == nil {
			t.Errorf("%s: decoded as %+v", s, m)
		}
	}
	for _, seq := range []string{`-1`, `1.5`, `"7"`, `1e300`, `1e17`} {
		v, _ := defaultParseJSON([]byte(`{"t":"rep","from":"A","seq":` + seq + `}`))
		if m, err := decodeMsg(v); err != nil || m.Seq != 0 {
			t.Errorf("seq %s read as %d (%v)", seq, m.Seq, err)
		}
	}
	v, _ := defaultParseJSON([]byte(`{"t":"rep","from":"A","err":"boom","leader":"yes","data":[1]}`))
	m, err := decodeMsg(v)
	if err != nil || m.Err != nil || m.Leader {
		t.Errorf("wrong types read as %+v (%v)", m, err)
	}
	for _, data := range []any{[]any{1.0}, "x", 1.0, true} {
		if _, err := decodeArgs(data); err == nil {
			t.Errorf("args %#v: no error", data)
		}
		if _, err := decodeCallInfo(data); err == nil {
			t.Errorf("call %#v: no error", data)
		}
		if _, err := decodeState(data); err == nil {
			t.Errorf("state %#v: no error", data)
		}
		if _, err := decodeEvent(data); err == nil {
			t.Errorf("event %#v: no error", data)
		}
		if _, err := decodeStats(data); err == nil {
			t.Errorf("stats %#v: no error", data)
		}
		if _, err := decodeLevels(data); err == nil {
			t.Errorf("levels %#v: no error", data)
		}
	}
	wrong := map[string]any{
		"target": 1.0, "headers": "X: 1", "code": "486", "flag": 1.0, "text": []any{}, "contentType": nil,
		"id": 2.0, "state": true, "startedAt": "yesterday", "answeredAt": 5.0, "received": []any{"X", 1.0, map[string]any{"Name": 1.0}},
		"dialog": "abc", "registered": "yes", "calls": []any{"c1", nil, map[string]any{"id": "c9"}, map[string]any{}},
		"call": "c1", "other": 1.0, "end": []any{}, "error": "e", "notification": true, "message": "hi", "result": 1.0,
		"input": "0.5", "output": nil, "InboundPackets": 1.5, "InboundJitter": "x", "Codec": 1.0,
	}
	a, err := decodeArgs(wrong)
	if err != nil || !reflect.DeepEqual(a, args{}) {
		t.Errorf("args %+v %v", a, err)
	}
	info, err := decodeCallInfo(wrong)
	want := CallInfo{Received: []phone.Header{{}}}
	if err != nil || !reflect.DeepEqual(info, want) {
		t.Errorf("call %+v %v", info, err)
	}
	s, err := decodeState(wrong)
	if err != nil || s.Registered || len(s.Calls) != 1 || s.Calls[0].ID != "c9" {
		t.Errorf("state %+v %v", s, err)
	}
	d, err := decodeEvent(wrong)
	if err != nil || !reflect.DeepEqual(d, eventData{}) {
		t.Errorf("event %+v %v", d, err)
	}
	st, err := decodeStats(wrong)
	if err != nil || st != (phone.MediaStats{}) {
		t.Errorf("stats %+v %v", st, err)
	}
	w, err := decodeLevels(wrong)
	if err != nil || w.Input != nil || w.Output != nil {
		t.Errorf("levels %+v %v", w, err)
	}
}

// The tabs read the channel with the parser they are given (the page's
// JSON.parse in a browser).
func TestTabsParseWithTheGivenParser(t *testing.T) {
	var n atomic.Int64
	b := &bus{parse: func(text []byte) (any, error) {
		n.Add(1)
		return defaultParseJSON(text)
	}}
	lt := b.join(t, "L", nil)
	host := &fakeHost{}
	host.l = Lead(lt, host)
	mm := &mediaMaker{tab: "A"}
	rec := newRecorder()
	f := Follow(b.join(t, "A", mm.factory), rec.events_())
	rec.wait(t, "connected")
	if _, e := f.Dial(context.Background(), "1003", nil); e != nil {
		t.Fatal(e)
	}
	if n.Load() == 0 {
		t.Fatal("the tabs did not use the parser they were given")
	}

	// A tab whose parser fails hears nothing: no leader answers it.
	bad := &bus{parse: func([]byte) (any, error) { return nil, errNotObject }}
	lt = bad.join(t, "L", nil)
	host = &fakeHost{}
	host.l = Lead(lt, host)
	f = Follow(bad.join(t, "A", nil), Events{})
	if _, e := f.Dial(context.Background(), "1003", nil); e == nil || e.Key != phone.KeyNotRegistered {
		t.Fatalf("dial through a channel nobody can read: %v", e)
	}
}

// realMessages are messages as the tabs send them, to seed the fuzzer.
func realMessages(t testing.TB) [][]byte {
	info := sampleInfo("c1")
	var out [][]byte
	for _, m := range []Msg{
		{T: tHello, From: "A"},
		{T: tState, From: "L", To: "A", Leader: true, Data: mustJSON(stateData{Registered: true, Calls: []CallInfo{info}})},
		{T: tEvent, From: "L", Op: evEnded, Data: mustJSON(eventData{Call: &info, End: toWireEnd(phone.End{Code: 487, Originator: phone.ByRemote})})},
		{T: tEvent, From: "L", Op: evNotified, Data: mustJSON(eventData{Notification: &wireNotification{Key: "k", Fields: map[string]any{"n": 1}}})},
		{T: tEvent, From: "L", Op: evMessage, Data: mustJSON(eventData{Message: &phone.Message{From: "sip:a@b", Body: "hi"}})},
		{T: tReq, From: "A", Seq: 3, Op: opDial, Data: mustJSON(args{Target: "1003", Headers: []phone.Header{{Name: "X", Value: "1"}}})},
		{T: tRep, From: "L", To: "A", Seq: 3, Data: mustJSON(info)},
		{T: tRep, From: "L", To: "A", Seq: 4, Err: &WireError{Key: "no_call", Message: "over"}},
		{T: tRep, From: "L", To: "A", Seq: 5, Data: mustJSON(phone.MediaStats{InboundPackets: 42, Codec: "audio/PCMU"})},
		{T: tMedia, From: "L", To: "A", Seq: 6, Op: mediaOffer, Media: "L-m1", Data: mustJSON(args{Flag: true})},
		{T: tMediaRep, From: "A", To: "L", Seq: 7, Data: mustJSON(toWireLevels(phone.Levels{Input: 0.5, Output: math.NaN()}))},
		{T: tMediaEvent, From: "A", Op: "ice", Media: "L-m1", Data: mustJSON(args{Text: "failed"})},
		{T: tBye, From: "L", Leader: true},
	} {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzDecodeMsg: whatever arrives on the channel, reading it never
// panics, and what reads as a message reads the same once written again.
func FuzzDecodeMsg(f *testing.F) {
	for _, b := range realMessages(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := defaultParseJSON(b)
		if err != nil {
			return
		}
		m, err := decodeMsg(v)
		// Every reader of data, on the message's data and on the whole.
		for _, x := range []any{v, m.data} {
			_, _ = decodeArgs(x)
			_, _ = decodeCallInfo(x)
			_, _ = decodeState(x)
			_, _ = decodeEvent(x)
			_, _ = decodeStats(x)
			if w, err := decodeLevels(x); err == nil {
				_ = w.levels()
			}
		}
		if err != nil {
			return
		}
		m.Data = mustJSON(m.data)
		again, err := decodeMsg(tree(t, m))
		if err != nil {
			t.Fatalf("%s: read, written as %s, not read again: %v", b, m.Data, err)
		}
		again.data, m.data, m.Data = nil, nil, nil
		if !reflect.DeepEqual(again, m) {
			t.Fatalf("%s: read as %+v, then as %+v", b, m, again)
		}
	})
}
