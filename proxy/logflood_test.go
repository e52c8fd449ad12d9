package proxy

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/internal/logbuf"
	"github.com/kazoo-softphone/kazoo/registrar"
)

// countingConn reports each ReadFrom call: when the n+1th starts, the
// nth datagram has been handled (sipgo reads a socket on one goroutine).
type countingConn struct {
	net.PacketConn
	reads chan struct{}
}

func (c *countingConn) ReadFrom(p []byte) (int, net.Addr, error) {
	select {
	case c.reads <- struct{}{}:
	case <-time.After(10 * time.Second):
	}
	return c.PacketConn.ReadFrom(p)
}

// kazoo-dev -log-level debug: 200 unparsable datagrams of 60 KB on the
// SIP UDP port add a few KB of log, not the 12 MB sipgo would write.
func TestHostileDatagramsDoNotFloodADebugLog(t *testing.T) {
	var out logbuf.Buffer
	log := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := New(Config{Domain: "lab.test", Accounts: registrar.NewAccounts("lab.test", nil), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close(); _ = pc.Close() })
	cc := &countingConn{PacketConn: pc, reads: make(chan struct{})}
	if err := p.AttachUDP(cc); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("udp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	next := func() {
		t.Helper()
		select {
		case <-cc.reads:
		case <-time.After(5 * time.Second):
			t.Fatal("the proxy stopped reading its socket")
		}
	}
	next() // the first read has started

	junk := []byte("NOT SIP\r\nProxy-Authorization: Digest username=\"1001\", response=\"secret\"\r\n")
	junk = append(junk, bytes.Repeat([]byte("<img src=x> garbage\r\n"), 60_000/21)...)
	before := len(out.String())
	for range 200 {
		if _, err := c.Write(junk); err != nil {
			t.Fatal(err)
		}
		next() // handled before the next read starts
	}
	grew := len(out.String()) - before
	t.Logf("200 datagrams of %d bytes added %d bytes of log", len(junk), grew)
	if grew > 8<<10 {
		t.Errorf("200 hostile datagrams added %d bytes of log, want at most 8 KB", grew)
	}
	if strings.Contains(out.String(), "secret") {
		t.Error("the log carries a credential")
	}
	if !strings.Contains(out.String(), "failed to parse") {
		t.Error("no unparsable datagram was logged at all")
	}
}
