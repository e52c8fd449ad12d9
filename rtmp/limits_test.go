package rtmp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"runtime"
	"testing"
	"time"
)

// allocated returns the bytes the whole process allocated while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// hostileConnect is a connect command of exactly MaxMessageSize bytes
// whose last value is a strict array of about a million one-byte values
// of the given marker: 16 MiB of interfaces once decoded without a bound.
func hostileConnect(t testing.TB, marker byte) []byte {
	b, err := appendAMF0(nil, "connect", 1.0, map[string]any{"app": "sip/mallory@lab.test"})
	if err != nil {
		t.Fatal(err)
	}
	n := MaxMessageSize - len(b) - 5
	b = append(b, amfStrictArray)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	return append(b, bytes.Repeat([]byte{marker}, n)...)
}

// A 1 MiB message of one-byte values is refused after a bounded number
// of values, whatever their shape, instead of costing 16 bytes or more
// per byte of input.
func TestAMF0DecodedSizeBound(t *testing.T) {
	nested := []byte{} // arrays of one empty array, 32 deep, repeated
	for len(nested) < MaxMessageSize-64 {
		nested = append(nested, amfStrictArray, 0, 0, 0, 1, amfStrictArray, 0, 0, 0, 0)
	}
	keys := []byte{amfObject} // an object of many two-letter keys
	for i := 0; len(keys) < MaxMessageSize-64; i++ {
		keys = append(keys, 0, 2, byte(i>>8), byte(i), amfNull)
	}
	keys = append(keys, 0, 0, amfObjectEnd)
	shapes := map[string][]byte{
		"nulls":           hostileConnect(t, amfNull),
		"undefined":       hostileConnect(t, amfUndefined),
		"values in a row": bytes.Repeat([]byte{amfNull}, MaxMessageSize),
		"empty arrays":    nested,
		"object keys":     keys,
	}
	for name, body := range shapes {
		var err error
		n := allocated(func() { _, err = decodeCommand(message{typ: msgCommandAMF0, body: body}) })
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: decodeCommand = %v, want ErrMalformed", name, err)
		}
		if n > 1<<20 {
			t.Errorf("%s: decoding a %d-byte message allocated %d bytes", name, len(body), n)
		}
		t.Logf("%s: %d bytes allocated", name, n)
	}
	// A command within the bound still decodes.
	args := make([]any, maxAMFValues-10)
	b, _ := appendAMF0(nil, "invite", 2.0, nil, args)
	if cmd, err := decodeCommand(message{typ: msgCommandAMF0, body: b}); err != nil || len(cmd.Args[0].([]any)) != len(args) {
		t.Errorf("a command of %d values: %v", len(args)+4, err)
	}
}

// The gateway's RTMP port under a memory attack: connections each
// sending a 1 MiB connect holding a strict array of about a million
// nulls. Each costs the server at most a few MB, and is closed.
func TestHostileConnectMemory(t *testing.T) {
	_, base := startServer(t, acceptAll(nil))
	cw := newChunkWriter()
	wire := cw.appendMessage(nil, csidCommand, message{typ: msgCommandAMF0, body: hostileConnect(t, amfNull)})
	const conns = 8
	ncs := make([]net.Conn, conns)
	for i := range ncs {
		ncs[i] = rawDial(t, base)
		if err := clientHandshake(ncs[i], ncs[i]); err != nil {
			t.Fatal(err)
		}
	}
	n := allocated(func() {
		for _, nc := range ncs {
			go nc.Write(wire)
		}
		for i, nc := range ncs {
			expectClosed(t, nc, fmt.Sprint("hostile connect ", i))
		}
	})
	per := n / conns
	t.Logf("%d bytes allocated per hostile connect", per)
	if per > 4<<20 {
		t.Errorf("a 1 MiB hostile connect cost %d bytes", per)
	}
}

// A chunk header announcing a 1 MiB message costs what its sender
// actually sent, not the announced length.
func TestAnnouncedLengthIsNotAllocated(t *testing.T) {
	var in []byte
	for csid := byte(3); csid < 7; csid++ { // 4 MiB announced, 4 chunks of 128 bytes sent
		in = append(in, csid, 0, 0, 0, 0x0f, 0xff, 0xff, msgCommandAMF0, 0, 0, 0, 0)
		in = append(in, bytes.Repeat([]byte{amfNull}, defaultChunkSize)...)
	}
	cr := newChunkReader(bytes.NewReader(in))
	n := allocated(func() {
		for {
			if _, err := cr.readMessage(); err != nil {
				break
			}
		}
	})
	if cr.pending != 4*0xfffff {
		t.Fatalf("pending %d", cr.pending)
	}
	if n > 256<<10 {
		t.Errorf("4 headers announcing 4 MiB allocated %d bytes", n)
	}
}

// silentClient handshakes and connects, then reads without ever
// answering: it neither acknowledges nor answers pings.
func silentClient(t *testing.T, base string) net.Conn {
	t.Helper()
	nc := rawDial(t, base)
	if err := clientHandshake(nc, nc); err != nil {
		t.Fatal(err)
	}
	body, _ := appendAMF0(nil, "connect", 1.0, map[string]any{"app": "sip/quiet@lab.test"})
	if _, err := nc.Write(newChunkWriter().appendMessage(nil, csidCommand, message{typ: msgCommandAMF0, body: body})); err != nil {
		t.Fatal(err)
	}
	return nc
}

// After connect, a client that sends nothing is closed after
// IdleTimeout, while a quiet client that answers the server's pings (as
// the relay's Client does while no call runs) stays.
func TestIdleTimeout(t *testing.T) {
	const idle = time.Second
	ended := make(chan error, 4)
	_, base := serve(t, &Server{IdleTimeout: idle, Handler: acceptAll(func(c *ServerConn) {
		go func() {
			<-c.Done()
			ended <- c.Err()
		}()
		go func() {
			for cmd := range c.Commands() {
				c.Reply(cmd.TxID, cmd.Args...)
			}
		}()
	})})
	live := dial(t, base+"/sip/alice@lab.test")
	// Each silent client connects after the live one and is closed an
	// idle timeout later: by the second, the live one has been quiet for
	// more than twice the timeout.
	for i := range 2 {
		start := time.Now()
		nc := silentClient(t, base)
		if err := recv(t, ended, "silent client end"); !errors.Is(err, ErrIdle) {
			t.Fatalf("silent client ended with %v, want ErrIdle", err)
		}
		expectClosed(t, nc, "silent client")
		if d := time.Since(start); d < idle {
			t.Errorf("silent client %d closed after %v, before the idle timeout", i, d)
		}
	}
	select {
	case <-live.Done():
		t.Fatalf("the live client was closed: %v", live.Err())
	default:
	}
	if _, err := live.Call(testContext(t), "echo", "still here"); err != nil {
		t.Fatalf("the live client's call: %v", err)
	}
}

// Connections beyond MaxConns are closed at once; a place that frees up
// is available again.
func TestMaxConns(t *testing.T) {
	_, base := serve(t, &Server{MaxConns: 2, Handler: acceptAll(nil)})
	a := dial(t, base+"/sip/a@lab.test")
	dial(t, base+"/sip/b@lab.test")
	if c, err := Dial(testContext(t), base+"/sip/c@lab.test"); err == nil {
		c.Close()
		t.Fatal("a third connection was served")
	}
	a.Close()
	deadline := time.Now().Add(testTimeout)
	for {
		c, err := Dial(testContext(t), base+"/sip/c@lab.test")
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no place after a connection ended: %v", err)
		}
		time.Sleep(10 * time.Millisecond) // polls for the server to drop a
	}
}
