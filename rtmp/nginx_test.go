package rtmp

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// TestNginxRelaysPCMU publishes 100 frames of 20 ms PCMU to nginx-rtmp
// and plays them back through it: this checks chunking, the byte order of
// message stream ids, tag bytes and timestamps against a third-party
// implementation.
func TestNginxRelaysPCMU(t *testing.T) {
	base := startNginx(t)
	ctx := testContext(t)

	player := dial(t, base+"/live")
	playStream, err := player.CreateStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := player.Play(ctx, playStream, "local"); err != nil {
		t.Fatalf("Play: %v", err)
	}

	publisher := dial(t, base+"/live")
	pubStream, err := publisher.CreateStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := publisher.Publish(ctx, pubStream, "local"); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	for _, c := range []*Client{player, publisher} {
		for len(c.Status()) > 0 {
			s := <-c.Status()
			_, code, _ := statusInfo(s)
			t.Logf("onStatus on stream %d: %s", s.StreamID, code)
		}
	}

	const frames = 100
	go func() {
		for i := range frames {
			if err := publisher.WriteAudio(pubStream, uint32(20*i), pcmuFrame(i)); err != nil {
				t.Errorf("WriteAudio: %v", err)
				return
			}
			if i%10 == 9 {
				time.Sleep(5 * time.Millisecond) // a little pacing, as a live source has
			}
		}
	}()
	var first uint32
	for i := range frames {
		a := recv(t, player.Audio(), "audio from nginx")
		if i == 0 {
			first = a.Timestamp
			t.Logf("first frame at %d ms on message stream %d", a.Timestamp, a.StreamID)
		}
		if a.StreamID != playStream {
			t.Fatalf("frame %d on message stream %d, want %d", i, a.StreamID, playStream)
		}
		if !bytes.Equal(a.Data, pcmuFrame(i)) {
			t.Fatalf("frame %d: % x…, want % x…", i, a.Data[:min(8, len(a.Data))], pcmuFrame(i)[:8])
		}
		if want := first + uint32(20*i); a.Timestamp != want {
			t.Fatalf("frame %d at %d ms, want %d (20 ms spacing)", i, a.Timestamp, want)
		}
	}
	if n := player.DroppedAudio(); n != 0 {
		t.Errorf("%d frames dropped", n)
	}

	// Closing and deleting the streams leaves both connections usable.
	if err := publisher.CloseStream(pubStream); err != nil {
		t.Fatal(err)
	}
	if err := publisher.DeleteStream(ctx, pubStream); err != nil {
		t.Fatal(err)
	}
	if _, err := publisher.CreateStream(ctx); err != nil {
		t.Fatalf("createStream after deleteStream: %v", err)
	}
}

// TestNginxConnectArgsAndUnknownCall connects with siprtmp's extra
// connect arguments, which nginx accepts and ignores, and calls an RPC
// nginx does not know.
func TestNginxConnectArgsAndUnknownCall(t *testing.T) {
	base := startNginx(t)
	ctx := testContext(t)
	c := dial(t, base+"/live", "alice", "secret", "Alice", "narrowband")

	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	res, err := c.Call(short, "someUnknownRpc", "x")
	var ce *CallError
	switch {
	case err == nil:
		t.Logf("nginx answered someUnknownRpc with _result %v", res)
	case errors.As(err, &ce):
		t.Logf("nginx answered someUnknownRpc with _error: %v", err)
	case errors.Is(err, context.DeadlineExceeded):
		t.Logf("nginx did not answer someUnknownRpc within 1 s")
	default:
		t.Fatalf("someUnknownRpc: %v", err)
	}
	// Whatever nginx did, the connection still works.
	if c.Err() != nil {
		t.Fatalf("connection ended: %v", c.Err())
	}
	s, err := c.CreateStream(ctx)
	if err != nil {
		t.Fatalf("createStream after the unknown call: %v", err)
	}
	if err := c.Publish(ctx, s, "other"); err != nil {
		t.Fatalf("Publish after the unknown call: %v", err)
	}

	// A second publisher of the same name is refused with BadName.
	d := dial(t, base+"/live")
	s2, err := d.CreateStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = d.Publish(ctx, s2, "other")
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatalf("second publisher of the same name: %v, want a StatusError", err)
	}
	t.Logf("second publisher refused: %v", err)
}

// TestNginxExtendedTimestamps publishes from 0x1000000 ms on, past the
// 24-bit timestamp field, with some messages longer than the 4096-byte
// chunk size, so that headers and continuation chunks carry extended
// timestamps in both directions.
func TestNginxExtendedTimestamps(t *testing.T) {
	base := startNginx(t)
	ctx := testContext(t)
	player := dial(t, base+"/live")
	ps, err := player.CreateStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := player.Play(ctx, ps, "ext"); err != nil {
		t.Fatal(err)
	}
	publisher := dial(t, base+"/live")
	s, err := publisher.CreateStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := publisher.Publish(ctx, s, "ext"); err != nil {
		t.Fatal(err)
	}
	frame := func(i int) []byte {
		if i%3 == 0 {
			return bytes.Repeat(pcmuFrame(i), 60) // 9660 bytes: three chunks
		}
		return pcmuFrame(i)
	}
	const start = 0x1000000
	for i := range 30 {
		if err := publisher.WriteAudio(s, start+uint32(20*i), frame(i)); err != nil {
			t.Fatal(err)
		}
	}
	var first uint32
	for i := range 30 {
		a := recv(t, player.Audio(), "audio from nginx")
		if i == 0 {
			first = a.Timestamp
			t.Logf("first frame at %#x ms", first)
		}
		if !bytes.Equal(a.Data, frame(i)) || a.Timestamp != first+uint32(20*i) {
			t.Fatalf("frame %d: %d bytes at %#x ms; want %d bytes at %#x ms",
				i, len(a.Data), a.Timestamp, len(frame(i)), first+uint32(20*i))
		}
	}
}
