package proxy

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
)

// wsListener hands WebSocket upgrade requests that arrived on the page's
// HTTP server to sipgo's WS transport, which does the RFC 6455 handshake
// (answering subprotocol "sip", RFC 7118 §4) on what looks like a fresh
// connection: the hijacked socket, with the request replayed in front.
// So the page and SIP share one address, and sipgo sees the real client
// address.
type wsListener struct {
	addr    net.Addr
	conns   chan net.Conn
	done    chan struct{}
	once    sync.Once
	onClose func(remote string) // a flow ended

	mu   sync.Mutex
	open map[string]*replayConn // remote address → connection
}

func newWSListener(addr net.Addr, onClose func(string)) *wsListener {
	return &wsListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{}), onClose: onClose, open: map[string]*replayConn{}}
}

// drop closes the connection from remote, as a network failure would.
func (l *wsListener) drop(remote string) bool {
	l.mu.Lock()
	c := l.open[remote]
	l.mu.Unlock()
	if c == nil {
		return false
	}
	_ = c.Conn.Close()
	return true
}

func (l *wsListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *wsListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *wsListener) Addr() net.Addr { return l.addr }

// ServeHTTP takes a WebSocket upgrade off the HTTP server.
func (l *wsListener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || !headerHas(r.Header, "Connection", "upgrade") || !headerHas(r.Header, "Upgrade", "websocket") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUpgradeRequired)
		fmt.Fprintln(w, "This is a SIP over WebSocket endpoint (RFC 7118): connect with a WebSocket offering subprotocol \"sip\".")
		return
	}
	if !headerHas(r.Header, "Sec-WebSocket-Protocol", "sip") {
		http.Error(w, `the WebSocket must offer subprotocol "sip" (RFC 7118)`, http.StatusBadRequest)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot take over this connection", http.StatusInternalServerError)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return
	}
	var head bytes.Buffer
	fmt.Fprintf(&head, "GET %s HTTP/1.1\r\nHost: %s\r\n", r.URL.RequestURI(), r.Host)
	_ = r.Header.Write(&head)
	head.WriteString("\r\n")
	if n := rw.Reader.Buffered(); n > 0 {
		b, _ := rw.Reader.Peek(n)
		head.Write(b)
	}
	remote := conn.RemoteAddr().String()
	c := &replayConn{Conn: conn, head: head.Bytes(), onClose: func(r string) {
		l.mu.Lock()
		delete(l.open, r)
		l.mu.Unlock()
		if l.onClose != nil {
			l.onClose(r)
		}
	}}
	l.mu.Lock()
	l.open[remote] = c
	l.mu.Unlock()
	select {
	case l.conns <- c:
	case <-l.done:
		conn.Close()
	}
}

// replayConn reads head before the socket, and reports its closing once.
type replayConn struct {
	net.Conn
	mu      sync.Mutex
	head    []byte
	once    sync.Once
	onClose func(string)
}

func (c *replayConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if len(c.head) > 0 {
		n := copy(p, c.head)
		c.head = c.head[n:]
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	return c.Conn.Read(p)
}

func (c *replayConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		if c.onClose != nil {
			go c.onClose(c.RemoteAddr().String())
		}
	})
	return err
}

// headerHas reports whether a comma-separated header lists token.
func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
