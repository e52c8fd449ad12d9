package rtmp

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// writeTimeout bounds one write to the peer; a peer that does not read
// for this long is considered gone. The deadline is moved on at most once
// per deadlineStep (setting it costs a timer update), so a write has
// between writeTimeout and writeTimeout+deadlineStep.
const (
	writeTimeout = 10 * time.Second
	deadlineStep = time.Second
)

// Audio is one audio message (type 8). Data starts with the FLV audio tag
// byte, e.g. 0x82 for PCMU 8 kHz mono, followed by the codec payload.
type Audio struct {
	StreamID  uint32
	Timestamp uint32 // ms
	Data      []byte
}

// queueSize is the capacity of the Commands, Status and Audio channels.
const queueSize = 256

// conn is what client and server connections share: the chunk reader
// and writer over one net.Conn, the protocol control messages (§5.4),
// user control pings (§7.1.7) and acknowledgements.
type conn struct {
	nc     net.Conn
	count  *countingReader
	br     *bufio.Reader
	cr     *chunkReader
	closed atomic.Bool // the owner asked to close

	// idle, when not zero, ends the connection when no message arrives
	// for that long; set before the read loop starts.
	idle     time.Duration
	lastRead atomic.Int64 // unix nanoseconds of the last message, with idle

	// Used by the read loop only.
	ackWindow  uint32 // the peer's Window Acknowledgement Size
	lastAck    uint64 // bytes received when the last Acknowledgement went out
	sentWindow uint32 // the window we last told the peer

	wmu      sync.Mutex
	cw       *chunkWriter
	wbuf     []byte
	deadline time.Time // the write deadline set last

	dropped  atomic.Uint64 // audio messages dropped on a full queue
	done     chan struct{}
	readDone chan struct{}
	once     sync.Once
	err      error // set once, before done is closed
}

type countingReader struct {
	r io.Reader
	n atomic.Uint64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(uint64(n))
	return n, err
}

func newConn(nc net.Conn) *conn {
	count := &countingReader{r: nc}
	br := bufio.NewReaderSize(count, 16<<10)
	return &conn{
		nc: nc, count: count, br: br, cr: newChunkReader(br), cw: newChunkWriter(),
		done: make(chan struct{}), readDone: make(chan struct{}),
	}
}

// fail ends the connection with err, unless it already ended.
func (c *conn) fail(err error) {
	c.once.Do(func() {
		if c.closed.Load() || err == nil {
			err = ErrClosed
		}
		c.err = err
		_ = c.nc.Close()
		close(c.done)
	})
}

// close ends the connection on the owner's behalf. With linger > 0 it
// first half-closes and waits up to linger for the peer to close too, so
// that the last messages are not lost to a TCP reset.
func (c *conn) close(linger time.Duration) {
	c.closed.Store(true)
	if hc, ok := c.nc.(interface{ CloseWrite() error }); ok && linger > 0 {
		c.wmu.Lock()
		_ = hc.CloseWrite()
		c.wmu.Unlock()
		select {
		case <-c.readDone:
		case <-c.done:
		case <-time.After(linger):
		}
	}
	c.fail(ErrClosed)
}

// error returns why the connection ended, or nil while it is open.
func (c *conn) error() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

func (c *conn) write(csid uint32, m message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(csid, m)
}

func (c *conn) writeLocked(csid uint32, m message) error {
	if len(m.body) > MaxMessageSize {
		return fmt.Errorf("%w: %d bytes to send", ErrTooLarge, len(m.body))
	}
	if err := c.error(); err != nil {
		return err
	}
	c.wbuf = c.cw.appendMessage(c.wbuf[:0], csid, m)
	if now := time.Now(); c.deadline.Sub(now) < writeTimeout {
		c.deadline = now.Add(writeTimeout + deadlineStep)
		_ = c.nc.SetWriteDeadline(c.deadline)
	}
	if _, err := c.nc.Write(c.wbuf); err != nil {
		c.fail(err)
		return c.error()
	}
	if cap(c.wbuf) > 64<<10 {
		c.wbuf = nil // do not keep a large buffer after a large message
	}
	return nil
}

func (c *conn) writeControl(typ uint8, body []byte) error {
	return c.write(csidControl, message{typ: typ, body: body})
}

func (c *conn) writeCommand(cmd Command) error {
	body, err := encodeCommand(cmd)
	if err != nil {
		return err
	}
	csid := uint32(csidCommand)
	if cmd.StreamID != 0 {
		csid = csidStreamCommand
	}
	return c.write(csid, message{typ: msgCommandAMF0, streamID: cmd.StreamID, body: body})
}

func (c *conn) writeAudio(stream, ts uint32, data []byte) error {
	if len(data) == 0 {
		return errors.New("rtmp: empty audio message")
	}
	return c.write(csidAudio, message{typ: msgAudio, ts: ts, streamID: stream, body: data})
}

// setChunkSize announces n with SetChunkSize and then uses it.
func (c *conn) setChunkSize(n uint32) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.writeLocked(csidControl, message{typ: msgSetChunkSize, body: uint32Body(n)}); err != nil {
		return err
	}
	c.cw.chunkSize = n
	return nil
}

// deliver queues v without blocking the read loop; a full queue means
// the owner stopped reading it.
func deliver[T any](ch chan T, v T) error {
	select {
	case ch <- v:
		return nil
	default:
		return ErrSlowConsumer
	}
}

// deliverAudio queues a, dropping it when the owner is behind: late audio
// is worth less than the connection.
func (c *conn) deliverAudio(ch chan Audio, a Audio) {
	select {
	case ch <- a:
	default:
		c.dropped.Add(1)
	}
}

// readMessage reads the next message that is not a protocol control
// message, handling those on the way.
func (c *conn) readMessage() (message, error) {
	for {
		if c.idle > 0 {
			now := time.Now()
			c.lastRead.Store(now.UnixNano())
			_ = c.nc.SetReadDeadline(now.Add(c.idle))
		}
		m, err := c.cr.readMessage()
		if err != nil {
			if c.idle > 0 && errors.Is(err, os.ErrDeadlineExceeded) {
				err = fmt.Errorf("%w: nothing received for %v", ErrIdle, c.idle)
			}
			return m, err
		}
		if err := c.acknowledge(); err != nil {
			return m, err
		}
		if m.typ > msgSetPeerBandwidth {
			return m, nil
		}
		if err := c.control(m); err != nil {
			return m, err
		}
	}
}

// readLoop hands every other message to handle until an error, then
// ends the connection.
func (c *conn) readLoop(handle func(message) error) {
	defer close(c.readDone)
	for {
		m, err := c.readMessage()
		if err == nil {
			err = handle(m)
		}
		if err != nil {
			c.fail(err)
			return
		}
	}
}

// pinger sends a ping request (§7.1.7) once interval passed without a
// message from the peer, and again every half interval while that lasts,
// until the connection ends; the peer's ping response keeps a quiet
// connection within the idle timeout. With interval a third of the idle
// timeout, the first ping goes out by half of it, leaving the peer the
// other half to answer.
func (c *conn) pinger(interval time.Duration) {
	t := time.NewTicker(interval / 2)
	defer t.Stop()
	start := time.Now()
	for {
		select {
		case <-c.done:
			return
		case now := <-t.C:
			if now.Sub(time.Unix(0, c.lastRead.Load())) < interval {
				continue
			}
			ms := uint32(now.Sub(start).Milliseconds())
			if c.writeControl(msgUserControl, userControlBody(eventPingRequest, ms)) != nil {
				return
			}
		}
	}
}

// acknowledge sends an Acknowledgement each time a window's worth of
// bytes has arrived since the last one (§5.4.3).
func (c *conn) acknowledge() error {
	n := c.count.n.Load()
	if c.ackWindow == 0 || n-c.lastAck < uint64(c.ackWindow) {
		return nil
	}
	c.lastAck = n
	return c.writeControl(msgAck, uint32Body(uint32(n)))
}

// controlSize is the shortest valid body of each control message.
var controlSize = [...]int{msgSetChunkSize: 4, msgAbort: 4, msgAck: 4, msgUserControl: 2,
	msgWindowAckSize: 4, msgSetPeerBandwidth: 5}

func (c *conn) control(m message) error {
	need := controlSize[m.typ]
	if len(m.body) < need {
		return fmt.Errorf("%w: %d-byte control message of type %d", ErrMalformed, len(m.body), m.typ)
	}
	var v uint32
	if need >= 4 {
		v = binary.BigEndian.Uint32(m.body)
	}
	switch m.typ {
	case msgSetChunkSize:
		return c.cr.setChunkSize(v)
	case msgAbort:
		c.cr.abort(v)
	case msgWindowAckSize:
		c.ackWindow = v
	case msgSetPeerBandwidth:
		// The receiver answers with its Window Acknowledgement Size when
		// the window changed (§5.4.5).
		if v != c.sentWindow {
			c.sentWindow = v
			return c.writeControl(msgWindowAckSize, uint32Body(v))
		}
	case msgUserControl:
		event := binary.BigEndian.Uint16(m.body)
		if event == eventPingRequest && len(m.body) >= 6 {
			ts := binary.BigEndian.Uint32(m.body[2:])
			return c.writeControl(msgUserControl, userControlBody(eventPingResponse, ts))
		}
	}
	return nil
}
