package sip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/internal/logcap"
)

// Subprotocol is the WebSocket subprotocol for SIP (RFC 7118 §4.1).
const Subprotocol = "sip"

// readLimit bounds one incoming WebSocket message (one SIP message,
// RFC 7118 §5.1). Larger messages close the connection.
const readLimit = 256 << 10

// parser reads the SIP messages of a WebSocket up to readLimit (sipgo's
// default parser drops anything over 65535 bytes, so that a MESSAGE of
// 64 KiB, headers included, could neither be read nor refused with 413).
var parser = func() *sipgo.Parser {
	p := sipgo.NewParser()
	p.MaxMessageLength = readLimit
	return p
}()

// writeTimeout bounds a single WebSocket write.
const writeTimeout = 10 * time.Second

// WSConn is one SIP-over-WebSocket connection (RFC 7118). It implements
// sipgo's Connection so client and server transactions write through it.
// Its lifetime belongs to its owner, not to the transactions: Ref and
// TryClose never close it (every sipgo transaction calls TryClose when it
// ends).
type WSConn struct {
	ws        *websocket.Conn
	transport string       // "WS" or "WSS", as written in Via (RFC 7118 §5.2)
	remote    string       // host:port of the server
	viaHost   string       // a random .invalid host for Via and Contact
	log       *slog.Logger // traces: whole messages, at debug
	capped    *slog.Logger // what the server's input decides: capped

	writeMu sync.Mutex

	mu     sync.Mutex
	err    error // why the connection ended; nil while open
	done   chan struct{}
	closed bool

	pongs atomic.Uint64 // CRLF keepalive answers received
}

// DialWS opens a WebSocket to rawURL offering the "sip" subprotocol.
// A failure is a *DialError. logger may be nil.
func DialWS(ctx context.Context, rawURL string, logger *slog.Logger) (*WSConn, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return nil, &DialError{URL: rawURL, Reason: "the URL is not a ws:// or wss:// URL", Err: err}
	}
	if logger == nil {
		logger = discardLogger
	}
	ws, _, err := websocket.Dial(ctx, rawURL, &websocket.DialOptions{Subprotocols: []string{Subprotocol}})
	if err != nil {
		return nil, &DialError{URL: rawURL, Reason: dialReason(err), Err: err}
	}
	if p := ws.Subprotocol(); p != Subprotocol {
		ws.Close(websocket.StatusProtocolError, "sip subprotocol required")
		return nil, &DialError{URL: rawURL, Reason: fmt.Sprintf("the server did not accept the %q WebSocket subprotocol (it chose %q)", Subprotocol, p)}
	}
	ws.SetReadLimit(readLimit)
	transport := "WS"
	if u.Scheme == "wss" {
		transport = "WSS"
	}
	remote := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "wss" {
			port = "443"
		}
		remote = net.JoinHostPort(u.Hostname(), port)
	}
	return &WSConn{
		ws:        ws,
		transport: transport,
		remote:    remote,
		viaHost:   RandomToken(12) + ".invalid",
		log:       logger,
		capped:    logcap.Logger(logger),
		done:      make(chan struct{}),
	}, nil
}

// dialReason explains a native dial error in words a page developer can
// act on. It returns "" when the error says nothing useful, which is what
// the browser gives.
func dialReason(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	msg := err.Error()
	switch {
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("the host name %q does not resolve", dnsErr.Name)
	case strings.Contains(msg, "connection refused"):
		return "the connection was refused: nothing listens on that port"
	case strings.Contains(msg, "expected handshake response status code 101"):
		return "the server answered HTTP but refused the WebSocket upgrade (wrong path, or not a SIP WebSocket server)"
	case strings.Contains(msg, "subprotocol"):
		return fmt.Sprintf("the server did not accept the %q WebSocket subprotocol", Subprotocol)
	case errors.Is(err, context.DeadlineExceeded):
		return "the connection timed out: the host did not answer"
	case errors.As(err, &opErr):
		return fmt.Sprintf("the network refused the connection (%s)", opErr.Err)
	case errors.Is(err, net.ErrClosed):
		return ""
	}
	return ""
}

// Serve reads messages until the connection ends and hands each parsed
// SIP message to handle, on the reading goroutine. It returns at once;
// Done is closed when the connection ends.
func (c *WSConn) Serve(handle func(sipgo.Message)) {
	go c.readLoop(handle)
}

func (c *WSConn) readLoop(handle func(sipgo.Message)) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("SIP reader stopped by an internal error", "panic", fmt.Sprint(p))
			c.finish(fmt.Errorf("sip: internal error while reading: %v", p))
			_ = c.ws.CloseNow()
		}
	}()
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.finish(err)
			return
		}
		if len(bytes.TrimSpace(data)) == 0 {
			c.pongs.Add(1) // RFC 5626 §4.4.1: a CRLF pong (or a ping)
			continue
		}
		c.trace("SIP received", string(data))
		msg, err := parser.ParseSIP(data)
		if err != nil {
			c.capped.Warn("dropped an unparsable SIP message", "error", err, "bytes", len(data))
			continue
		}
		msg.SetTransport(c.transport)
		msg.SetSource(c.remote)
		handle(msg)
	}
}

// finish records why the connection ended, once.
func (c *WSConn) finish(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	if c.closed {
		err = ErrClosed
	} else if err == nil {
		err = ErrClosed
	}
	c.err = err
	close(c.done)
}

// Done is closed when the connection has ended, for any reason.
func (c *WSConn) Done() <-chan struct{} { return c.done }

// Err tells why the connection ended: ErrClosed after Close, the read
// error when the server or the network dropped it, nil while open.
func (c *WSConn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Transport is "WS" or "WSS", the Via transport of this connection.
func (c *WSConn) Transport() string { return c.transport }

// Host is the random .invalid host this connection uses in Via and
// Contact (RFC 7118 §5.2: the browser has no address of its own to give).
func (c *WSConn) Host() string { return c.viaHost }

// Remote is the server's host:port.
func (c *WSConn) Remote() string { return c.remote }

// WriteMsg sends one SIP message as one text frame.
func (c *WSConn) WriteMsg(msg sipgo.Message) error {
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	text := msg.String()
	c.trace("SIP sent", text)
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.ws.Write(ctx, websocket.MessageText, []byte(text))
}

// trace logs a whole SIP message at debug level, credentials redacted.
func (c *WSConn) trace(what, text string) {
	if c.log.Enabled(context.Background(), slog.LevelDebug) {
		c.log.Debug(what, "server", c.remote, "message", logcap.Redact(text))
	}
}

// Ping sends an RFC 5626 §4.4.1 keepalive (CRLFCRLF); the server answers
// CRLF, counted by Pongs.
func (c *WSConn) Ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.ws.Write(ctx, websocket.MessageText, []byte("\r\n\r\n"))
}

// Pongs counts the keepalive answers received so far.
func (c *WSConn) Pongs() uint64 { return c.pongs.Load() }

// Abort drops the connection as lost: Err reports why (not ErrClosed).
func (c *WSConn) Abort(why error) {
	c.finish(why)
	go c.ws.CloseNow() // in a browser this waits for the closing handshake
}

// Close closes the WebSocket normally. Err then reports ErrClosed.
func (c *WSConn) Close() error {
	c.mu.Lock()
	already := c.closed
	ended := c.err != nil
	c.closed = true
	c.mu.Unlock()
	if already {
		return nil
	}
	if ended {
		// Already lost: no closing handshake to wait for.
		_ = c.ws.CloseNow()
		return nil
	}
	err := c.ws.Close(websocket.StatusNormalClosure, "")
	c.finish(ErrClosed)
	return err
}

// LocalAddr is a placeholder: a browser socket has no address it can know.
func (c *WSConn) LocalAddr() net.Addr { return wsAddr(c.viaHost) }

// Ref does nothing: the owner closes the connection, not transactions.
func (c *WSConn) Ref(int) int { return 1 }

// TryClose does nothing, for the same reason.
func (c *WSConn) TryClose() (int, error) { return 1, nil }

type wsAddr string

func (a wsAddr) Network() string { return "ws" }
func (a wsAddr) String() string  { return string(a) }
