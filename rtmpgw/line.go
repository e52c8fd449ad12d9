package rtmpgw

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/rtmp"
	ksip "github.com/kazoo-softphone/kazoo/sip"
)

// line is one RTMP connection: one SIP identity (AOR, credentials, its
// own Contact) with at most one call.
type line struct {
	g       *Gateway
	rc      *rtmp.ServerConn
	log     *slog.Logger
	aor     sip.Uri
	aorKey  string // user@host
	display string
	cred    ksip.Credentials
	token   string // the Contact's user part, unique per connection
	contact sip.ContactHeader
	dua     *sipgo.DialogUA
	born    time.Time
	done    chan struct{} // closed once the connection is cleaned up
	reg     registration

	later []func() // run by dispatch after the RPC's answer

	mu   sync.Mutex
	call *call
	pub  uint32 // the stream publishing "local", or 0
	play uint32 // the stream playing "remote", or 0
	down downState
}

// downState maps RTP timestamps to RTMP ones for the playing stream
// (siprtmp: RTP time since the stream's first packet, plus the
// connection time when it started; restarted on a new SSRC).
type downState struct {
	valid      bool
	ssrc, ts0  uint32
	base, last uint32 // ms
}

// parseAOR reads the AOR of a connect's app, "sip/<user@domain>": a
// user and a host that ksip.ValidUser and ValidHost accept (no
// percent-escapes: "%00a" got through once).
func parseAOR(app string) (sip.Uri, error) {
	aorText, ok := strings.CutPrefix(app, "sip/")
	if !ok {
		return sip.Uri{}, fmt.Errorf("application %q is not sip/<user@domain>", app)
	}
	aorText = strings.TrimPrefix(aorText, "sip:")
	user, host, _ := strings.Cut(aorText, "@")
	var aor sip.Uri
	if user == "" || host == "" || len(aorText) > 256 || sip.ParseUri("sip:"+aorText, &aor) != nil ||
		!ksip.ValidUser(aor.User) || !ksip.ValidHost(aor.Host) {
		return sip.Uri{}, fmt.Errorf("bad AOR %q", aorText)
	}
	return sip.Uri{Scheme: "sip", User: aor.User, Host: aor.Host}, nil
}

// newLine reads the connect request: app "sip/<user@domain>", arguments
// authname, password, display name, rate.
func (g *Gateway) newLine(rc *rtmp.ServerConn) (*line, error) {
	app, _, args := rc.ConnectRequest()
	aor, err := parseAOR(app)
	if err != nil {
		return nil, err
	}
	str := func(i int) (string, error) {
		if i >= len(args) || args[i] == nil {
			return "", nil
		}
		s, ok := args[i].(string)
		if !ok || len(s) > 256 || strings.ContainsAny(s, "\r\n") {
			return "", fmt.Errorf("connect argument %d is not a short string", i+1)
		}
		return s, nil
	}
	authName, err1 := str(0)
	password, err2 := str(1)
	display, err3 := str(2)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, err
	}
	if authName == "" {
		authName = aor.User
	}
	var r [6]byte
	_, _ = rand.Read(r[:])
	token := "gw-" + hex.EncodeToString(r[:])
	l := &line{
		g: g, rc: rc, aor: aor, aorKey: aor.User + "@" + aor.Host, display: display,
		cred:    ksip.Credentials{Username: authName, Password: password},
		token:   token,
		contact: sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: token, Host: g.ip.String(), Port: g.port}},
		born:    time.Now(),
		done:    make(chan struct{}),
	}
	l.dua = &sipgo.DialogUA{Client: g.cli, ContactHDR: l.contact}
	l.log = g.log.With("aor", l.aorKey, "remote", rc.RemoteAddr().String(), "contact", token)
	return l, nil
}

// serve runs the connection: REGISTER first when there is a password,
// then the RPC loop until the connection ends, then the cleanup.
func (l *line) serve() {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-l.rc.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		l.hangup()
		if l.reg.active {
			l.unregister()
		}
		l.log.Info("disconnected")
	}()
	l.rc.OnPublish(l.onPublish)
	l.rc.OnPlay(l.onPlay)
	l.rc.OnCloseStream(l.onCloseStream)
	l.log.Info("connect", "authname", l.cred.Username, "register", l.cred.Password != "")
	if l.cred.Password != "" {
		granted, err := l.register(ctx, l.g.cfg.RegisterExpires)
		if err != nil {
			l.refuse(err)
			return
		}
		if l.g.takeOver(l) {
			// The older connection's un-REGISTER may have taken our
			// binding with it (single-binding registrars): renew it.
			if granted, err = l.register(ctx, l.g.cfg.RegisterExpires); err != nil {
				l.refuse(err)
				return
			}
		}
		wg.Go(func() { l.keepRegistered(ctx, granted) })
	} else {
		l.g.takeOver(l)
	}
	if err := l.rc.AcceptConnect(); err != nil {
		return
	}
	l.log.Info("connected")
	wg.Go(l.audioLoop)
	for cmd := range l.rc.Commands() {
		l.dispatch(cmd)
	}
}

// refuse answers connect after a failed REGISTER: unauthorized (kazoo.js's
// extension) for authentication failures, then _error with the status.
func (l *line) refuse(err error) {
	se := transportError(err)
	l.log.Info("registration failed", "status", se.Error())
	if se.code == 401 || se.code == 403 || se.code == 407 {
		l.g.send(l, "unauthorized", se.Error())
	}
	_ = l.rc.RejectConnect(se.Error())
}

// send sends a callback to the client.
func (l *line) send(name string, args ...any) { l.g.send(l, name, args...) }

// errAsync marks an RPC that answers later, from its own goroutine.
var errAsync = errors.New("answered later")

// dispatch runs one RPC and answers it with _result or _error. Unknown
// methods are answered with _result, as siprtmp does.
func (l *line) dispatch(cmd rtmp.Command) {
	var err error
	defer func() {
		if p := recover(); p != nil {
			l.log.Error("panic in RPC", "method", cmd.Name, "panic", p, "stack", string(debug.Stack()))
			//lint:ignore ST1005 the text siprtmp answers with
			err = errors.New("Internal server error")
		}
		l.reply(cmd.TxID, err)
		for _, f := range l.later {
			f()
		}
		l.later = l.later[:0]
	}()
	args := cmd.Args
	switch cmd.Name {
	case "invite":
		err = l.rpcInvite(args)
	case "accept":
		err = l.rpcAccept(args)
	case "reject":
		err = l.rpcReject(args)
	case "bye":
		err = l.rpcBye()
	case "sendDTMF":
		err = l.rpcDTMF(cmd.TxID, args)
	case "hold":
		err = l.rpcHold(cmd.TxID, args)
	case "transfer":
		err = l.rpcTransfer(cmd.TxID, args)
	default:
		l.log.Debug("unknown RPC", "method", cmd.Name)
	}
}

// afterReply runs f once the current RPC is answered, so that its
// callbacks (ringing, accepted, rejected…) follow the _result.
func (l *line) afterReply(f func()) { l.later = append(l.later, f) }

// reply answers an RPC, unless it wants no answer or answers later.
func (l *line) reply(txid float64, err error) {
	switch {
	case txid == 0 || errors.Is(err, errAsync):
	case err != nil:
		l.log.Debug("RPC failed", "err", err)
		_ = l.rc.ReplyError(txid, err.Error())
	default:
		_ = l.rc.Reply(txid)
	}
}

// stringArg returns args[i] as a string.
func stringArg(args []any, i int, name string) (string, error) {
	if i < len(args) {
		if s, ok := args[i].(string); ok {
			return s, nil
		}
	}
	return "", fmt.Errorf("%s: a string is required", name)
}

// current returns the line's call, or nil.
func (l *line) current() *call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.call
}

// hangup ends the call as the connection closes: CANCEL, reject or BYE,
// without callbacks.
func (l *line) hangup() {
	if c := l.current(); c != nil {
		c.hangup(true)
	}
}

// onPublish accepts "local" once at a time (siprtmp keys publishers by
// name) and any other name, whose audio is ignored.
func (l *line) onPublish(stream uint32, name string) error {
	if name != "local" {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pub != 0 {
		return errors.New("local is already published")
	}
	l.pub = stream
	return nil
}

// onPlay makes stream the destination of the call's audio.
func (l *line) onPlay(stream uint32, name string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.play = stream
	l.down = downState{}
	return nil
}

func (l *line) onCloseStream(stream uint32, name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pub == stream {
		l.pub = 0
	}
	if l.play == stream {
		l.play = 0
	}
}

// audioLoop sends the published "local" stream's audio to the call.
func (l *line) audioLoop() {
	for a := range l.rc.Audio() {
		l.mu.Lock()
		c := l.call
		ok := a.StreamID == l.pub && a.StreamID != 0
		l.mu.Unlock()
		if ok && c != nil && c.isActive() {
			c.media.sendAudio(a.Data)
		}
	}
}

// downlink sends one RTP payload (tag byte first) to the playing stream,
// 20 ms of RTMP time per 160 samples.
func (l *line) downlink(ssrc, ts uint32, data []byte) {
	l.mu.Lock()
	stream := l.play
	d := &l.down
	if stream == 0 {
		l.mu.Unlock()
		return
	}
	if !d.valid || ssrc != d.ssrc {
		base := uint32(time.Since(l.born).Milliseconds())
		if d.valid && base <= d.last {
			base = d.last + 20
		}
		*d = downState{valid: true, ssrc: ssrc, ts0: ts, base: base, last: base}
	}
	rtmpTS := d.base + (ts-d.ts0)/(sampleRate/1000)
	d.last = rtmpTS
	l.mu.Unlock()
	_ = l.rc.WriteAudio(stream, rtmpTS, data)
}
