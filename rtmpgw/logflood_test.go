//go:build !js

package rtmpgw

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/internal/logbuf"
)

// ping sends an OPTIONS to the gateway and waits for its answer: the
// gateway reads its socket in order, so everything sent before has been
// handled.
func ping(t *testing.T, c net.Conn, n int) {
	t.Helper()
	callID := fmt.Sprintf("ping-%d", n)
	msg := fmt.Sprintf("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-ping%d\r\nMax-Forwards: 70\r\n"+
		"From: <sip:probe@lab.test>;tag=p\r\nTo: <sip:%s>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		c.RemoteAddr(), c.LocalAddr(), n, c.RemoteAddr(), callID)
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65535)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		k, err := c.Read(buf)
		if err != nil {
			t.Fatalf("no answer to OPTIONS %d: %v", n, err)
		}
		if strings.Contains(string(buf[:k]), callID) {
			return
		}
	}
}

// 200 unparsable datagrams of 60 KB on the SIP port add a few KB of
// log, not the 12 MB sipgo would write; and a response matching no
// transaction is logged by our logger, not sipgo's package-wide one.
func TestHostileDatagramsDoNotFloodTheLog(t *testing.T) {
	var out, def logbuf.Buffer
	level := new(slog.LevelVar) // info, as kazoo-rtmpgw runs by default
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&def, nil)))

	h := &harness{t: t, fake: newFakeSIP(t, nil)}
	gw, err := New(Config{Proxy: h.fake.addr, Logger: slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: level}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Shutdown(t.Context()) })
	c, err := net.Dial("udp", gw.SIPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	junk := []byte("NOT SIP\r\nAuthorization: Digest username=\"1005\", response=\"secret\"\r\n")
	junk = append(junk, bytes.Repeat([]byte("<img src=x> garbage\r\n"), 60_000/21)...)
	before := out.Len()
	for i := range 200 {
		if _, err := c.Write(junk); err != nil {
			t.Fatal(err)
		}
		ping(t, c, i) // the socket buffer holds only a few such datagrams
	}
	grew := out.Len() - before
	t.Logf("200 datagrams of %d bytes added %d bytes of log", len(junk), grew)
	if grew > 8<<10 {
		t.Errorf("200 hostile datagrams added %d bytes of log, want at most 8 KB", grew)
	}
	if strings.Contains(out.String(), "secret") {
		t.Error("the log carries a credential")
	}

	level.Set(slog.LevelDebug)
	stray := fmt.Sprintf("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-nosuchtx\r\n"+
		"From: <sip:a@lab.test>;tag=a\r\nTo: <sip:b@lab.test>;tag=b\r\nCall-ID: stray\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n", gw.SIPAddr())
	if _, err := c.Write([]byte(stray)); err != nil {
		t.Fatal(err)
	}
	ping(t, c, 1000)
	// The stray's line can be written after the ping's answer (seen once
	// in a loaded CI run), so wait for it, bounded.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "matching no transaction") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "matching no transaction") {
		t.Errorf("the stray response is not in our log:\n%s", out.String())
	}
	if s := def.String(); s != "" {
		t.Errorf("sipgo wrote to the default logger: %s", s)
	}
}
