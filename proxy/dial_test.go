package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/ua"
)

type dialResult struct {
	c   *OutboundCall
	err error
}

func dialAsync(s *server, ctx context.Context, o Outbound) chan dialResult {
	ch := make(chan dialResult, 1)
	go func() {
		c, err := s.p.Dial(ctx, o)
		ch <- dialResult{c, err}
	}()
	return ch
}

func TestDialForksShowsCallerIDAndFollowsTheCallee(t *testing.T) {
	s := start(t, nil)
	b1 := newPhone(t, s, "1002", false)
	b2 := newPhone(t, s, "1002", false)
	offers := make(chan string, 2)
	digits := make(chan rune, 2)
	res := dialAsync(s, context.Background(), Outbound{User: "1002", FromUser: "5551234", FromName: "Pivot IVR", Offer: []byte(fakeSDP),
		OnUpdate: func(offer []byte) ([]byte, error) { offers <- string(offer); return []byte(fakeSDP), nil },
		OnDTMF:   func(d rune) { digits <- d }})
	in1 := recv(t, b1.incoming, "ring on the first device")
	in2 := recv(t, b2.incoming, "ring on the second device")
	for _, in := range []*ua.Call{in1, in2} {
		if in.CallerNumber() != "5551234" || in.CallerName() != "Pivot IVR" || in.RemoteURI() != "sip:5551234@lab.test" {
			t.Errorf("caller ID %q %q %q", in.CallerNumber(), in.CallerName(), in.RemoteURI())
		}
	}
	if err := in2.Accept(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := recv(t, res, "Dial returns")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if string(r.c.Answer) != fakeSDP || !r.c.WebRTC {
		t.Errorf("answer %q webrtc %v", r.c.Answer, r.c.WebRTC)
	}
	if e := recv(t, b1.ended, "the other device stops ringing"); e.e.Code != 487 {
		t.Errorf("other device %+v", e.e)
	}
	// The callee holds (a re-INVITE): OnUpdate answers it.
	if err := in2.Hold(context.Background(), true); err != nil {
		t.Fatalf("hold: %v", err)
	}
	recv(t, offers, "the re-offer")
	// The callee hangs up: Done.
	if err := in2.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	recv(t, doneCh(r.c), "Done after the callee's BYE")
}

// doneCh adapts Done for recv.
func doneCh(c *OutboundCall) chan struct{} {
	ch := make(chan struct{})
	go func() { <-c.Done(); close(ch) }()
	return ch
}

func TestDialHangupAndINFO(t *testing.T) {
	s := start(t, nil)
	b := newPhoneWith(t, s, "1002", true, func(o *ua.Options) { o.DTMF = "info" })
	digits := make(chan rune, 2)
	c, err := s.p.Dial(context.Background(), Outbound{URI: "sip:1002@lab.test", Offer: []byte(fakeSDP), OnDTMF: func(d rune) { digits <- d }})
	if err != nil {
		t.Fatal(err)
	}
	in := recv(t, b.incoming, "incoming")
	if in.CallerNumber() != "kazoo-dev" {
		t.Errorf("default caller %q", in.CallerNumber())
	}
	if err := in.SendDTMF(context.Background(), "9"); err != nil {
		t.Fatal(err)
	}
	if d := recv(t, digits, "digit"); d != '9' {
		t.Errorf("digit %q", d)
	}
	c.Hangup()
	recv(t, doneCh(c), "Done after Hangup")
	if e := recv(t, b.ended, "the callee hears the BYE"); !e.e.Established {
		t.Errorf("end %+v", e.e)
	}
	c.Hangup() // no-op
}

func TestDialFailures(t *testing.T) {
	s := start(t, nil)
	for _, user := range []string{"1003", "9999"} {
		if _, err := s.p.Dial(context.Background(), Outbound{User: user, Offer: []byte(fakeSDP)}); !errors.Is(err, ErrNotRegistered) {
			t.Errorf("%s: %v, want ErrNotRegistered", user, err)
		}
	}
	if _, err := s.p.Dial(context.Background(), Outbound{URI: "sip:x@example.com", Offer: []byte(fakeSDP)}); err == nil {
		t.Error("a host name was dialled")
	}
	if _, err := s.p.Dial(context.Background(), Outbound{User: "1002"}); err == nil {
		t.Error("no offer accepted")
	}

	b := newPhone(t, s, "1002", false)
	// Busy: the callee's code.
	res := dialAsync(s, context.Background(), Outbound{User: "1002", Offer: []byte(fakeSDP)})
	if err := recv(t, b.incoming, "ring").Reject(486); err != nil {
		t.Fatal(err)
	}
	var ref *Refusal
	if r := recv(t, res, "busy"); !errors.As(r.err, &ref) || ref.Code != 486 {
		t.Errorf("busy: %v", r.err)
	}
	recv(t, b.ended, "rejected")
	// No answer: CANCEL.
	res = dialAsync(s, context.Background(), Outbound{User: "1002", Offer: []byte(fakeSDP), Timeout: 300 * time.Millisecond})
	recv(t, b.incoming, "ring")
	if r := recv(t, res, "timeout"); !errors.Is(r.err, ErrNoAnswer) {
		t.Errorf("timeout: %v", r.err)
	}
	if e := recv(t, b.ended, "cancelled after the timeout"); e.e.Code != 487 {
		t.Errorf("end %+v", e.e)
	}
	// The context ends: CANCEL.
	ctx, cancel := context.WithCancel(context.Background())
	res = dialAsync(s, ctx, Outbound{User: "1002", Offer: []byte(fakeSDP)})
	recv(t, b.incoming, "ring")
	cancel()
	if r := recv(t, res, "cancelled"); !errors.Is(r.err, context.Canceled) {
		t.Errorf("cancel: %v", r.err)
	}
	if e := recv(t, b.ended, "cancelled"); e.e.Code != 487 {
		t.Errorf("end %+v", e.e)
	}
}

// resource is a SIP endpoint on UDP that answers every INVITE (a
// gateway, a resource of a callflow).
type resource struct {
	addr   string
	mu     sync.Mutex
	invite *sip.Request
	acks   chan *sip.Request
	byes   chan *sip.Request
}

func startResource(t *testing.T) *resource {
	t.Helper()
	u, err := sipgo.NewUA()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(u)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &resource{addr: pc.LocalAddr().String(), acks: make(chan *sip.Request, 4), byes: make(chan *sip.Request, 4)}
	host, port, _ := net.SplitHostPort(r.addr)
	srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		r.mu.Lock()
		r.invite = req
		r.mu.Unlock()
		res := sip.NewResponseFromRequest(req, 200, "OK", []byte(fakeSDP))
		res.To().Params.Add("tag", "gw")
		p, _ := strconv.Atoi(port)
		res.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "gw", Host: host, Port: p}})
		_ = tx.Respond(res)
	})
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { r.acks <- req })
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		r.byes <- req
	})
	go func() { _ = srv.ServeUDP(pc) }()
	t.Cleanup(func() { _ = u.Close(); _ = pc.Close() })
	return r
}

func TestDialAResourceURI(t *testing.T) {
	s := start(t, nil)
	udpReady(t, s)
	gw := startResource(t)
	c, err := s.p.Dial(context.Background(), Outbound{URI: "sip:+15551234@" + gw.addr, FromUser: "1001", Offer: []byte(fakeSDP),
		UDPOffer: []byte("v=0\r\n")})
	if err != nil {
		t.Fatal(err)
	}
	if c.WebRTC || string(c.Answer) != fakeSDP {
		t.Errorf("webrtc %v answer %q", c.WebRTC, c.Answer)
	}
	recv(t, gw.acks, "ACK at the resource")
	gw.mu.Lock()
	inv := gw.invite
	gw.mu.Unlock()
	if string(inv.Body()) != "v=0\r\n" || inv.From().Address.User != "1001" || inv.To().Address.User != "+15551234" {
		t.Errorf("INVITE %s", inv)
	}
	c.Hangup()
	bye := recv(t, gw.byes, "BYE at the resource")
	if bye.Recipient.User != "gw" || bye.CallID().Value() != c.CallID {
		t.Errorf("BYE %s", bye)
	}
}

// udpReady waits until the proxy serves its UDP socket (AttachUDP
// starts it in the background): an OPTIONS to it is answered.
func udpReady(t *testing.T, s *server) {
	t.Helper()
	a := s.p.addrs()
	c, err := net.Dial("udp", net.JoinHostPort(a.udpHost, strconv.Itoa(a.udpPort)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().String()
	msg := fmt.Sprintf("OPTIONS sip:lab.test SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-ready;rport\r\n"+
		"From: <sip:1001@lab.test>;tag=r\r\nTo: <sip:lab.test>\r\nCall-ID: ready\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", local)
	buf := make([]byte, 4096)
	for range 50 {
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if n, err := c.Read(buf); err == nil && n > 0 {
			return
		}
	}
	t.Fatal("the proxy does not answer on UDP")
}
