package rtmpua

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/reconnect"
	"github.com/kazoo-softphone/kazoo/relaywire"
)

// session is one relay WebSocket and the registration it carries; it
// survives reconnects (a new socket replaces a lost one).
type session struct {
	p  *Phone
	t  *target
	ev Events

	writeMu sync.Mutex
	// lastRead is when the relay last sent anything (unix nanoseconds).
	lastRead atomic.Int64

	mu         sync.Mutex
	ws         *websocket.Conn
	registered bool
	closing    bool
	nextID     int64
	pending    map[int64]chan result
	call       *Call
	// noDTMFMode: the gateway refused sendDTMF(digit, mode), as a plain
	// siprtmp does; digits go as sendDTMF(digit) from then on.
	noDTMFMode bool
	rc         *reconnect.Loop // the reconnect loop (reconnect.go)
}

// refusal is an RPC the gateway answered with _error (as opposed to one
// that got no answer or could not be sent).
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

type result struct {
	ok    bool
	args  []any
	error string
}

// readFrame parses a text frame; a frame that is not a JSON object is
// false. Fields of the wrong type read as their zero value.
func (s *session) readFrame(data []byte) (relaywire.Reply, bool) {
	v, err := s.p.cfg.ParseJSON(data)
	if err != nil {
		return relaywire.Reply{}, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		return relaywire.Reply{}, false
	}
	str := func(k string) string { x, _ := m[k].(string); return x }
	id, _ := m["id"].(float64)
	okv, _ := m["ok"].(bool)
	args, _ := m["args"].([]any)
	return relaywire.Reply{
		T: str("t"), ID: int64(id), OK: okv, Args: args, Error: str("error"),
		Method: str("method"), Reason: str("reason"), Codec: str("codec"), Code: str("code"),
	}, true
}

// connect opens a socket, says hello and waits for the gateway's answer.
func (s *session) connect(ctx context.Context) *phone.Error {
	cfg := s.p.cfg
	ctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	ws, err := cfg.Dial(ctx, s.t.opts.RelayURL)
	if err != nil {
		return &phone.Error{Key: phone.KeyServerNotReachable, Message: "cannot reach the relay at " + s.t.opts.RelayURL, Err: err}
	}
	ws.SetReadLimit(64 << 10)
	o := s.t.opts
	hello := relaywire.NewHello(s.t.rtmpURL, o.Token, s.t.user, o.Password, o.DisplayName, "narrowband")
	if err := writeJSON(ctx, ws, hello); err != nil {
		_ = ws.CloseNow()
		return &phone.Error{Key: phone.KeyServerNotReachable, Message: "the relay closed the connection", Err: err}
	}
	for {
		typ, data, err := ws.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) && ce.Reason != "" {
				return &phone.Error{Key: phone.KeyServerNotReachable, Message: "the relay refused: " + ce.Reason, Err: err}
			}
			return &phone.Error{Key: phone.KeyServerNotReachable, Message: "the relay did not answer", Err: err}
		}
		if typ != websocket.MessageText {
			continue
		}
		f, ok := s.readFrame(data)
		if !ok {
			continue
		}
		switch f.T {
		case relaywire.TConnected:
			s.mu.Lock()
			s.ws, s.registered = ws, true
			s.mu.Unlock()
			s.lastRead.Store(time.Now().UnixNano())
			done := make(chan struct{})
			go func() {
				defer close(done)
				s.readLoop(ws)
			}()
			go s.keepalive(ws, done)
			return nil
		case relaywire.TCallback:
			if f.Method == "unauthorized" {
				continue // the rejection that follows says the same
			}
		case relaywire.TRejected:
			_ = ws.CloseNow()
			return reasonError(f.Reason)
		}
	}
}

func writeJSON(ctx context.Context, ws *websocket.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return ws.Write(ctx, websocket.MessageText, b)
}

func (s *session) isRegistered() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.registered
}

func (s *session) current() *Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.call
}

// send writes a frame on the current socket.
func (s *session) send(typ websocket.MessageType, b []byte) error {
	s.mu.Lock()
	ws := s.ws
	s.mu.Unlock()
	if ws == nil {
		return errors.New("not connected to the relay")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return ws.Write(ctx, typ, b)
}

// rpc calls a gateway method and waits for its result.
func (s *session) rpc(ctx context.Context, method string, args ...any) ([]any, error) {
	s.mu.Lock()
	s.nextID++
	id := s.nextID
	ch := make(chan result, 1)
	s.pending[id] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, id)
		s.mu.Unlock()
	}()
	b, _ := json.Marshal(relaywire.NewCall(id, method, args...))
	if err := s.send(websocket.MessageText, b); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.p.cfg.RPCTimeout)
	defer cancel()
	select {
	case r := <-ch:
		if !r.ok {
			return nil, &refusal{r.error}
		}
		return r.args, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// readLoop handles the relay's frames until the socket ends.
func (s *session) readLoop(ws *websocket.Conn) {
	for {
		typ, data, err := ws.Read(context.Background())
		if err != nil {
			s.lost(ws, err)
			return
		}
		s.lastRead.Store(time.Now().UnixNano())
		if typ == websocket.MessageBinary {
			if c := s.current(); c != nil && len(data) > relaywire.HeaderLen {
				c.play(data[relaywire.HeaderLen:])
			}
			continue
		}
		f, ok := s.readFrame(data)
		if !ok {
			continue
		}
		switch f.T {
		case relaywire.TResult:
			s.mu.Lock()
			ch := s.pending[f.ID]
			s.mu.Unlock()
			if ch != nil {
				ch <- result{ok: f.OK, args: f.Args, error: f.Error}
			}
		case relaywire.TCallback:
			s.callback(f.Method, f.Args)
		case relaywire.TMedia:
			if c := s.current(); c != nil {
				go c.startAudio(f.Codec)
			}
		case relaywire.TStream:
			s.p.cfg.Logger.Warn("gateway stream problem", "code", f.Code)
		}
	}
}

// keepalive pings the relay every KeepaliveInterval (which also keeps
// its idle timeout away while no call runs) and drops a socket that
// stays silent PongTimeout after a ping: readLoop then reports it lost
// and reconnecting starts.
func (s *session) keepalive(ws *websocket.Conn, done <-chan struct{}) {
	cfg := s.p.cfg
	ping := []byte(relaywire.PingFrame)
	t := time.NewTicker(cfg.KeepaliveInterval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		sent := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), cfg.PongTimeout)
		s.writeMu.Lock()
		err := ws.Write(ctx, websocket.MessageText, ping)
		s.writeMu.Unlock()
		cancel()
		if err != nil {
			_ = ws.CloseNow()
			return
		}
		time.AfterFunc(cfg.PongTimeout, func() {
			if s.lastRead.Load() < sent.UnixNano() {
				s.p.cfg.Logger.Warn("the relay did not answer a ping", "timeout", cfg.PongTimeout)
				_ = ws.CloseNow()
			}
		})
	}
}

// lost handles the socket ending: the call cannot survive it (the
// gateway hangs up when its RTMP connection ends), the page is told, and
// reconnecting starts.
func (s *session) lost(ws *websocket.Conn, err error) {
	s.mu.Lock()
	if s.ws != ws || s.closing {
		s.mu.Unlock()
		return
	}
	s.ws, s.registered = nil, false
	c := s.call
	s.mu.Unlock()
	if c != nil {
		c.end(phone.End{Code: 503, Reason: "Service Unavailable (connection to the relay lost)", Originator: phone.BySystem})
	}
	emitError(s.ev, &phone.Error{Key: phone.KeyDisconnected, Message: "the connection to the relay was lost: " + err.Error(), Err: err})
	s.startReconnect()
}

// close ends the session for good.
func (s *session) close() {
	s.mu.Lock()
	s.closing = true
	ws := s.ws
	s.ws, s.registered = nil, false
	s.rc.Stop()
	c := s.call
	s.mu.Unlock()
	if c != nil {
		c.end(phone.End{})
	}
	if ws != nil {
		go func() { _ = ws.Close(websocket.StatusNormalClosure, "logout") }()
	}
}

// parseStatus finds a SIP status in a reason ("486 Busy Here", "…: 403
// Forbidden"); 0 when there is none. (No regexp: it would add half a
// megabyte to kazoo.wasm.)
func parseStatus(reason string) (int, string) {
	for i := 0; i+3 <= len(reason); i++ {
		if i > 0 && isDigit(reason[i-1]) {
			continue
		}
		w := reason[i : i+3]
		if !isDigit(w[0]) || !isDigit(w[1]) || !isDigit(w[2]) || (i+3 < len(reason) && isDigit(reason[i+3])) {
			continue
		}
		code, _ := strconv.Atoi(w)
		if code >= 100 && code < 700 {
			return code, strings.TrimSpace(reason[i:])
		}
	}
	return 0, reason
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
