package rtmp

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// dialTimeout bounds the handshake and connect when ctx has no deadline.
const dialTimeout = 10 * time.Second

// flashVer is sent in the connect command object.
const flashVer = "LNX 11,2,202,235"

// Client is the client side of an RTMP connection, as kazoo's relay uses
// it toward a siprtmp gateway. Its methods are safe for concurrent use.
type Client struct {
	conn *conn

	mu      sync.Mutex
	nextTx  float64
	pending map[float64]chan Command // _result/_error awaited, by transaction id
	waiters map[uint32]*statusWaiter // publish/play awaiting onStatus, by stream

	commands chan Command
	status   chan Command
	audio    chan Audio
	onAudio  atomic.Pointer[func(Audio)]
}

// statusWaiter is a Publish or Play waiting for its onStatus.
type statusWaiter struct {
	want string // the success code
	ch   chan error
}

// Dial connects to rawURL, rtmp://host[:port]/app, and sends connect with
// args after the command object. The whole path is the application, so
// rtmp://gw/sip/alice@lab.test connects to app "sip/alice@lab.test", as
// siprtmp expects; tcUrl is rawURL. Dial returns once the server answers
// _result; an _error answer is a *[ConnectError]. The handshake and
// connect are bounded by ctx, or 10 s when it has no deadline.
func Dial(ctx context.Context, rawURL string, args ...any) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("rtmp: %w", err)
	}
	app := strings.TrimPrefix(u.Path, "/")
	if u.Scheme != "rtmp" || u.Hostname() == "" || app == "" {
		return nil, fmt.Errorf("rtmp: %q is not rtmp://host[:port]/app", rawURL)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "1935")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, dialTimeout)
		defer cancel()
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, fmt.Errorf("rtmp: %w", err)
	}
	c := newClient(nc)
	if err := c.handshake(ctx); err != nil {
		_ = nc.Close()
		return nil, err
	}
	go c.run()
	obj := map[string]any{"app": app, "tcUrl": rawURL, "flashVer": flashVer, "objectEncoding": 0.0}
	res, err := c.transact(ctx, Command{Name: "connect", TxID: 1, Object: obj, Args: args})
	if err == nil && res.Name == "_error" {
		code, desc := infoFields(res.Args)
		err = &ConnectError{Code: code, Description: desc}
	}
	if err == nil {
		err = c.conn.setChunkSize(ourChunkSize)
	}
	if err != nil {
		c.conn.close(0)
		return nil, err
	}
	return c, nil
}

func newClient(nc net.Conn) *Client {
	return &Client{
		conn:     newConn(nc),
		nextTx:   2, // 1 is connect
		pending:  map[float64]chan Command{},
		waiters:  map[uint32]*statusWaiter{},
		commands: make(chan Command, queueSize),
		status:   make(chan Command, queueSize),
		audio:    make(chan Audio, queueSize),
	}
}

// handshake runs the handshake under ctx's deadline and cancellation.
func (c *Client) handshake(ctx context.Context) error {
	nc := c.conn.nc
	deadline, _ := ctx.Deadline()
	_ = nc.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	err := clientHandshake(c.conn.br, nc)
	if !stop() {
		return fmt.Errorf("rtmp: handshake: %w", ctx.Err())
	}
	if err != nil {
		return err
	}
	return nc.SetDeadline(time.Time{})
}

func (c *Client) run() {
	c.conn.readLoop(c.handle)
	close(c.commands)
	close(c.status)
	close(c.audio)
}

func (c *Client) handle(m message) error {
	switch m.typ {
	case msgAudio:
		a := Audio{StreamID: m.streamID, Timestamp: m.ts, Data: m.body}
		if f := c.onAudio.Load(); f != nil {
			(*f)(a)
			c.conn.cr.release(m) // f is done with a.Data
			return nil
		}
		c.conn.deliverAudio(c.audio, a)
	case msgCommandAMF0, msgCommandAMF3:
		cmd, err := decodeCommand(m)
		if err != nil {
			return err
		}
		return c.dispatch(cmd)
	}
	return nil // video, data (onMetaData, |RtmpSampleAccess) and others
}

func (c *Client) dispatch(cmd Command) error {
	switch cmd.Name {
	case "_result", "_error":
		c.mu.Lock()
		ch := c.pending[cmd.TxID]
		delete(c.pending, cmd.TxID)
		c.mu.Unlock()
		if ch != nil {
			ch <- cmd // buffered; answers to abandoned calls are dropped
		}
		return nil
	case "onStatus":
		c.checkWaiter(cmd)
		return deliver(c.status, cmd)
	}
	return deliver(c.commands, cmd)
}

// checkWaiter completes a Publish or Play waiting on cmd's stream when
// cmd is its success code or an error.
func (c *Client) checkWaiter(cmd Command) {
	level, code, desc := statusInfo(cmd)
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.waiters[cmd.StreamID]
	if w == nil {
		return
	}
	switch {
	case code == w.want:
		w.ch <- nil
	case level == "error" || strings.HasSuffix(code, ".BadName"):
		w.ch <- &StatusError{Code: code, Description: desc}
	default:
		return // e.g. NetStream.Play.Reset before NetStream.Play.Start
	}
	delete(c.waiters, cmd.StreamID)
}

// transact sends cmd and waits for the _result or _error with its
// transaction id.
func (c *Client) transact(ctx context.Context, cmd Command) (Command, error) {
	ch := make(chan Command, 1)
	c.mu.Lock()
	c.pending[cmd.TxID] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, cmd.TxID)
		c.mu.Unlock()
	}()
	if err := c.conn.writeCommand(cmd); err != nil {
		return Command{}, err
	}
	select {
	case res := <-ch:
		return res, nil
	case <-ctx.Done():
		return Command{}, ctx.Err()
	case <-c.conn.done:
		select {
		case res := <-ch:
			return res, nil
		default:
			return Command{}, c.conn.err
		}
	}
}

// Call sends the command name (null command object, then args) on stream
// 0 and waits for the answer: the values of its _result after the
// command object, or a *[CallError] for _error. When ctx ends first, Call
// returns ctx.Err() and the connection stays usable; a late answer is
// discarded.
func (c *Client) Call(ctx context.Context, name string, args ...any) ([]any, error) {
	c.mu.Lock()
	txid := c.nextTx
	c.nextTx++
	c.mu.Unlock()
	res, err := c.transact(ctx, Command{Name: name, TxID: txid, Args: args})
	if err != nil {
		return nil, err
	}
	if res.Name == "_error" {
		code, desc := infoFields(res.Args)
		return nil, &CallError{Name: name, Code: code, Description: desc, Args: res.Args}
	}
	return res.Args, nil
}

// CreateStream asks for a new message stream and returns its id.
func (c *Client) CreateStream(ctx context.Context) (uint32, error) {
	res, err := c.Call(ctx, "createStream")
	if err != nil {
		return 0, err
	}
	if len(res) > 0 {
		if id, ok := res[0].(float64); ok && id >= 1 && id <= 0xFFFFFFFF && id == float64(uint32(id)) {
			return uint32(id), nil
		}
	}
	return 0, fmt.Errorf("%w: createStream answered %v", ErrMalformed, res)
}

// Publish sends publish(null, name, "live") on stream and waits for
// onStatus NetStream.Publish.Start; an error status, such as
// NetStream.Publish.BadName, is a *[StatusError].
func (c *Client) Publish(ctx context.Context, stream uint32, name string) error {
	cmd := Command{Name: "publish", Args: []any{name, "live"}, StreamID: stream}
	return c.startStream(ctx, cmd, "NetStream.Publish.Start")
}

// Play sends play(null, name) on stream and waits for onStatus
// NetStream.Play.Start; an error status is a *[StatusError].
func (c *Client) Play(ctx context.Context, stream uint32, name string) error {
	cmd := Command{Name: "play", Args: []any{name}, StreamID: stream}
	return c.startStream(ctx, cmd, "NetStream.Play.Start")
}

func (c *Client) startStream(ctx context.Context, cmd Command, want string) error {
	w := &statusWaiter{want: want, ch: make(chan error, 1)}
	c.mu.Lock()
	if c.waiters[cmd.StreamID] != nil {
		c.mu.Unlock()
		return fmt.Errorf("rtmp: stream %d already has a publish or play pending", cmd.StreamID)
	}
	c.waiters[cmd.StreamID] = w
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if c.waiters[cmd.StreamID] == w {
			delete(c.waiters, cmd.StreamID)
		}
		c.mu.Unlock()
	}()
	if err := c.conn.writeCommand(cmd); err != nil {
		return err
	}
	select {
	case err := <-w.ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-c.conn.done:
		return c.conn.err
	}
}

// CloseStream sends closeStream on stream, ending its publishing or
// playing. No answer is expected.
func (c *Client) CloseStream(stream uint32) error {
	return c.conn.writeCommand(Command{Name: "closeStream", StreamID: stream})
}

// DeleteStream sends deleteStream(null, stream) on stream 0. Servers send
// no answer, so it returns once the command is written; ctx only stops
// it from being sent when already done.
func (c *Client) DeleteStream(ctx context.Context, stream uint32) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.conn.writeCommand(Command{Name: "deleteStream", Args: []any{float64(stream)}})
}

// WriteAudio sends one audio message on stream with timestamp ms. data
// starts with the FLV audio tag byte; siprtmp expects exactly 20 ms of
// audio per message (0x82 and 160 bytes of PCMU).
func (c *Client) WriteAudio(stream uint32, timestamp uint32, data []byte) error {
	return c.conn.writeAudio(stream, timestamp, data)
}

// Commands returns every command from the server that is not an answer
// to a call or an onStatus: siprtmp's callbacks (ringing, accepted,
// invited, …) and anything else. It must be drained: when more than 256
// commands wait, the connection ends with [ErrSlowConsumer]. It is
// closed when the connection ends.
func (c *Client) Commands() <-chan Command { return c.commands }

// Status returns the onStatus commands on every stream, including those
// that completed Publish and Play. It must be drained like Commands.
func (c *Client) Status() <-chan Command { return c.status }

// Audio returns the audio messages received on playing streams. When
// 256 wait unread, newer ones are dropped and counted by DroppedAudio.
func (c *Client) Audio() <-chan Audio { return c.audio }

// OnAudio makes f receive the audio messages instead of the Audio
// channel, with no goroutine and no allocation per message: f runs on the
// connection's read loop, must return quickly (it holds up everything
// the server sends) and may use a.Data only until it returns. Set it
// before audio can arrive, i.e. before Play.
func (c *Client) OnAudio(f func(Audio)) { c.onAudio.Store(&f) }

// DroppedAudio returns how many audio messages were dropped because
// Audio was not read fast enough.
func (c *Client) DroppedAudio() uint64 { return c.conn.dropped.Load() }

// Done is closed when the connection ends.
func (c *Client) Done() <-chan struct{} { return c.conn.done }

// Err returns why the connection ended ([ErrClosed] after Close), or nil
// while it is open.
func (c *Client) Err() error { return c.conn.error() }

// Close closes the connection.
func (c *Client) Close() error {
	if c.conn.error() != nil {
		return nil
	}
	c.conn.close(0)
	return nil
}
