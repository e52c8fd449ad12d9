package rtmp

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// closeLinger is how long Close waits, after half-closing, for the client
// to close its side, so that a final _error reaches it before any reset.
const closeLinger = time.Second

// maxStreams bounds createStream per connection.
const maxStreams = 16

// connect states of a ServerConn.
const (
	connectPending = iota
	connectAccepted
	connectRejected
)

// ServerConn is the server side of one RTMP connection. The server
// itself answers createStream, publish, play, closeStream and
// deleteStream; every other command reaches Commands. Its methods are
// safe for concurrent use.
type ServerConn struct {
	conn *conn

	// Set by start before the handler runs; read-only afterwards.
	app, tcURL  string
	connectTx   float64
	connectArgs []any

	mu         sync.Mutex
	state      int
	streams    map[uint32]*serverStream
	nextStream uint32
	onPublish  func(stream uint32, name string) error
	onPlay     func(stream uint32, name string) error
	onClose    func(stream uint32, name string)

	commands chan Command
	audio    chan Audio
}

// stream modes
const (
	streamIdle = iota
	streamPublishing
	streamPlaying
)

type serverStream struct {
	mode int
	name string
}

func newServerConn(nc net.Conn) *ServerConn {
	return &ServerConn{
		conn:       newConn(nc),
		streams:    map[uint32]*serverStream{},
		nextStream: 1,
		commands:   make(chan Command, queueSize),
		audio:      make(chan Audio, queueSize),
	}
}

func (c *ServerConn) run() {
	c.conn.readLoop(c.handle)
	close(c.commands)
	close(c.audio)
}

// ConnectRequest returns the application and tcUrl of the client's
// connect command object, and the values after it: for siprtmp the
// authname, password, display name and rate.
func (c *ServerConn) ConnectRequest() (app, tcURL string, args []any) {
	return c.app, c.tcURL, c.connectArgs
}

// RemoteAddr returns the client's network address.
func (c *ServerConn) RemoteAddr() net.Addr { return c.conn.nc.RemoteAddr() }

// AcceptConnect answers connect with _result NetConnection.Connect.Success,
// preceded by Window Acknowledgement Size, Set Peer Bandwidth and
// SetChunkSize 4096. Until then the client's commands are refused.
func (c *ServerConn) AcceptConnect() error {
	if err := c.settle(connectAccepted); err != nil {
		return err
	}
	if err := c.conn.writeControl(msgWindowAckSize, uint32Body(defaultWindow)); err != nil {
		return err
	}
	if err := c.conn.writeControl(msgSetPeerBandwidth, append(uint32Body(defaultWindow), 2)); err != nil {
		return err
	}
	if err := c.conn.setChunkSize(ourChunkSize); err != nil {
		return err
	}
	props := map[string]any{"fmsVer": "FMS/3,5,7,7009", "capabilities": 31.0, "mode": 1.0}
	info := infoObject("status", "NetConnection.Connect.Success", "Connection succeeded.")
	info["objectEncoding"] = 0.0
	return c.conn.writeCommand(Command{Name: "_result", TxID: c.connectTx, Object: props, Args: []any{info}})
}

// RejectConnect answers connect with _error NetConnection.Connect.Rejected
// and description, as siprtmp does when its REGISTER fails. The handler
// then returns (or calls Close).
func (c *ServerConn) RejectConnect(description string) error {
	if err := c.settle(connectRejected); err != nil {
		return err
	}
	info := infoObject("error", "NetConnection.Connect.Rejected", description)
	return c.conn.writeCommand(Command{Name: "_error", TxID: c.connectTx, Args: []any{info}})
}

// settle moves the connect state out of pending, before the answer goes
// out, so that commands sent right after _result are not refused.
func (c *ServerConn) settle(state int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != connectPending {
		return errors.New("rtmp: connect already answered")
	}
	c.state = state
	return nil
}

// OnPublish sets the hook called when the client publishes name on
// stream. Returning an error refuses it with onStatus
// NetStream.Publish.BadName, or with the code of a *[StatusError]. Hooks
// run on the connection's read goroutine: they must not block.
func (c *ServerConn) OnPublish(f func(stream uint32, name string) error) {
	c.mu.Lock()
	c.onPublish = f
	c.mu.Unlock()
}

// OnPlay sets the hook called when the client plays name on stream.
// Returning an error refuses it with onStatus NetStream.Play.StreamNotFound,
// or with the code of a *[StatusError].
func (c *ServerConn) OnPlay(f func(stream uint32, name string) error) {
	c.mu.Lock()
	c.onPlay = f
	c.mu.Unlock()
}

// OnCloseStream sets the hook called when a publishing or playing stream
// ends with closeStream or deleteStream (not when the connection ends).
func (c *ServerConn) OnCloseStream(f func(stream uint32, name string)) {
	c.mu.Lock()
	c.onClose = f
	c.mu.Unlock()
}

// Commands returns the client's commands other than the stream commands
// the server answers itself: siprtmp's invite, accept, bye, … Answer
// those with a TxID other than 0 with Reply or ReplyError. It must be
// drained: when more than 256 wait, the connection ends with
// [ErrSlowConsumer]. It is closed when the connection ends.
func (c *ServerConn) Commands() <-chan Command { return c.commands }

// Audio returns the audio messages of the client's publishing streams.
// When 256 wait unread, newer ones are dropped and counted by
// DroppedAudio.
func (c *ServerConn) Audio() <-chan Audio { return c.audio }

// DroppedAudio returns how many audio messages were dropped because
// Audio was not read fast enough.
func (c *ServerConn) DroppedAudio() uint64 { return c.conn.dropped.Load() }

// Reply answers the command with transaction id txid with _result: a
// null command object, then args.
func (c *ServerConn) Reply(txid float64, args ...any) error {
	return c.conn.writeCommand(Command{Name: "_result", TxID: txid, Args: args})
}

// ReplyError answers the command with transaction id txid with _error and
// an information object of code NetConnection.Call.Failed.
func (c *ServerConn) ReplyError(txid float64, description string) error {
	info := infoObject("error", "NetConnection.Call.Failed", description)
	return c.conn.writeCommand(Command{Name: "_error", TxID: txid, Args: []any{info}})
}

// ReplyBareError answers the command with transaction id txid with
// _error and nothing after the null command object: what rtmplite
// (siprtmp's RTMP server) answers when an RPC's handler raises, such as
// on a wrong number of arguments. [Client.Call] reports it as a
// *[CallError] with an empty Code and Description.
func (c *ServerConn) ReplyBareError(txid float64) error {
	return c.conn.writeCommand(Command{Name: "_error", TxID: txid})
}

// Send sends the command name with transaction id 0, a null command
// object and args on stream 0: a siprtmp callback such as
// Send("invited", from, to).
func (c *ServerConn) Send(name string, args ...any) error {
	return c.conn.writeCommand(Command{Name: name, Args: args})
}

// WriteAudio sends one audio message to a playing stream. data starts
// with the FLV audio tag byte.
func (c *ServerConn) WriteAudio(stream uint32, timestamp uint32, data []byte) error {
	c.mu.Lock()
	st := c.streams[stream]
	playing := st != nil && st.mode == streamPlaying
	c.mu.Unlock()
	if !playing {
		return fmt.Errorf("%w: stream %d", ErrStreamNotActive, stream)
	}
	return c.conn.writeAudio(stream, timestamp, data)
}

// Done is closed when the connection ends.
func (c *ServerConn) Done() <-chan struct{} { return c.conn.done }

// Err returns why the connection ended ([ErrClosed] after Close), or nil
// while it is open.
func (c *ServerConn) Err() error { return c.conn.error() }

// Close closes the connection, giving the client up to a second to close
// its side first.
func (c *ServerConn) Close() error {
	if c.conn.error() == nil {
		c.conn.close(closeLinger)
	}
	return nil
}
