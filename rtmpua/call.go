package rtmpua

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/relaywire"
)

var callSeq atomic.Int64

// Call is the one call of an RTMP-mode registration.
type Call struct {
	s        *session
	id       string
	outgoing bool
	uri      string
	name     string
	number   string
	local    string
	started  time.Time

	mu         sync.Mutex
	answeredAt time.Time
	state      phone.CallState
	audio      Audio
	cancelling bool
	muted      bool
	ended      bool
	xfer       *transfer // a transfer waiting for its outcome
}

func (c *Call) ID() string           { return c.id }
func (c *Call) Outgoing() bool       { return c.outgoing }
func (c *Call) RemoteURI() string    { return c.uri }
func (c *Call) CallerName() string   { return c.name }
func (c *Call) CallerNumber() string { return c.number }
func (c *Call) RemoteName() string   { return c.name }
func (c *Call) LocalURI() string     { return c.local }
func (c *Call) StartedAt() time.Time { return c.started }

// AnsweredAt is when the gateway reported the call answered.
func (c *Call) AnsweredAt() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answeredAt
}

// ReceivedHeaders is empty: the gateway speaks SIP, and tells us none of
// its header fields.
func (c *Call) ReceivedHeaders() []phone.Header { return []phone.Header{} }

func (c *Call) State() phone.CallState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

func newCall(s *session, outgoing bool, address string) *Call {
	c := &Call{s: s, id: "rtmp-call-" + strconv.FormatInt(callSeq.Add(1), 10), outgoing: outgoing, started: time.Now()}
	c.local = "sip:" + s.t.user + "@" + s.t.realm
	if pub := s.t.opts.PublicIdentity; strings.HasPrefix(pub, "sip:") || strings.HasPrefix(pub, "sips:") {
		c.local = pub
	}
	c.name, c.uri = splitAddress(address)
	user := strings.TrimPrefix(strings.TrimPrefix(c.uri, "sips:"), "sip:")
	c.number, _, _ = strings.Cut(user, "@")
	return c
}

// splitAddress reads `"Bob" <sip:bob@x>` into its name and URI.
func splitAddress(a string) (name, uri string) {
	a = strings.TrimSpace(a)
	if i := strings.IndexByte(a, '<'); i >= 0 {
		name = strings.Trim(strings.TrimSpace(a[:i]), `"`)
		uri = strings.TrimSuffix(a[i+1:], ">")
		if j := strings.IndexByte(uri, '>'); j >= 0 {
			uri = uri[:j]
		}
		return name, uri
	}
	return "", a
}

// dial places the call: one at a time.
func (s *session) dial(ctx context.Context, target string) (*Call, *phone.Error) {
	t := strings.TrimSpace(target)
	if t == "" || strings.ContainsAny(t, " <>\"") {
		return nil, phone.InvalidParameter("uri", "%q is not a SIP URI, user or number", target)
	}
	if !strings.HasPrefix(t, "sip:") && !strings.HasPrefix(t, "sips:") {
		if !strings.Contains(t, "@") {
			t += "@" + s.t.realm
		}
		t = "sip:" + t
	}
	c := newCall(s, true, t)
	s.mu.Lock()
	busy := s.call != nil
	if !busy {
		s.call = c
	}
	s.mu.Unlock()
	if busy {
		return nil, &phone.Error{Key: phone.KeyCallState, Message: "all lines busy: the RTMP path has one call per gateway line; hang up first"}
	}
	if _, err := s.rpc(ctx, "invite", t, relaywire.CodecPCMU, relaywire.CodecPCMA, "dtmf"); err != nil {
		c.end(phone.End{Code: 503, Reason: "Service Unavailable (" + err.Error() + ")", Originator: phone.BySystem})
		return nil, &phone.Error{Key: phone.KeyRequestFailed, Message: "the gateway refused the call: " + err.Error(), Err: err}
	}
	return c, nil
}

// callback handles a gateway callback.
func (s *session) callback(method string, args []any) {
	str := func(i int) string {
		if i < len(args) {
			if v, ok := args[i].(string); ok {
				return v
			}
		}
		return ""
	}
	c := s.current()
	switch method {
	case "invited":
		if c != nil {
			return // the gateway answers a second call 486 itself
		}
		c = newCall(s, false, str(0))
		s.mu.Lock()
		s.call = c
		s.mu.Unlock()
		if s.ev.Incoming != nil {
			s.ev.Incoming(c)
		}
	case "ringing":
		code, _ := parseStatus(str(0))
		if c != nil && s.ev.CallProgress != nil {
			s.ev.CallProgress(c, max(code, 180), code == 183)
		}
	case "accepted":
		if c == nil {
			return
		}
		c.mu.Lock()
		was := c.state
		c.state = phone.CallEstablished
		if was == phone.CallRinging {
			c.answeredAt = time.Now()
		}
		c.mu.Unlock()
		if was == phone.CallRinging && c.outgoing && s.ev.CallAccepted != nil {
			s.ev.CallAccepted(c)
		}
	case "rejected":
		if c != nil {
			code, reason := parseStatus(str(0))
			c.mu.Lock()
			local := c.cancelling
			c.mu.Unlock()
			c.end(phone.End{Code: max(code, 400), Reason: strings.TrimSpace(strings.TrimPrefix(reason, strconv.Itoa(code))), Originator: originator(local)})
		}
	case "cancelled":
		if c != nil {
			c.mu.Lock()
			local := c.cancelling
			c.mu.Unlock()
			c.end(phone.End{Code: 487, Reason: "Request Terminated", Originator: originator(local)})
		}
	case "byed":
		if c != nil {
			c.end(phone.End{Originator: phone.ByRemote})
		}
	case "notified":
		event, body := "", str(0)
		if len(args) >= 2 {
			event, body = str(0), str(1)
		}
		if s.ev.Notified != nil {
			s.ev.Notified(phone.ClassifyNotify(event, "", body))
		}
	case "unauthorized":
		code, _ := parseStatus(str(0))
		emitError(s.ev, &phone.Error{Key: phone.KeyUnauthorized, Message: "the gateway's registration was refused (" + str(0) + ")", Code: code, Source: str(0)})
	case "dtmf":
		if d := str(0); c != nil && len(d) == 1 && phone.CheckDTMF(d) == nil && s.ev.CallDTMF != nil {
			s.ev.CallDTMF(c, d)
		}
	case "transferred":
		if c != nil {
			c.transferDone(nil, nil)
		}
	case "transferFailed":
		if c != nil {
			code, _ := parseStatus(str(0))
			c.transferDone(nil, &phone.Error{Key: phone.KeyTransferFailed, Message: "the transfer failed: " + str(0), Code: code})
		}
	}
}

// originator is ByLocal when we asked for the end, else ByRemote.
func originator(local bool) phone.Originator {
	if local {
		return phone.ByLocal
	}
	return phone.ByRemote
}

// end finishes the call once.
func (c *Call) end(e phone.End) {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.ended = true
	e.Established = c.state == phone.CallEstablished
	c.state = phone.CallEnded
	a := c.audio
	c.audio = nil
	if x := c.xfer; x != nil { // the call is over: no outcome to wait for
		c.xfer = nil
		if x.timer != nil {
			x.timer.Stop()
		}
	}
	c.mu.Unlock()
	if a != nil {
		a.Close()
	}
	c.s.mu.Lock()
	if c.s.call == c {
		c.s.call = nil
	}
	c.s.mu.Unlock()
	if c.s.ev.CallEnded != nil {
		c.s.ev.CallEnded(c, e)
	}
}

// startAudio opens the browser's audio when the gateway's streams run,
// and sends each captured frame to the relay.
func (c *Call) startAudio(codec string) {
	c.mu.Lock()
	started := c.audio != nil || c.ended
	muted := c.muted
	c.mu.Unlock()
	if started || c.s.t.opts.Audio == nil {
		return
	}
	a, err := c.s.t.opts.Audio(context.Background(), codec)
	if err != nil {
		emitError(c.s.ev, &phone.Error{Key: phone.KeyMedia, Message: "cannot open the microphone or speaker: " + err.Error(), Err: err})
		return
	}
	format := byte(relaywire.FormatPCMU)
	if codec == relaywire.CodecPCMA {
		format = relaywire.FormatPCMA
	}
	a.OnFrame(func(payload []byte, seq uint16) {
		f := make([]byte, relaywire.HeaderLen, relaywire.HeaderLen+len(payload))
		relaywire.PutHeader(f, format, seq, uint32(seq)*relaywire.FrameMillis)
		_ = c.s.send(websocket.MessageBinary, append(f, payload...))
	})
	_ = a.SetMuted(muted)
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		a.Close()
		return
	}
	c.audio = a
	c.mu.Unlock()
}

func (c *Call) play(payload []byte) {
	c.mu.Lock()
	a := c.audio
	c.mu.Unlock()
	if a != nil {
		_ = a.Play(payload)
	}
}
