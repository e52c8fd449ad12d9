package relay

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/kazoo-softphone/kazoo/relaywire"
)

// methods are the RPCs a browser may ask the gateway for.
var methods = map[string]bool{
	"invite": true, "accept": true, "reject": true, "bye": true,
	"sendDTMF": true, "hold": true, "transfer": true,
}

// closeGrace bounds waiting for the browser's answer to our close frame.
const closeGrace = time.Second

// session is one browser WebSocket and its gateway connection.
type session struct {
	srv *Server
	ws  *websocket.Conn

	out   chan any     // JSON to the browser
	audio chan *[]byte // binary to the browser, from framePool; dropped when full
	steps chan func()  // media steps, run in order (inOrder)
	done  chan struct{}
	once  sync.Once

	// Used by the read loop only: the last frame read and the uplink
	// message built from it, reused frame after frame.
	rbuf, ubuf []byte
	// lastRead is when the read loop last got a frame (UnixNano), for
	// the idle watchdog; writeStart is when the writer's current write
	// began (0: none), for the write watchdog. Watchdogs check these
	// rather than having a timer reset per frame.
	lastRead, writeStart atomic.Int64

	// up is set once, under mu, by connect, unless the session stopped
	// meanwhile; stop reads it under mu. The goroutines connect starts
	// afterwards read it without the lock.
	up Upstream

	// The keys the server's caps count this session by, under the
	// server's lock: the client address, and the account once the hello
	// named it.
	addr    string
	aor     string
	aorHeld bool

	mu      sync.Mutex
	stopped bool         // stop ran: an upstream that arrives now is closed at once
	log     *slog.Logger // gains the gateway in connect
	phase   string       // idle, inviting, incoming, active
	byeWait uint64       // moves on at a bye of a pending invite and at each call end
	media   bool         // RTMP streams publish/play running
	codec   byte         // FLV sound format of the call: 8 PCMU, 7 PCMA
	pub     uint32       // stream publishing "local"
	play    uint32       // stream playing "remote"
	seq     uint16
	dropped int
}

func newSession(s *Server, ws *websocket.Conn, log *slog.Logger) *session {
	return &session{
		srv: s, ws: ws, log: log,
		out: make(chan any, 64), audio: make(chan *[]byte, 8), steps: make(chan func(), 16), done: make(chan struct{}),
		phase: "idle", codec: relaywire.FormatPCMU,
	}
}

// logger is the session's logger (connect adds the gateway to it).
func (s *session) logger() *slog.Logger {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log
}

// stop ends the session once, with a close reason for the browser. It
// may run on any goroutine (the hello timer, Shutdown, a failed write),
// also while connect is still dialling: connect then closes the
// upstream it gets (see connect).
func (s *session) stop(code websocket.StatusCode, reason string) {
	s.once.Do(func() {
		s.mu.Lock()
		s.stopped = true
		up, log := s.up, s.log
		s.mu.Unlock()
		log.Info("session closed", "reason", reason)
		close(s.done)
		if up != nil {
			_ = up.Close()
		}
		// The closing handshake waits for the browser: not on the caller,
		// and not for long (the close frame, with its reason, is sent at
		// once).
		go closeWithGrace(s.ws, code, reason)
	})
}

// closeWithGrace closes ws with a reason, waiting at most closeGrace for
// the peer's half of the closing handshake.
func closeWithGrace(ws *websocket.Conn, code websocket.StatusCode, reason string) {
	closed := make(chan struct{})
	go func() { _ = ws.Close(code, reason); close(closed) }()
	select {
	case <-closed:
	case <-time.After(closeGrace):
		_ = ws.CloseNow()
	}
}

func (s *session) run(ctx context.Context) {
	cfg := &s.srv.cfg
	// Above what read takes, so that the library never closes the
	// socket with its own reason first.
	s.ws.SetReadLimit(int64(max(cfg.MaxText, cfg.MaxBinary)) + 1)
	go s.writer()
	hello, ok := s.readHello()
	if !ok {
		return
	}
	if !s.connect(ctx, hello) {
		return
	}
	go s.pinger()
	go s.mediaSteps()
	go s.callbacks()
	if u, ok := s.up.(interface{ OnAudio(func(Audio)) }); ok {
		u.OnAudio(s.forward) // on the RTMP read loop: no goroutine hop per frame
	} else {
		go s.downlink()
	}
	s.readLoop()
}

// readHello reads and checks the first frame.
func (s *session) readHello() (*relaywire.Request, bool) {
	cfg := &s.srv.cfg
	// Not a Read deadline: coder/websocket drops the connection when a
	// Read's context ends, and the browser must see the reason.
	timer := time.AfterFunc(cfg.HelloTimeout, func() { s.stop(websocket.StatusPolicyViolation, "no hello in time") })
	typ, data, err := s.read()
	if !timer.Stop() {
		// The timer fired: the session is stopping, even if a hello came
		// in meanwhile (a Read in progress still returns the frames that
		// arrive before the browser answers the close frame).
		return nil, false
	}
	if errors.Is(err, errTooLarge) {
		s.stop(websocket.StatusMessageTooBig, "frame too large")
		return nil, false
	}
	if err != nil {
		s.stop(websocket.StatusNormalClosure, "browser closed")
		return nil, false
	}
	var m relaywire.Request
	if typ != websocket.MessageText || json.Unmarshal(data, &m) != nil || m.T != relaywire.THello || m.V != relaywire.Version {
		s.stop(websocket.StatusProtocolError, "the first frame must be a v1 hello")
		return nil, false
	}
	if !s.srv.gatewayAllowed(m.RTMPURL) {
		s.stop(websocket.StatusPolicyViolation, "gateway not allowed")
		return nil, false
	}
	if len(m.Args) > 4 || !scalars(m.Args) {
		s.stop(websocket.StatusPolicyViolation, "hello args must be at most 4 strings")
		return nil, false
	}
	now := time.Now()
	var tok helloToken
	if len(cfg.Secret) > 0 {
		var reason string
		if tok, reason = checkToken(cfg.Secret, m.Token, m.RTMPURL, now, cfg.TokenMaxLifetime); reason != "" {
			s.stop(websocket.StatusPolicyViolation, reason)
			return nil, false
		}
	}
	if !s.srv.claimAOR(s, aorOf(m.RTMPURL)) {
		s.stop(websocket.StatusTryAgainLater, reasonTooManyAOR)
		return nil, false
	}
	// Spent last, once nothing else refuses the hello.
	if len(cfg.Secret) > 0 && cfg.TokenSingleUse {
		if reason := s.srv.used.use(tok, now.Unix()); reason == reasonTokensInUse {
			s.stop(websocket.StatusTryAgainLater, reason)
			return nil, false
		} else if reason != "" {
			s.stop(websocket.StatusPolicyViolation, reason)
			return nil, false
		}
	}
	return &m, true
}

// aorOf is the user@domain an RTMP URL names (the path after "sip/").
func aorOf(rtmpURL string) string {
	u, err := url.Parse(rtmpURL)
	if err != nil {
		return ""
	}
	p := strings.TrimPrefix(u.Path, "/")
	if i := strings.Index(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}

// scalars reports whether args hold only strings, numbers and bools.
func scalars(args []any) bool {
	for _, a := range args {
		switch a.(type) {
		case string, float64, bool:
		default:
			return false
		}
	}
	return true
}

// connect dials the gateway and prepares the two streams of a call. The
// session may stop while the dial runs (hello timer, Shutdown): the dial
// is cancelled, and an upstream that still arrives is closed here, since
// stop saw none to close.
func (s *session) connect(ctx context.Context, hello *relaywire.Request) bool {
	select {
	case <-s.done:
		return false
	default:
	}
	dctx, cancel := context.WithTimeout(ctx, s.srv.cfg.DialTimeout)
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-dctx.Done():
		}
	}()
	up, err := s.srv.cfg.Dial(dctx, hello.RTMPURL, hello.Args...)
	s.mu.Lock()
	stopped := s.stopped
	if err == nil && !stopped {
		s.up = up
		s.log = s.log.With("gateway", hello.RTMPURL)
	}
	s.mu.Unlock()
	if stopped {
		if err == nil {
			_ = up.Close()
		}
		return false
	}
	if err != nil {
		// The error may quote what the gateway said; it never holds args.
		s.send(relaywire.Rejected{T: relaywire.TRejected, Reason: err.Error()})
		s.flushThenStop(websocket.StatusNormalClosure, "gateway refused the connection")
		return false
	}
	if err := s.newStreams(dctx); err != nil {
		s.send(relaywire.Rejected{T: relaywire.TRejected, Reason: "cannot create streams: " + err.Error()})
		s.flushThenStop(websocket.StatusInternalError, "gateway streams failed")
		return false
	}
	s.logger().Info("connected")
	s.send(relaywire.Bare{T: relaywire.TConnected})
	return true
}

func (s *session) newStreams(ctx context.Context) error {
	a, err := s.up.CreateStream(ctx)
	if err != nil {
		return err
	}
	b, err := s.up.CreateStream(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.pub, s.play = a, b
	s.mu.Unlock()
	return nil
}

// send queues a JSON frame for the browser.
func (s *session) send(v any) {
	select {
	case s.out <- v:
	case <-s.done:
	}
}

// closeAfter is queued behind the frames the browser must still get.
type closeAfter struct {
	code   websocket.StatusCode
	reason string
}

// flushThenStop closes once the frames queued so far are written.
func (s *session) flushThenStop(code websocket.StatusCode, reason string) {
	s.send(closeAfter{code, reason})
}

// writeTimeout bounds one write to the browser.
const writeTimeout = 10 * time.Second

// writer is the only goroutine writing to the WebSocket. A write that
// takes longer than writeTimeout ends the session: a watchdog checks
// writeStart, so that no write needs a context with a timer of its own.
func (s *session) writer() {
	// The current write, if any, may take up to writeTimeout.
	s.watchdog(writeTimeout, func() time.Duration { return since(&s.writeStart) }, websocket.StatusGoingAway, "write failed")
	write := func(typ websocket.MessageType, b []byte) bool {
		s.writeStart.Store(time.Now().UnixNano())
		err := s.ws.Write(context.Background(), typ, b)
		s.writeStart.Store(0)
		if err != nil {
			s.stop(websocket.StatusGoingAway, "write failed")
			return false
		}
		return true
	}
	for {
		select {
		case v := <-s.out:
			if c, ok := v.(closeAfter); ok {
				s.stop(c.code, c.reason)
				return
			}
			b, _ := json.Marshal(v)
			if !write(websocket.MessageText, b) {
				return
			}
		case a := <-s.audio:
			ok := write(websocket.MessageBinary, *a)
			framePool.Put(a)
			if !ok {
				return
			}
		case <-s.done:
			return
		}
	}
}

// watchdog stops the session with code and reason once elapsed()
// reaches limit: it looks after limit, and then again whenever the
// watched span could next reach it, so that nothing on the per-frame path
// resets a timer. elapsed is how long the watched span has lasted (0:
// none running).
func (s *session) watchdog(limit time.Duration, elapsed func() time.Duration, code websocket.StatusCode, reason string) {
	var check func()
	check = func() {
		select {
		case <-s.done:
			return
		default:
		}
		e := elapsed()
		if e >= limit {
			s.stop(code, reason)
			return
		}
		time.AfterFunc(limit-e, check)
	}
	time.AfterFunc(limit, check)
}

// since is how long ago the UnixNano time in v was (0 when v holds 0).
func since(v *atomic.Int64) time.Duration {
	t := v.Load()
	if t == 0 {
		return 0
	}
	return time.Since(time.Unix(0, t))
}

// pinger pings the browser; two missed pongs end the session.
func (s *session) pinger() {
	t := time.NewTicker(s.srv.cfg.PingInterval)
	defer t.Stop()
	missed := 0
	for {
		select {
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), s.srv.cfg.PingInterval)
			err := s.ws.Ping(ctx)
			cancel()
			if err != nil {
				if missed++; missed >= 2 {
					s.stop(websocket.StatusPolicyViolation, "no pong")
					return
				}
				continue
			}
			missed = 0
		case <-s.done:
			return
		case <-s.up.Done():
			s.stop(websocket.StatusGoingAway, "gateway connection lost")
			return
		}
	}
}

// errTooLarge is a browser frame over MaxText or MaxBinary.
var errTooLarge = errors.New("frame too large")

// read reads one frame from the browser, at most MaxText bytes of a text
// frame and MaxBinary of a binary one (errTooLarge beyond). The limit is
// enforced here rather than by the WebSocket library, which would close
// the socket with its own reason ("read limited at … bytes") before the
// relay could give its own.
func (s *session) read() (websocket.MessageType, []byte, error) {
	typ, r, err := s.ws.Reader(context.Background())
	if err != nil {
		return 0, nil, err
	}
	limit := s.srv.cfg.MaxText
	if typ == websocket.MessageBinary {
		limit = s.srv.cfg.MaxBinary
	}
	// Into the session's buffer, reused: the frame is used up (copied
	// or parsed) before the next read.
	data := s.rbuf[:0]
	for {
		if len(data) > limit {
			s.rbuf = data[:0]
			return 0, nil, errTooLarge
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := r.Read(data[len(data):min(cap(data), limit+1)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, nil, err
		}
	}
	s.rbuf = data[:0]
	if len(data) > limit {
		return 0, nil, errTooLarge
	}
	return typ, data, nil
}

// readLoop reads the browser's frames until the session ends. A
// watchdog closes a socket that stays silent for the idle timeout.
func (s *session) readLoop() {
	cfg := &s.srv.cfg
	limit := newBucket(cfg.Rate, cfg.Burst, time.Now())
	s.lastRead.Store(time.Now().UnixNano())
	s.watchdog(cfg.IdleTimeout, func() time.Duration { return since(&s.lastRead) }, websocket.StatusPolicyViolation, "idle")
	for {
		typ, data, err := s.read()
		now := time.Now()
		s.lastRead.Store(now.UnixNano())
		if errors.Is(err, errTooLarge) {
			s.stop(websocket.StatusMessageTooBig, "frame too large")
			return
		}
		if err != nil {
			s.stop(websocket.StatusNormalClosure, "browser closed")
			return
		}
		if !limit.take(now) {
			s.stop(websocket.StatusPolicyViolation, "rate limit exceeded")
			return
		}
		if typ == websocket.MessageBinary {
			s.uplink(data)
			continue
		}
		var m relaywire.Request
		if json.Unmarshal(data, &m) != nil {
			s.stop(websocket.StatusProtocolError, "bad JSON")
			return
		}
		switch m.T {
		case relaywire.TPing:
			s.send(relaywire.Bare{T: relaywire.TPong})
		case relaywire.TCall:
			if !methods[m.Method] || !scalars(m.Args) || len(m.Args) > 8 {
				s.send(relaywire.NewResultError(m.ID, "method or arguments not allowed"))
				continue
			}
			go s.call(m.ID, m.Method, m.Args)
		default:
			s.stop(websocket.StatusProtocolError, "unknown frame type")
			return
		}
	}
}

// framePool holds the browser's audio frames between the downlink and
// the writer.
var framePool = sync.Pool{New: func() any { b := make([]byte, 0, relaywire.HeaderLen+relaywire.PayloadLen); return &b }}
