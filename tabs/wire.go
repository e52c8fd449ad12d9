package tabs

import (
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
)

// The message types (Msg.T).
const (
	// tHello: a tab joined (or lost its leader); the leader answers with
	// tState to it.
	tHello = "hello"
	// tState: the leader's whole state (Data: stateData), to one tab or,
	// from a new leader, to all.
	tState = "state"
	// tEvent: something happened (Op: one of the ev* names, Data:
	// eventData).
	tEvent = "event"
	// tReq / tRep: a follower's request to the leader (Op: one of the
	// op* names) and its answer (To: the asking tab, same Seq).
	tReq = "req"
	tRep = "rep"
	// tMedia / tMediaRep: the leader drives a RemoteMedia's session in
	// the tab that owns it (Op: one of the media* names) and its answer.
	tMedia    = "media"
	tMediaRep = "mrep"
	// tMediaEvent: that tab reports its media's ICE state or a lost
	// microphone (Op: "ice" or "mic").
	tMediaEvent = "mev"
	// tBye: a tab leaves (closed, logged out); Leader is set when the
	// leader does.
	tBye = "bye"
)

// The events (tEvent's Op).
const (
	evConnected   = "connected"
	evError       = "error"
	evNotified    = "notified"
	evIncoming    = "incoming"
	evProgress    = "progress"
	evAccepted    = "accepted"
	evEnded       = "ended"
	evDTMF        = "dtmf"
	evTransfer    = "transfer"
	evTransferred = "transferred"
	evMessage     = "message"
	evUpdate      = "update" // a call's snapshot changed (mute, hold, owner)
)

// The requests (tReq's Op).
const (
	opDial     = "dial"
	opAccept   = "accept"
	opReject   = "reject"
	opHangup   = "hangup"
	opHold     = "hold"
	opDTMF     = "dtmf"
	opTransfer = "transfer"
	opMute     = "mute"
	opStats    = "stats"
	opLevels   = "levels"
	opMic      = "mic"
	opSpeaker  = "speaker"
	opMessage  = "message"
)

// The media steps (tMedia's Op), one per ua.Media method.
const (
	mediaCreate    = "create"
	mediaOffer     = "offer"
	mediaAnswer    = "answer"
	mediaAccept    = "accept"
	mediaRollback  = "rollback"
	mediaDirection = "direction"
	mediaDTMF      = "dtmf"
	mediaMute      = "mute"
	mediaStats     = "stats"
	mediaMic       = "mic"
	mediaSpeaker   = "speaker"
	mediaLevels    = "levels"
	mediaClose     = "close"
)

// Msg is one message on the channel.
type Msg struct {
	T      string          `json:"t"`
	From   string          `json:"from"`
	To     string          `json:"to,omitempty"` // "" for every tab
	Seq    uint64          `json:"seq,omitempty"`
	Op     string          `json:"op,omitempty"`
	Call   string          `json:"call,omitempty"`  // a call's ID
	Media  string          `json:"media,omitempty"` // a RemoteMedia's ID
	Leader bool            `json:"leader,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
	Err    *WireError      `json:"err,omitempty"`

	// data is a received message's Data, parsed (decode.go reads it).
	data any
}

// WireError is a phone.Error on the channel.
type WireError struct {
	Key     string `json:"key"`
	Message string `json:"message"`
	Code    int    `json:"code,omitempty"`
	Source  string `json:"source,omitempty"`
}

func wireError(e *phone.Error) *WireError {
	if e == nil {
		return nil
	}
	return &WireError{Key: e.Key, Message: e.Message, Code: e.Code, Source: e.Source}
}

func (w *WireError) phone() *phone.Error {
	if w == nil {
		return nil
	}
	return &phone.Error{Key: w.Key, Message: w.Message, Code: w.Code, Source: w.Source}
}

// CallInfo is a call as every tab sees it.
type CallInfo struct {
	ID           string         `json:"id"`
	Outgoing     bool           `json:"outgoing"`
	CallerName   string         `json:"callerName,omitempty"`
	CallerNumber string         `json:"callerNumber,omitempty"`
	RemoteURI    string         `json:"remoteUri"`
	RemoteName   string         `json:"remoteName,omitempty"`
	LocalURI     string         `json:"localUri"`
	State        string         `json:"state"` // phone.CallState's String()
	StartedAt    time.Time      `json:"startedAt"`
	AnsweredAt   time.Time      `json:"answeredAt"`
	Received     []phone.Header `json:"received,omitempty"`
	Muted        bool           `json:"muted,omitempty"`
	// MediaTab is the tab whose peer connection carries the call's audio
	// ("" before it has any); MediaID its session there.
	MediaTab string `json:"mediaTab,omitempty"`
	MediaID  string `json:"mediaId,omitempty"`
	// Dialog is the user agent's handover of an established call, for a
	// tab that takes the leader's place (opaque to this package): what
	// the leader's Host.Dialog gave, and in a follower that value's JSON
	// as parsed (an object tree), read only when the call is taken over.
	Dialog any `json:"dialog,omitempty"`
}

func parseState(s string) phone.CallState {
	switch s {
	case "established":
		return phone.CallEstablished
	case "ended":
		return phone.CallEnded
	}
	return phone.CallRinging
}

// stateData is tState's Data.
type stateData struct {
	Registered bool       `json:"registered"`
	Calls      []CallInfo `json:"calls"`
}

// eventData is tEvent's Data; which fields are set depends on Op.
type eventData struct {
	Call         *CallInfo         `json:"call,omitempty"`
	Other        *CallInfo         `json:"other,omitempty"` // transferred: the new call
	Code         int               `json:"code,omitempty"`
	Early        bool              `json:"early,omitempty"`
	End          *wireEnd          `json:"end,omitempty"`
	Digit        string            `json:"digit,omitempty"`
	Target       string            `json:"target,omitempty"`
	Error        *WireError        `json:"error,omitempty"`
	Notification *wireNotification `json:"notification,omitempty"`
	Message      *phone.Message    `json:"message,omitempty"`
}

type wireEnd struct {
	Established bool   `json:"established"`
	Code        int    `json:"code,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Originator  string `json:"originator"`
}

func toWireEnd(e phone.End) *wireEnd {
	return &wireEnd{Established: e.Established, Code: e.Code, Reason: e.Reason, Originator: e.Originator.String()}
}

func (w *wireEnd) end() phone.End {
	if w == nil {
		return phone.End{Originator: phone.BySystem}
	}
	e := phone.End{Established: w.Established, Code: w.Code, Reason: w.Reason}
	switch w.Originator {
	case "remote":
		e.Originator = phone.ByRemote
	case "system":
		e.Originator = phone.BySystem
	}
	return e
}

type wireNotification struct {
	Key     string         `json:"key"`
	Message string         `json:"message"`
	Fields  map[string]any `json:"fields,omitempty"`
}

// args are a request's or media step's arguments; which are set depends
// on Op.
type args struct {
	Target      string         `json:"target,omitempty"`
	Headers     []phone.Header `json:"headers,omitempty"`
	Code        int            `json:"code,omitempty"`
	Flag        bool           `json:"flag,omitempty"` // hold, mute, iceRestart, provisional
	Text        string         `json:"text,omitempty"` // tones, SDP, device ID, direction, body
	ContentType string         `json:"contentType,omitempty"`
}

// wireLevels are phone.Levels with NaN (not measured) as null.
type wireLevels struct {
	Input  *float64 `json:"input"`
	Output *float64 `json:"output"`
}

func toWireLevels(l phone.Levels) wireLevels {
	f := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	return wireLevels{Input: f(l.Input), Output: f(l.Output)}
}

func (w wireLevels) levels() phone.Levels {
	f := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	return phone.Levels{Input: f(w.Input), Output: f(w.Output)}
}

// ChannelName is the BroadcastChannel and Web Lock name of an account:
// its address of record and the server's WebSocket URL (no credential;
// the same account on two servers is two groups).
func ChannelName(aor, wsURL string) string {
	return "kazoo-tabs:" + strings.ToLower(aor) + "|" + wsURL
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
