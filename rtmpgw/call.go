package rtmpgw

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"runtime/debug"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	ksip "github.com/kazoo-softphone/kazoo/sip"
)

type callState int

const (
	stInviting callState = iota // outgoing, waiting for the final answer
	stRinging                   // incoming, waiting for accept or reject
	stActive
	stEnded
)

// Call timing.
const (
	ringTimeout    = 120 * time.Second // an incoming call nobody answers
	requestTimeout = 32 * time.Second  // an in-dialog request (64*T1)
	hangupTimeout  = 3 * time.Second   // BYE/CANCEL while the connection closes
)

var (
	//lint:ignore ST1005 siprtmp's own words, which clients match
	errBusy     = errors.New("Already in an active or pending call")
	errNoCall   = errors.New("no active call")
	errNoInvite = errors.New("no incoming call to answer")
)

// dialog is what the gateway needs of sipgo's client and server dialog
// sessions.
type dialog interface {
	Do(ctx context.Context, req *sip.Request) (*sip.Response, error)
	WriteRequest(req *sip.Request) error
	Bye(ctx context.Context) error
	ReadBye(req *sip.Request, tx sip.ServerTransaction) error
}

// decision is the client's answer to an incoming call.
type decision struct {
	accept bool
	allow  codecs // accept
	code   int    // reject
	reason string
}

// call is a line's one call, outgoing or incoming.
type call struct {
	l        *line
	out      bool
	callID   string
	sessID   uint64
	media    *media
	finished chan struct{} // the INVITE's goroutine returned
	decision chan decision // incoming: accept or reject
	acks     chan uint32   // CSeqs of ACKs to our answers to re-INVITEs

	mu         sync.Mutex
	state      callState
	allow      codecs
	from, to   string // incoming: the callback addresses
	dlg        dialog
	dss        *sipgo.DialogServerSession // incoming
	firstCSeq  uint32                     // incoming: the INVITE's CSeq
	target     sip.Uri                    // the remote target of in-dialog requests
	remote     sdpMedia
	pt         int // G.711 payload type in use
	dtmfPT     int // telephone-event payload type in use, or noDTMF
	version    uint64
	localHold  bool
	remoteHold bool
	cancel     context.CancelFunc // outgoing: stops the INVITE (sipgo sends CANCEL)
	cancelled  bool
	decided    bool
	reinvite   bool // our re-INVITE is pending
	referring  bool // our REFER awaits its final NOTIFY
}

// newCall reserves the line for a call and opens its RTP socket.
func (l *line) newCall(out bool, allow codecs) (*call, error) {
	var r [8]byte
	_, _ = rand.Read(r[:])
	c := &call{
		l: l, out: out, allow: allow, sessID: binary.BigEndian.Uint64(r[:]) >> 2,
		callID:   hex.EncodeToString(r[:]) + "@" + l.g.ip.String(),
		finished: make(chan struct{}), decision: make(chan decision, 1), acks: make(chan uint32, 4),
		dtmfPT: noDTMF,
	}
	if !out {
		c.state = stRinging
	}
	l.mu.Lock()
	if l.call != nil {
		l.mu.Unlock()
		return nil, errBusy
	}
	l.call = c
	l.mu.Unlock()
	conn, err := l.g.ports.listen()
	if err != nil {
		l.mu.Lock()
		l.call = nil
		l.mu.Unlock()
		l.log.Error("no RTP port", "err", err)
		return nil, &statusError{503, "Service Unavailable"}
	}
	c.media = newMedia(conn)
	c.media.onTone = func(tone byte) { l.send("dtmf", string(tone)) }
	go c.media.readLoop(l.downlink)
	return c, nil
}

func (c *call) isActive() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == stActive
}

// end marks the call over, stops its media and frees the line. It
// reports whether this call ended it (callbacks are sent only then).
func (c *call) end() bool {
	c.mu.Lock()
	if c.state == stEnded {
		c.mu.Unlock()
		return false
	}
	c.state = stEnded
	c.mu.Unlock()
	c.media.close()
	c.l.mu.Lock()
	if c.l.call == c {
		c.l.call = nil
	}
	c.l.mu.Unlock()
	c.l.log.Info("call ended", "call_id", c.callID, "rtp_sent", c.media.sent.Load(), "rtp_received", c.media.received.Load())
	return true
}

// finish ends the call and, if this ended it, sends a callback.
func (c *call) finish(name string, args ...any) {
	if c.end() {
		c.l.send(name, args...)
	}
}

// recoverPanic ends the call after a panic in one of its goroutines.
func (c *call) recoverPanic() {
	if p := recover(); p != nil {
		c.l.log.Error("panic in call", "panic", p, "stack", string(debug.Stack()))
		c.finish("byed")
	}
}

// sdpLocked renders our SDP offering audio (payload types) and dtmfPT
// in direction dir; c.mu is held.
func (c *call) sdpLocked(audio []int, dtmfPT int, dir string) []byte {
	c.version++
	return sdpDesc{
		sessID: c.sessID, version: c.version, addr: c.l.g.media, port: int(c.media.addr.Port()),
		audio: audio, dtmfPT: dtmfPT, dir: dir,
	}.bytes()
}

// hangup ends the call from our side: CANCEL a pending INVITE, reject a
// ringing one, BYE an active one. closing (the connection is going)
// waits for the request to go out.
func (c *call) hangup(closing bool) {
	c.mu.Lock()
	state := c.state
	cancel := c.cancel
	dlg := c.dlg
	if state == stInviting {
		c.cancelled = true
	}
	c.mu.Unlock()
	switch state {
	case stInviting:
		cancel() // sipgo sends CANCEL once a provisional came; rejected 487 follows
	case stRinging:
		code, reason := 603, "Decline"
		if closing {
			code, reason = 480, "Temporarily Unavailable"
		}
		_ = c.decide(decision{code: code, reason: reason})
	case stActive:
		if !c.end() {
			return
		}
		bye := func() {
			// An answered incoming call not yet ACKed gets its BYE once
			// the INVITE transaction ends (up to 64*T1): wait that long,
			// unless the connection is going.
			wait := requestTimeout + hangupTimeout
			if closing {
				wait = hangupTimeout
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			if err := dlg.Bye(ctx); err != nil {
				c.l.log.Debug("BYE failed", "err", err)
			}
		}
		if closing {
			bye()
		} else {
			go bye()
		}
		return
	default:
		return
	}
	if closing {
		select {
		case <-c.finished:
		case <-time.After(hangupTimeout):
		}
	}
}

// decide hands the client's accept or reject to the ringing call.
func (c *call) decide(d decision) error {
	if err := c.claim(); err != nil {
		return err
	}
	c.decision <- d
	return nil
}

// claim reserves the ringing call's one decision.
func (c *call) claim() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.out || c.state != stRinging || c.decided {
		return errNoInvite
	}
	c.decided = true
	return nil
}

// request sends an in-dialog request built by build, answering one
// digest challenge, and returns the final response with the request that
// got it.
func (c *call) request(method sip.RequestMethod, build func(*sip.Request)) (*sip.Response, *sip.Request, error) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	c.mu.Lock()
	dlg, target := c.dlg, c.target
	c.mu.Unlock()
	var chal *ksip.Challenge
	for {
		req := sip.NewRequest(method, target)
		build(req)
		req.AppendHeader(sip.NewHeader("User-Agent", c.l.g.cfg.UserAgent))
		if chal != nil {
			if err := chal.Authorize(req, c.l.cred); err != nil {
				return nil, nil, err
			}
		}
		res, err := dlg.Do(ctx, req)
		if err != nil {
			return nil, nil, err
		}
		if (res.StatusCode == 401 || res.StatusCode == 407) && chal == nil && c.l.cred.Password != "" {
			if chal, err = ksip.ParseChallenge(res, ""); err == nil {
				continue
			}
		}
		return res, req, nil
	}
}

// ack acknowledges the 2xx to our re-INVITE req.
func (c *call) ack(req *sip.Request) {
	c.mu.Lock()
	dlg := c.dlg
	c.mu.Unlock()
	ack := sip.NewRequest(sip.ACK, req.Recipient)
	ack.AppendHeader(&sip.CSeqHeader{SeqNo: req.CSeq().SeqNo, MethodName: sip.ACK})
	if err := dlg.WriteRequest(ack); err != nil {
		c.l.log.Debug("ACK failed", "err", err)
	}
}
