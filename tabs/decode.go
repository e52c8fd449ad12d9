package tabs

import (
	"errors"
	"math"

	"github.com/kazoo-softphone/kazoo/internal/jsontree"
	"github.com/kazoo-softphone/kazoo/phone"
)

// The messages are read from the tree of parsed JSON (see
// [jsontree]), not with encoding/json's decoder, which kazoo.wasm leaves
// out: the page's build parses with the browser's JSON.parse. A member
// missing or of the wrong type reads as its zero value; a message that
// is not an object, or lacks its type or sender, is dropped.

var errNotObject = errors.New("tabs: not a JSON object")

// decodeMsg reads a message; its Data stays a tree (Msg.data) that the
// handler of its type reads.
func decodeMsg(v any) (Msg, error) {
	o := jsontree.Obj(v)
	if o == nil {
		return Msg{}, errNotObject
	}
	m := Msg{
		T: jsontree.Str(o, "t"), From: jsontree.Str(o, "from"), To: jsontree.Str(o, "to"),
		Seq: jsontree.Uint(o, "seq", 1<<53), Op: jsontree.Str(o, "op"),
		Call: jsontree.Str(o, "call"), Media: jsontree.Str(o, "media"),
		Leader: jsontree.Bool(o, "leader"), data: o["data"],
		Err: decodeWireError(jsontree.Member(o, "err")),
	}
	if m.T == "" || m.From == "" {
		return Msg{}, errors.New("tabs: a message without type or sender")
	}
	return m, nil
}

// decodeWireError reads an error (nil for none).
func decodeWireError(o map[string]any) *WireError {
	if o == nil {
		return nil
	}
	return &WireError{Key: jsontree.Str(o, "key"), Message: jsontree.Str(o, "message"),
		Code: jsontree.Int(o, "code"), Source: jsontree.Str(o, "source")}
}

// decodeArgs reads a request's or media step's arguments; no data is no
// argument, data that is not an object an error.
func decodeArgs(v any) (args, error) {
	if v == nil {
		return args{}, nil
	}
	o := jsontree.Obj(v)
	if o == nil {
		return args{}, errNotObject
	}
	return args{
		Target: jsontree.Str(o, "target"), Headers: decodeHeaders(jsontree.List(o, "headers")),
		Code: jsontree.Int(o, "code"), Flag: jsontree.Bool(o, "flag"), Text: jsontree.Str(o, "text"),
		ContentType: jsontree.Str(o, "contentType"),
	}, nil
}

// decodeHeaders reads phone.Headers (encoded with their Go field names);
// elements that are not objects are left out.
func decodeHeaders(l []any) []phone.Header {
	if l == nil {
		return nil
	}
	out := make([]phone.Header, 0, len(l))
	for _, v := range l {
		if o := jsontree.Obj(v); o != nil {
			out = append(out, phone.Header{Name: jsontree.Str(o, "Name"), Value: jsontree.Str(o, "Value")})
		}
	}
	return out
}

// decodeCallInfo reads a call's snapshot; its Dialog stays a tree (the
// handover is opaque here; cmd/kazoojs reads it when it takes the call
// over).
func decodeCallInfo(v any) (CallInfo, error) {
	o := jsontree.Obj(v)
	if o == nil {
		return CallInfo{}, errNotObject
	}
	info := CallInfo{
		ID: jsontree.Str(o, "id"), Outgoing: jsontree.Bool(o, "outgoing"),
		CallerName: jsontree.Str(o, "callerName"), CallerNumber: jsontree.Str(o, "callerNumber"),
		RemoteURI: jsontree.Str(o, "remoteUri"), RemoteName: jsontree.Str(o, "remoteName"),
		LocalURI: jsontree.Str(o, "localUri"), State: jsontree.Str(o, "state"),
		StartedAt: jsontree.Time(o, "startedAt"), AnsweredAt: jsontree.Time(o, "answeredAt"),
		Received: decodeHeaders(jsontree.List(o, "received")), Muted: jsontree.Bool(o, "muted"),
		MediaTab: jsontree.Str(o, "mediaTab"), MediaID: jsontree.Str(o, "mediaId"),
	}
	if d := jsontree.Member(o, "dialog"); d != nil {
		info.Dialog = d
	}
	return info, nil
}

// decodeCallInfoPtr is decodeCallInfo of an optional member (nil when
// it is missing or not an object).
func decodeCallInfoPtr(v any) *CallInfo {
	info, err := decodeCallInfo(v)
	if err != nil {
		return nil
	}
	return &info
}

// decodeState reads the leader's state; calls without an ID are left
// out.
func decodeState(v any) (stateData, error) {
	o := jsontree.Obj(v)
	if o == nil {
		return stateData{}, errNotObject
	}
	s := stateData{Registered: jsontree.Bool(o, "registered"), Calls: []CallInfo{}}
	for _, c := range jsontree.List(o, "calls") {
		if info, err := decodeCallInfo(c); err == nil && info.ID != "" {
			s.Calls = append(s.Calls, info)
		}
	}
	return s, nil
}

// decodeEvent reads an event's data.
func decodeEvent(v any) (eventData, error) {
	o := jsontree.Obj(v)
	if o == nil {
		return eventData{}, errNotObject
	}
	d := eventData{
		Call: decodeCallInfoPtr(o["call"]), Other: decodeCallInfoPtr(o["other"]),
		Code: jsontree.Int(o, "code"), Early: jsontree.Bool(o, "early"),
		Digit: jsontree.Str(o, "digit"), Target: jsontree.Str(o, "target"),
		Error: decodeWireError(jsontree.Member(o, "error")),
	}
	if e := jsontree.Member(o, "end"); e != nil {
		d.End = &wireEnd{Established: jsontree.Bool(e, "established"), Code: jsontree.Int(e, "code"),
			Reason: jsontree.Str(e, "reason"), Originator: jsontree.Str(e, "originator")}
	}
	if n := jsontree.Member(o, "notification"); n != nil {
		d.Notification = &wireNotification{Key: jsontree.Str(n, "key"), Message: jsontree.Str(n, "message"),
			Fields: jsontree.Member(n, "fields")}
	}
	if m := jsontree.Member(o, "message"); m != nil {
		msg := decodeMessage(m)
		d.Message = &msg
	}
	return d, nil
}

// decodeMessage reads a phone.Message (encoded with its Go field names).
func decodeMessage(o map[string]any) phone.Message {
	return phone.Message{From: jsontree.Str(o, "From"), FromName: jsontree.Str(o, "FromName"),
		To: jsontree.Str(o, "To"), Body: jsontree.Str(o, "Body"), ContentType: jsontree.Str(o, "ContentType")}
}

// decodeMessageResult reads a phone.MessageResult.
func decodeMessageResult(o map[string]any) phone.MessageResult {
	return phone.MessageResult{Code: jsontree.Int(o, "Code"), Reason: jsontree.Str(o, "Reason")}
}

// decodeStats reads phone.MediaStats (encoded with their Go field names).
func decodeStats(v any) (phone.MediaStats, error) {
	o := jsontree.Obj(v)
	if o == nil {
		return phone.MediaStats{}, errNotObject
	}
	i := func(k string) int64 { return jsontree.Int64(o, k, math.MinInt64, math.MaxInt64) }
	f := func(k string) float64 { return jsontree.Num(o, k) }
	s := func(k string) string { return jsontree.Str(o, k) }
	return phone.MediaStats{
		InboundPackets: i("InboundPackets"), InboundBytes: i("InboundBytes"), InboundPacketsLost: i("InboundPacketsLost"),
		InboundJitter: f("InboundJitter"), InboundAudioEnergy: f("InboundAudioEnergy"), InboundAudioLevel: f("InboundAudioLevel"),
		InboundSamplesDuration: f("InboundSamplesDuration"),
		OutboundPackets:        i("OutboundPackets"), OutboundBytes: i("OutboundBytes"),
		SourceAudioEnergy: f("SourceAudioEnergy"), SourceAudioLevel: f("SourceAudioLevel"),
		RoundTripTime: f("RoundTripTime"), Codec: s("Codec"), ICEState: s("ICEState"), DTLSState: s("DTLSState"),
		LocalCandidateType: s("LocalCandidateType"), RemoteCandidateType: s("RemoteCandidateType"),
		Direction:     s("Direction"),
		InboundPlayed: i("InboundPlayed"), InboundDropped: i("InboundDropped"), Underruns: i("Underruns"),
		BufferMs: f("BufferMs"),
	}, nil
}

// decodeLevels reads wireLevels (null: not measured).
func decodeLevels(v any) (wireLevels, error) {
	o := jsontree.Obj(v)
	if o == nil {
		return wireLevels{}, errNotObject
	}
	f := func(k string) *float64 {
		x, ok := o[k].(float64)
		if !ok {
			return nil
		}
		return &x
	}
	return wireLevels{Input: f("input"), Output: f("output")}, nil
}
