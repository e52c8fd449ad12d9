//go:build !js

package rtmpua

import (
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/internal/fakesiprtmp"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/relay"
	"github.com/kazoo-softphone/kazoo/rtmp"
)

const wait = 5 * time.Second

// gateway is a FAKE siprtmp gateway (on the real rtmp server) the test
// scripts: it records RPCs, answers them as siprtmp does (package
// fakesiprtmp: _result for transfer, which it does not have, a bare
// _error for sendDTMF(digit, "info")), and sends the callbacks the test
// asks for. With extended set it answers those two as kazoo-rtmpgw does.
type gateway struct {
	url      string
	mu       sync.Mutex
	conns    []*rtmp.ServerConn
	rpcs     chan rtmp.Command
	audio    chan rtmp.Audio
	play     uint32
	extended bool
}

// answer answers an RPC as siprtmp, or as kazoo-rtmpgw when extended.
func (g *gateway) answer(c *rtmp.ServerConn, cmd rtmp.Command) {
	g.mu.Lock()
	ext := g.extended
	g.mu.Unlock()
	switch {
	case ext && cmd.Name == "transfer":
		_ = c.Reply(cmd.TxID, "202 Accepted")
	case ext && cmd.Name == "sendDTMF":
		_ = c.Reply(cmd.TxID)
	default:
		if ok, _ := fakesiprtmp.Answer(cmd.Name, len(cmd.Args)); ok {
			_ = c.Reply(cmd.TxID)
		} else {
			_ = c.ReplyBareError(cmd.TxID)
		}
	}
}

func newGateway(t *testing.T) *gateway {
	g := &gateway{rpcs: make(chan rtmp.Command, 32), audio: make(chan rtmp.Audio, 256)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &rtmp.Server{Handler: rtmp.HandlerFunc(func(c *rtmp.ServerConn) {
		if _, _, args := c.ConnectRequest(); len(args) < 2 || args[1] != "pw" {
			_ = c.Send("unauthorized", "401 Unauthorized")
			_ = c.RejectConnect("401 Unauthorized")
			return
		}
		_ = c.AcceptConnect()
		g.mu.Lock()
		g.conns = append(g.conns, c)
		g.mu.Unlock()
		c.OnPlay(func(stream uint32, name string) error { g.mu.Lock(); g.play = stream; g.mu.Unlock(); return nil })
		go func() {
			for a := range c.Audio() {
				g.audio <- a
			}
		}()
		for cmd := range c.Commands() {
			g.answer(c, cmd)
			g.rpcs <- cmd
		}
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	g.url = "rtmp://" + l.Addr().String() + "/sip"
	return g
}

func (g *gateway) conn() *rtmp.ServerConn {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.conns[len(g.conns)-1]
}

func (g *gateway) rpc(t *testing.T, name string) rtmp.Command {
	t.Helper()
	for {
		select {
		case c := <-g.rpcs:
			if c.Name == name {
				return c
			}
		case <-time.After(wait):
			t.Fatalf("no %s RPC", name)
		}
	}
}

// fakeAudio is a FAKE browser audio pipe.
type fakeAudio struct {
	mu      sync.Mutex
	onFrame func([]byte, uint16)
	played  chan []byte
	muted   bool
	closed  bool
}

func (a *fakeAudio) OnFrame(f func([]byte, uint16))               { a.mu.Lock(); a.onFrame = f; a.mu.Unlock() }
func (a *fakeAudio) Play(b []byte) error                          { a.played <- append([]byte(nil), b...); return nil }
func (a *fakeAudio) SetMuted(m bool) error                        { a.mu.Lock(); a.muted = m; a.mu.Unlock(); return nil }
func (a *fakeAudio) SetMicrophone(context.Context, string) error  { return nil }
func (a *fakeAudio) SetSpeaker(context.Context, string) error     { return nil }
func (a *fakeAudio) Levels(context.Context) (phone.Levels, error) { return phone.Levels{}, nil }
func (a *fakeAudio) Stats(context.Context) (AudioStats, error) {
	return AudioStats{FramesReceived: int64(len(a.played))}, nil
}
func (a *fakeAudio) Close() { a.mu.Lock(); a.closed = true; a.mu.Unlock() }

type rig struct {
	g      *gateway
	p      *Phone
	opts   Options
	ev     Events
	errs   chan *phone.Error
	conn   chan struct{}
	in     chan *Call
	acc    chan *Call
	ended  chan phone.End
	notes  chan phone.Notification
	trans  chan *phone.Error
	audios chan *fakeAudio
	dtmf   chan string
}

func newRig(t *testing.T) *rig { return newRigWith(t, Config{}, relay.Config{}) }

// newRigWith is a rig whose phone has cfg and whose relay has rc, with
// the fake gateway and any origin.
func newRigWith(t *testing.T, cfg Config, rc relay.Config) *rig {
	g := newGateway(t)
	rc.Gateways, rc.Origins, rc.Dial = []string{g.url + "/"}, []string{"*"}, relay.DialRTMP
	rs := relay.New(rc)
	hs := httptest.NewServer(rs)
	t.Cleanup(hs.Close)
	r := &rig{g: g, p: New(cfg), errs: make(chan *phone.Error, 8), conn: make(chan struct{}, 8),
		in: make(chan *Call, 4), acc: make(chan *Call, 4), ended: make(chan phone.End, 4),
		notes: make(chan phone.Notification, 8), trans: make(chan *phone.Error, 4), audios: make(chan *fakeAudio, 4),
		dtmf: make(chan string, 4)}
	r.opts = Options{
		RelayURL: "ws" + strings.TrimPrefix(hs.URL, "http") + "/v1", RTMPURL: g.url,
		PublicIdentity: "sip:1001@lab.test", Password: "pw", ReconnectDelay: time.Second,
		Audio: func(ctx context.Context, law string) (Audio, error) {
			a := &fakeAudio{played: make(chan []byte, 64)}
			r.audios <- a
			return a, nil
		},
	}
	r.ev = Events{
		Connected:    func() { r.conn <- struct{}{} },
		Error:        func(e *phone.Error) { r.errs <- e },
		Incoming:     func(c *Call) { r.in <- c },
		CallAccepted: func(c *Call) { r.acc <- c },
		CallEnded:    func(c *Call, e phone.End) { r.ended <- e },
		CallTransfer: func(c *Call, e *phone.Error) { r.trans <- e },
		Notified:     func(n phone.Notification) { r.notes <- n },
		CallDTMF:     func(c *Call, d string) { r.dtmf <- d },
	}
	t.Cleanup(func() { r.p.Logout(context.Background()) })
	return r
}

func get[T any](t *testing.T, ch chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("no %s", what)
		var zero T
		return zero
	}
}

func TestRegisterThroughRelay(t *testing.T) {
	r := newRig(t)
	bad := r.opts
	bad.Password = "wrong"
	if e := r.p.Register(context.Background(), bad, r.ev); e == nil || e.Key != phone.KeyUnauthorized || e.Code != 401 {
		t.Fatalf("wrong password: %v", e)
	}
	get(t, r.errs, "error event")
	if e := r.p.Register(context.Background(), r.opts, r.ev); e != nil {
		t.Fatal(e)
	}
	get(t, r.conn, "connected")
	if !r.p.Registered() {
		t.Fatal("not registered")
	}
	// Bad parameters: nothing is dialled.
	for _, o := range []Options{{RelayURL: "http://x", RTMPURL: "rtmp://x/sip", PublicIdentity: "sip:a@b"},
		{RelayURL: "ws://x", RTMPURL: "http://x", PublicIdentity: "sip:a@b"}, {RelayURL: "ws://x", RTMPURL: "rtmp://x/sip"}} {
		if e := New(Config{}).Register(context.Background(), o, Events{}); e == nil || e.Key != phone.KeyInvalidParameter {
			t.Errorf("%+v: %v", o, e)
		}
	}
}

func TestOutgoingCallAudioAndHangup(t *testing.T) {
	r := newRig(t)
	if e := r.p.Register(context.Background(), r.opts, r.ev); e != nil {
		t.Fatal(e)
	}
	c, e := r.p.Dial(context.Background(), "1002")
	if e != nil {
		t.Fatal(e)
	}
	inv := r.g.rpc(t, "invite")
	if inv.Args[0] != "sip:1002@lab.test" || inv.Args[1] != "pcmu" {
		t.Fatalf("invite %v", inv.Args)
	}
	if _, e := r.p.Dial(context.Background(), "1003"); e == nil || e.Key != phone.KeyCallState {
		t.Fatalf("second call: %v", e)
	}
	_ = r.g.conn().Send("ringing", "180 Ringing")
	_ = r.g.conn().Send("accepted", "pcmu", nil)
	get(t, r.acc, "accepted")
	a := get(t, r.audios, "audio opened")
	// A captured frame goes to the gateway as RTMP audio…
	frame := make([]byte, 160)
	frame[0] = 0x55
	deadline := time.Now().Add(wait)
	for {
		a.mu.Lock()
		f := a.onFrame
		a.mu.Unlock()
		if f != nil {
			f(frame, 3)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no OnFrame set")
		}
		time.Sleep(time.Millisecond)
	}
	got := get(t, r.g.audio, "audio at the gateway")
	if got.Data[0] != 0x82 || got.Data[1] != 0x55 || got.Timestamp != 60 {
		t.Fatalf("gateway got tag %#x first %#x ts %d", got.Data[0], got.Data[1], got.Timestamp)
	}
	// …and the gateway's audio is played.
	r.g.mu.Lock()
	play := r.g.play
	r.g.mu.Unlock()
	_ = r.g.conn().WriteAudio(play, 20, append([]byte{0x82}, frame...))
	if p := get(t, a.played, "audio played"); len(p) != 160 || p[0] != 0x55 {
		t.Fatalf("played % x", p[:4])
	}
	if e := c.SendDTMF(context.Background(), "5#"); e != nil {
		t.Fatal(e)
	}
	if d := r.g.rpc(t, "sendDTMF"); len(d.Args) != 1 || d.Args[0] != "5" {
		t.Fatalf("dtmf %v", d.Args)
	}

	if e := c.Hangup(context.Background()); e != nil {
		t.Fatal(e)
	}
	r.g.rpc(t, "bye")
	if end := get(t, r.ended, "end"); !end.Established || end.Originator != phone.ByLocal {
		t.Fatalf("end %+v", end)
	}
	a.mu.Lock()
	closed := a.closed
	a.mu.Unlock()
	if !closed {
		t.Fatal("audio not closed")
	}
}

func TestIncomingCallNotifyAndReconnect(t *testing.T) {
	r := newRig(t)
	if e := r.p.Register(context.Background(), r.opts, r.ev); e != nil {
		t.Fatal(e)
	}
	get(t, r.conn, "connected")
	_ = r.g.conn().Send("invited", `"Bob" <sip:1002@lab.test>`, "<sip:1001@lab.test>")
	c := get(t, r.in, "incoming")
	if c.CallerName() != "Bob" || c.CallerNumber() != "1002" || c.Outgoing() {
		t.Fatalf("caller %q %q", c.CallerName(), c.CallerNumber())
	}
	if e := c.Accept(context.Background()); e != nil {
		t.Fatal(e)
	}
	r.g.rpc(t, "accept")
	_ = r.g.conn().Send("accepted", "pcmu", nil)
	// Received DTMF (kazoo-rtmpgw's dtmf callback); junk is ignored.
	_ = r.g.conn().Send("dtmf", "xx")
	_ = r.g.conn().Send("dtmf", "7")
	if d := get(t, r.dtmf, "dtmf"); d != "7" {
		t.Fatalf("dtmf %q", d)
	}
	_ = r.g.conn().Send("byed")
	if end := get(t, r.ended, "end"); !end.Established || end.Originator != phone.ByRemote {
		t.Fatalf("end %+v", end)
	}
	_ = r.g.conn().Send("notified", "message-summary", "Messages-Waiting: yes\r\nVoice-Message: 1/2\r\n")
	if n := get(t, r.notes, "notification"); n.Key != phone.NotifyVoicemail || n.Fields["newMessages"] != 1 {
		t.Fatalf("notification %+v", n)
	}
	// The gateway drops us: disconnected, then a reconnect after 1 s.
	_ = r.g.conn().Close()
	if e := get(t, r.errs, "disconnected"); e.Key != phone.KeyDisconnected {
		t.Fatalf("error %v", e)
	}
	if n := get(t, r.notes, "reconnecting"); n.Key != phone.NotifyReconnecting || n.Fields["attempt"] != 1 {
		t.Fatalf("notification %+v", n)
	}
	get(t, r.conn, "connected again")
	if !r.p.Registered() {
		t.Fatal("not registered after the reconnect")
	}
}
