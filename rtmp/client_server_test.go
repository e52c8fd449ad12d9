package rtmp

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestConnectDeferredAccept(t *testing.T) {
	release := make(chan struct{})
	type request struct {
		app, tcURL string
		args       []any
	}
	got := make(chan request, 1)
	_, base := startServer(t, func(c *ServerConn) {
		app, tcURL, args := c.ConnectRequest()
		got <- request{app, tcURL, args}
		<-release // siprtmp answers only once its REGISTER succeeded
		if err := c.AcceptConnect(); err != nil {
			t.Errorf("AcceptConnect: %v", err)
		}
		<-c.Done()
	})
	url := base + "/sip/alice@lab.test"
	dialed := make(chan error, 1)
	go func() {
		c, err := Dial(testContext(t), url, "alice", "secret", "Alice", "narrowband")
		if err == nil {
			t.Cleanup(func() { c.Close() })
		}
		dialed <- err
	}()
	req := recv(t, got, "connect request")
	want := request{"sip/alice@lab.test", url, []any{"alice", "secret", "Alice", "narrowband"}}
	if !reflect.DeepEqual(req, want) {
		t.Errorf("ConnectRequest = %+v, want %+v", req, want)
	}
	select {
	case err := <-dialed:
		t.Fatalf("Dial returned before the server accepted: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := recv(t, dialed, "Dial"); err != nil {
		t.Fatalf("Dial: %v", err)
	}
}

func TestConnectRejected(t *testing.T) {
	_, base := startServer(t, func(c *ServerConn) {
		if err := c.RejectConnect("403 Forbidden"); err != nil {
			t.Errorf("RejectConnect: %v", err)
		}
	})
	_, err := Dial(testContext(t), base+"/sip/bob@lab.test", "bob", "wrong", "", "wideband")
	var ce *ConnectError
	if !errors.As(err, &ce) || ce.Code != "NetConnection.Connect.Rejected" || ce.Description != "403 Forbidden" {
		t.Fatalf("Dial error = %v, want ConnectError Rejected/403 Forbidden", err)
	}
}

func TestCallReplyAndCallbacks(t *testing.T) {
	_, base := startServer(t, acceptAll(func(c *ServerConn) {
		for cmd := range c.Commands() {
			switch cmd.Name {
			case "invite":
				c.Reply(cmd.TxID)
				c.Send("ringing", "180 Ringing")
				c.Send("accepted", "pcmu", nil)
			case "echo":
				c.Reply(cmd.TxID, cmd.Args...)
			case "sendDTMF":
				c.ReplyError(cmd.TxID, "no active call")
			case "bare":
				c.ReplyBareError(cmd.TxID) // rtmplite, when the handler raises
			case "silent":
				// no answer at all
			}
		}
	}))
	c := dial(t, base+"/sip/alice@lab.test")
	ctx := testContext(t)
	res, err := c.Call(ctx, "invite", "sip:bob@lab.test", "pcmu", "pcma", "dtmf")
	if err != nil || len(res) != 0 {
		t.Fatalf("invite = %v, %v", res, err)
	}
	for _, want := range []Command{
		{Name: "ringing", Args: []any{"180 Ringing"}},
		{Name: "accepted", Args: []any{"pcmu", nil}},
	} {
		if got := recv(t, c.Commands(), want.Name); !reflect.DeepEqual(got, want) {
			t.Errorf("callback %+v, want %+v", got, want)
		}
	}
	args := []any{"a", 1.0, true, nil, map[string]any{"k": []any{"v"}}}
	if res, err := c.Call(ctx, "echo", args...); err != nil || !reflect.DeepEqual(res, args) {
		t.Errorf("echo = %#v, %v", res, err)
	}
	_, err = c.Call(ctx, "sendDTMF", "5")
	var ce *CallError
	if !errors.As(err, &ce) || ce.Name != "sendDTMF" || ce.Code != "NetConnection.Call.Failed" || ce.Description != "no active call" {
		t.Errorf("sendDTMF error = %v", err)
	}
	if _, err := c.Call(ctx, "bare", "5", "info"); !errors.As(err, &ce) || ce.Name != "bare" || ce.Code != "" || len(ce.Args) != 0 {
		t.Errorf("bare _error = %#v", err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := c.Call(short, "silent"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("unanswered call = %v, want DeadlineExceeded", err)
	}
	if _, err := c.Call(ctx, "echo"); err != nil {
		t.Errorf("call after a timed-out one: %v", err)
	}
}

func TestStreamsAndAudio(t *testing.T) {
	type event struct {
		kind   string
		stream uint32
		name   string
	}
	events := make(chan event, 10)
	server := make(chan *ServerConn, 1)
	_, base := startServer(t, func(c *ServerConn) {
		c.OnPublish(func(s uint32, n string) error { events <- event{"publish", s, n}; return nil })
		c.OnPlay(func(s uint32, n string) error { events <- event{"play", s, n}; return nil })
		c.OnCloseStream(func(s uint32, n string) { events <- event{"close", s, n} })
		c.AcceptConnect()
		server <- c
		<-c.Done()
	})
	c := dial(t, base+"/sip/alice@lab.test")
	sc := recv(t, server, "server conn")
	ctx := testContext(t)
	up, err1 := c.CreateStream(ctx)
	down, err2 := c.CreateStream(ctx)
	if err1 != nil || err2 != nil || up != 1 || down != 2 {
		t.Fatalf("createStream ×2 = %d, %v; %d, %v", up, err1, down, err2)
	}
	if err := c.Publish(ctx, up, "local"); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if err := c.Play(ctx, down, "remote"); err != nil {
		t.Fatalf("Play: %v", err)
	}
	for _, want := range []event{{"publish", 1, "local"}, {"play", 2, "remote"}} {
		if got := recv(t, events, want.kind); got != want {
			t.Errorf("hook %+v, want %+v", got, want)
		}
	}
	for _, want := range []string{"NetStream.Publish.Start", "NetStream.Play.Start"} {
		if _, code, _ := statusInfo(recv(t, c.Status(), want)); code != want {
			t.Errorf("status %s, want %s", code, want)
		}
	}

	const frames = 100
	go func() {
		for i := range frames {
			if err := c.WriteAudio(up, uint32(20*i), pcmuFrame(i)); err != nil {
				t.Errorf("client WriteAudio: %v", err)
				return
			}
		}
	}()
	checkAudio(t, sc.Audio(), frames, up, 0)
	for i := range frames {
		if err := sc.WriteAudio(down, uint32(1000+20*i), pcmuFrame(i)); err != nil {
			t.Fatalf("server WriteAudio: %v", err)
		}
	}
	checkAudio(t, c.Audio(), frames, down, 1000)
	if err := sc.WriteAudio(up, 0, pcmuFrame(0)); !errors.Is(err, ErrStreamNotActive) {
		t.Errorf("WriteAudio to a publishing stream = %v", err)
	}

	if err := c.CloseStream(up); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteStream(ctx, down); err != nil {
		t.Fatal(err)
	}
	for _, want := range []event{{"close", 1, "local"}, {"close", 2, "remote"}} {
		if got := recv(t, events, want.kind); got != want {
			t.Errorf("hook %+v, want %+v", got, want)
		}
	}
	// A closed stream can publish again.
	if err := c.Publish(ctx, up, "local"); err != nil {
		t.Fatalf("Publish after closeStream: %v", err)
	}
	if c.DroppedAudio() != 0 || sc.DroppedAudio() != 0 {
		t.Errorf("dropped audio: client %d, server %d", c.DroppedAudio(), sc.DroppedAudio())
	}
}

func TestPublishRefused(t *testing.T) {
	_, base := startServer(t, acceptAll(func(c *ServerConn) {
		busy := map[string]bool{}
		c.OnPublish(func(_ uint32, name string) error {
			if busy[name] { // hooks run on one goroutine
				return errors.New(name + " is already published")
			}
			busy[name] = true
			return nil
		})
		c.OnPlay(func(uint32, string) error {
			return &StatusError{Code: "NetStream.Play.Failed", Description: "no call"}
		})
	}))
	c := dial(t, base+"/sip/alice@lab.test")
	ctx := testContext(t)
	s1, _ := c.CreateStream(ctx)
	s2, _ := c.CreateStream(ctx)
	if err := c.Publish(ctx, s1, "local"); err != nil {
		t.Fatal(err)
	}
	err := c.Publish(ctx, s2, "local")
	var se *StatusError
	if !errors.As(err, &se) || se.Code != "NetStream.Publish.BadName" || !strings.Contains(se.Description, "already published") {
		t.Errorf("second publish = %v, want BadName", err)
	}
	if err := c.Play(ctx, s2, "remote"); !errors.As(err, &se) || se.Code != "NetStream.Play.Failed" {
		t.Errorf("refused play = %v, want NetStream.Play.Failed", err)
	}
	if err := c.Publish(ctx, 99, "other"); !errors.As(err, &se) {
		t.Errorf("publish on an unknown stream = %v", err)
	}
}

func TestLargeChunkSizes(t *testing.T) {
	server := make(chan *ServerConn, 1)
	_, base := startServer(t, acceptAll(func(c *ServerConn) {
		server <- c
		for cmd := range c.Commands() {
			c.Reply(cmd.TxID, cmd.Args...)
		}
	}))
	c := dial(t, base+"/live")
	sc := recv(t, server, "server conn")
	ctx := testContext(t)
	big := strings.Repeat("0123456789abcdef", 40000) // 640 kB: an AMF0 long string
	for _, size := range []uint32{1, 128, 4096, 65536, 1 << 20, maxChunkSize} {
		if err := c.conn.setChunkSize(size); err != nil {
			t.Fatal(err)
		}
		if err := sc.conn.setChunkSize(max(size/2, 1)); err != nil {
			t.Fatal(err)
		}
		arg := big
		if size == 1 {
			arg = big[:3000] // 1-byte chunks double the traffic
		}
		res, err := c.Call(ctx, "echo", arg, float64(size))
		if err != nil || len(res) != 2 || res[0] != arg || res[1] != float64(size) {
			t.Fatalf("chunk size %d: echo failed: %v", size, err)
		}
	}
}
