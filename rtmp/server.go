package rtmp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"time"
)

// Handler serves one RTMP connection. ServeRTMP is called after the
// handshake, once the client's connect has arrived; it must answer with
// AcceptConnect or RejectConnect. The connection is closed when
// ServeRTMP returns, so a handler that keeps it waits for Done.
type Handler interface {
	ServeRTMP(*ServerConn)
}

// HandlerFunc adapts a function to [Handler].
type HandlerFunc func(*ServerConn)

// ServeRTMP calls f(c).
func (f HandlerFunc) ServeRTMP(c *ServerConn) { f(c) }

// Server accepts RTMP connections and hands each to Handler in its own
// goroutine.
type Server struct {
	Handler Handler

	// HandshakeTimeout bounds the handshake and the wait for connect;
	// 10 s when zero.
	HandshakeTimeout time.Duration

	// IdleTimeout closes a connection once connected when no message
	// from the client (not even a ping response or an acknowledgement)
	// completes for this long; 60 s when zero, never when negative. So
	// that a live but quiet client is not cut, the server sends a ping
	// request after a third to a half of it without a message (and again
	// while the silence lasts), which every RTMP client (Flash, ffmpeg,
	// this package's Client) answers.
	IdleTimeout time.Duration

	// MaxConns bounds the connections served at once, connected or
	// still in the handshake; the ones beyond it are closed as soon as
	// they are accepted. Zero means no bound.
	MaxConns int

	// Logger receives connection errors at debug level and handler panics
	// at error level; nil discards them.
	Logger *slog.Logger

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*ServerConn]struct{}
	shutdown  bool
	wg        sync.WaitGroup
	warned    time.Time // when the last "too many connections" went out
}

// Serve accepts connections on l for h until l fails.
func Serve(l net.Listener, h Handler) error {
	return (&Server{Handler: h}).Serve(l)
}

// Serve accepts connections on l until l fails or Shutdown is called, in
// which case it returns [ErrServerClosed].
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		return ErrServerClosed
	}
	if s.listeners == nil {
		s.listeners = map[net.Listener]struct{}{}
		s.conns = map[*ServerConn]struct{}{}
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			down := s.shutdown
			s.mu.Unlock()
			if down {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		sc := newServerConn(nc)
		switch s.track(sc) {
		case errFull:
			_ = nc.Close()
			continue
		case ErrServerClosed:
			_ = nc.Close()
			return ErrServerClosed
		}
		go s.serveConn(sc)
	}
}

var errFull = errors.New("rtmp: too many connections")

// track adds a connection; it refuses new ones after Shutdown
// ([ErrServerClosed]) and beyond MaxConns (errFull).
func (s *Server) track(sc *ServerConn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return ErrServerClosed
	}
	if s.MaxConns > 0 && len(s.conns) >= s.MaxConns {
		if now := time.Now(); now.Sub(s.warned) >= 10*time.Second {
			s.warned = now
			s.logger().Warn("rtmp: connection refused: too many connections", "max", s.MaxConns,
				"remote", sc.conn.nc.RemoteAddr().String())
		}
		return errFull
	}
	s.conns[sc] = struct{}{}
	s.wg.Add(1)
	return nil
}

// untrack removes a connection that ended.
func (s *Server) untrack(sc *ServerConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, sc)
	s.wg.Done()
}

// Shutdown stops the listeners, closes every connection and waits for
// the handlers to return or ctx to end.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutdown = true
	for l := range s.listeners {
		_ = l.Close()
	}
	for sc := range s.conns {
		sc.conn.close(0)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Server) serveConn(sc *ServerConn) {
	defer s.untrack(sc)
	log := s.logger().With("remote", sc.conn.nc.RemoteAddr().String())
	if err := sc.start(s.timeout()); err != nil {
		log.Debug("rtmp: connection refused before connect", "err", err)
		sc.conn.fail(err)
		return
	}
	if idle := s.idleTimeout(); idle > 0 {
		sc.conn.idle = idle
		go sc.conn.pinger(idle / 3)
	}
	go sc.run()
	defer func() {
		if p := recover(); p != nil {
			log.Error("rtmp: handler panic", "panic", p, "stack", string(debug.Stack()))
		}
		sc.Close()
		<-sc.conn.readDone
		if err := sc.conn.err; !errors.Is(err, ErrClosed) {
			log.Debug("rtmp: connection ended", "err", err)
		}
	}()
	if s.Handler != nil {
		s.Handler.ServeRTMP(sc)
	}
}

// defaultIdleTimeout is IdleTimeout when zero; nginx-rtmp's default ping
// interval and timeout add up to about the same.
const defaultIdleTimeout = 60 * time.Second

func (s *Server) idleTimeout() time.Duration {
	if s.IdleTimeout == 0 {
		return defaultIdleTimeout
	}
	return max(s.IdleTimeout, 0)
}

func (s *Server) timeout() time.Duration {
	if s.HandshakeTimeout > 0 {
		return s.HandshakeTimeout
	}
	return dialTimeout
}

// start runs the handshake and reads messages up to connect.
func (sc *ServerConn) start(timeout time.Duration) error {
	nc := sc.conn.nc
	_ = nc.SetDeadline(time.Now().Add(timeout))
	if err := serverHandshake(sc.conn.br, nc); err != nil {
		return err
	}
	for {
		m, err := sc.conn.readMessage()
		if err != nil {
			return err
		}
		if m.typ != msgCommandAMF0 && m.typ != msgCommandAMF3 {
			continue
		}
		cmd, err := decodeCommand(m)
		if err != nil {
			return err
		}
		if cmd.Name != "connect" || cmd.StreamID != 0 {
			return fmt.Errorf("%w: %q before connect", ErrMalformed, cmd.Name)
		}
		obj, _ := cmd.Object.(map[string]any)
		sc.app, _ = obj["app"].(string)
		sc.tcURL, _ = obj["tcUrl"].(string)
		sc.connectTx, sc.connectArgs = cmd.TxID, cmd.Args
		sc.conn.wmu.Lock()
		sc.conn.deadline = time.Time{} // cleared below: the next write sets one
		sc.conn.wmu.Unlock()
		return nc.SetDeadline(time.Time{})
	}
}
