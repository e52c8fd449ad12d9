package sip

import (
	"context"
	"errors"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	sipgo "github.com/emiago/sipgo/sip"
)

// pipeConn is an in-memory Conn that records what is written.
type pipeConn struct {
	written chan sipgo.Message
	done    chan struct{}
	once    sync.Once
}

func newPipeConn() *pipeConn {
	return &pipeConn{written: make(chan sipgo.Message, 32), done: make(chan struct{})}
}

func (c *pipeConn) LocalAddr() net.Addr            { return wsAddr("test.invalid") }
func (c *pipeConn) WriteMsg(m sipgo.Message) error { c.written <- m; return nil }
func (c *pipeConn) Ref(int) int                    { return 1 }
func (c *pipeConn) TryClose() (int, error)         { return 1, nil }
func (c *pipeConn) Close() error                   { c.once.Do(func() { close(c.done) }); return nil }
func (c *pipeConn) Done() <-chan struct{}          { return c.done }

func (c *pipeConn) next(t *testing.T) sipgo.Message {
	t.Helper()
	select {
	case m := <-c.written:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("nothing written")
		return nil
	}
}

func parse(t *testing.T, raw string) sipgo.Message {
	t.Helper()
	m, err := sipgo.ParseMessage([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	m.SetTransport("WS")
	m.SetSource("127.0.0.1:5066")
	return m
}

func newRequest(method sipgo.RequestMethod) *sipgo.Request {
	req := sipgo.NewRequest(method, sipgo.Uri{Scheme: "sip", Host: "lab.test"})
	req.SetTransport("WS")
	req.AppendHeader(&sipgo.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: "WS", Host: "x.invalid",
		Params: sipgo.HeaderParams{{K: "branch", V: sipgo.GenerateBranch()}}})
	req.AppendHeader(&sipgo.FromHeader{Address: sipgo.Uri{Scheme: "sip", User: "1001", Host: "lab.test"}, Params: sipgo.HeaderParams{{K: "tag", V: "f"}}})
	req.AppendHeader(&sipgo.ToHeader{Address: sipgo.Uri{Scheme: "sip", User: "1001", Host: "lab.test"}})
	callID := sipgo.CallIDHeader("call-1")
	req.AppendHeader(&callID)
	req.AppendHeader(&sipgo.CSeqHeader{SeqNo: 1, MethodName: method})
	return req
}

func respond(t *testing.T, e *Endpoint, req *sipgo.Request, code int) {
	t.Helper()
	res := sipgo.NewResponseFromRequest(req, code, "Reason", nil)
	e.HandleMessage(parse(t, res.String()))
}

func TestEndpointDoFollowsProvisionalToFinal(t *testing.T) {
	conn := newPipeConn()
	e := NewEndpoint(conn, nil, nil)
	req := newRequest(sipgo.REGISTER)
	var provisional []int
	done := make(chan *sipgo.Response, 1)
	go func() {
		res, err := e.Do(context.Background(), req, func(r *sipgo.Response) { provisional = append(provisional, r.StatusCode) })
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	sent := conn.next(t).(*sipgo.Request)
	respond(t, e, sent, 100)
	// A response for another transaction is dropped, not delivered here.
	other := newRequest(sipgo.REGISTER)
	respond(t, e, other, 500)
	respond(t, e, sent, 200)
	res := <-done
	if res.StatusCode != 200 || len(provisional) != 1 || provisional[0] != 100 {
		t.Fatalf("final %d, provisional %v", res.StatusCode, provisional)
	}
}

func TestEndpointDoEndsWhenConnectionDrops(t *testing.T) {
	conn := newPipeConn()
	e := NewEndpoint(conn, nil, nil)
	errc := make(chan error, 1)
	go func() {
		_, err := e.Do(context.Background(), newRequest(sipgo.REGISTER), nil)
		errc <- err
	}()
	conn.next(t)
	conn.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrConnectionLost) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Do still waiting after the connection dropped")
	}
}

func TestEndpointDoContext(t *testing.T) {
	conn := newPipeConn()
	e := NewEndpoint(conn, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := e.Do(ctx, newRequest(sipgo.REGISTER), nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

const incomingNotify = "NOTIFY sip:abc@x.invalid;transport=ws SIP/2.0\r\n" +
	"Via: SIP/2.0/WS 127.0.0.1:5066;branch=z9hG4bKn1\r\n" +
	"From: <sip:1001@lab.test>;tag=a\r\nTo: <sip:1001@lab.test>\r\nCall-ID: n1\r\n" +
	"CSeq: 7 NOTIFY\r\nEvent: message-summary\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"

// A request retransmitted while its transaction is still pending reaches
// the handler once (RFC 3261 §17.2.2). Over WS the transaction ends with
// its final response (Timer J is zero on reliable transports).
func TestEndpointServerTransactionAbsorbsRetransmissions(t *testing.T) {
	conn := newPipeConn()
	calls := make(chan *sipgo.Request, 4)
	release := make(chan struct{})
	e := NewEndpoint(conn, func(req *sipgo.Request, tx sipgo.ServerTransaction) {
		calls <- req
		<-release
		_ = tx.Respond(sipgo.NewResponseFromRequest(req, 200, "OK", nil))
	}, nil)
	e.HandleMessage(parse(t, incomingNotify))
	select {
	case <-calls:
	case <-time.After(5 * time.Second):
		t.Fatal("handler not called")
	}
	e.HandleMessage(parse(t, incomingNotify)) // retransmission while pending
	close(release)
	if res := conn.next(t).(*sipgo.Response); res.StatusCode != 200 {
		t.Fatalf("answered %d", res.StatusCode)
	}
	select {
	case <-calls:
		t.Fatal("handler called again for a retransmission")
	case m := <-conn.written:
		t.Fatalf("extra message written: %s", m.String())
	case <-time.After(100 * time.Millisecond):
	}
}

func TestEndpointDropsMalformedRequests(t *testing.T) {
	conn := newPipeConn()
	e := NewEndpoint(conn, func(*sipgo.Request, sipgo.ServerTransaction) { t.Error("handler called") }, nil)
	noCallID := "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/WS h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	e.HandleMessage(parse(t, noCallID))
	select {
	case m := <-conn.written:
		t.Fatalf("answered a malformed request: %s", m.String())
	case <-time.After(100 * time.Millisecond):
	}
}

func TestEndpointCancel(t *testing.T) {
	conn := newPipeConn()
	cancelled := make(chan struct{})
	watching := make(chan struct{})
	e := NewEndpoint(conn, func(req *sipgo.Request, tx sipgo.ServerTransaction) {
		tx.OnCancel(func(*sipgo.Request) { close(cancelled) })
		close(watching)
	}, nil)
	invite := "INVITE sip:abc@x.invalid;transport=ws SIP/2.0\r\n" +
		"Via: SIP/2.0/WS 127.0.0.1:5066;branch=z9hG4bKinv1\r\n" +
		"From: <sip:1002@lab.test>;tag=a\r\nTo: <sip:1001@lab.test>\r\nCall-ID: i1\r\n" +
		"CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	cancel := "CANCEL sip:abc@x.invalid;transport=ws SIP/2.0\r\n" +
		"Via: SIP/2.0/WS 127.0.0.1:5066;branch=z9hG4bKinv1\r\n" +
		"From: <sip:1002@lab.test>;tag=a\r\nTo: <sip:1001@lab.test>\r\nCall-ID: i1\r\n" +
		"CSeq: 1 CANCEL\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	stray := "CANCEL sip:abc@x.invalid;transport=ws SIP/2.0\r\n" +
		"Via: SIP/2.0/WS 127.0.0.1:5066;branch=z9hG4bKnone\r\n" +
		"From: <sip:1002@lab.test>;tag=a\r\nTo: <sip:1001@lab.test>\r\nCall-ID: i2\r\n" +
		"CSeq: 1 CANCEL\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	e.HandleMessage(parse(t, stray))
	if res := conn.next(t).(*sipgo.Response); res.StatusCode != 481 {
		t.Fatalf("stray CANCEL answered %d", res.StatusCode)
	}
	e.HandleMessage(parse(t, invite))
	select {
	case <-watching:
	case <-time.After(5 * time.Second):
		t.Fatal("INVITE not handed to the handler")
	}
	e.HandleMessage(parse(t, cancel))
	var codes []int
	for len(codes) < 2 {
		m := conn.next(t)
		if r, ok := m.(*sipgo.Response); ok && r.StatusCode != 100 {
			codes = append(codes, r.StatusCode)
		}
	}
	if codes[0] != 200 {
		t.Fatalf("CANCEL answered %v", codes)
	}
	if codes[1] != 487 {
		t.Fatalf("INVITE answered %d after CANCEL, want 487", codes[1])
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("OnCancel not called")
	}
}

// ACKs carrying an answered INVITE's branch reach the handler as ACKs
// of the dialog, and leave no goroutine behind (sipgo parks one per
// such ACK for the 32 s its transaction lingers, unless they are read).
func TestEndpointAcksOfAnAnsweredInvite(t *testing.T) {
	conn := newPipeConn()
	acks := make(chan *sipgo.Request, 200)
	e := NewEndpoint(conn, func(req *sipgo.Request, tx sipgo.ServerTransaction) {
		if req.IsAck() {
			acks <- req
			return
		}
		_ = tx.Respond(sipgo.NewResponseFromRequest(req, 200, "OK", nil))
	}, nil)
	invite := newRequest(sipgo.INVITE)
	e.HandleMessage(parse(t, invite.String()))
	if res := conn.next(t).(*sipgo.Response); res.StatusCode != 200 {
		t.Fatalf("INVITE answered %d", res.StatusCode)
	}
	before := runtime.NumGoroutine()
	ack := invite.Clone()
	ack.Method = sipgo.ACK
	ack.CSeq().MethodName = sipgo.ACK
	const n = 100
	for range n {
		e.HandleMessage(parse(t, ack.String()))
	}
	for i := range n {
		select {
		case <-acks:
		case <-time.After(5 * time.Second):
			t.Fatalf("%d of %d ACKs reached the handler", i, n)
		}
	}
	if g := runtime.NumGoroutine(); g > before+10 {
		t.Fatalf("%d goroutines after %d ACKs, %d before", g, n, before)
	}
	e.Close()
}
