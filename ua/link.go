package ua

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/clock"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

// Keepalive defaults (RFC 5626 §4.4.1: a CRLFCRLF ping, a CRLF pong).
const (
	DefaultKeepaliveInterval = 25 * time.Second
	DefaultKeepaliveTimeout  = 10 * time.Second
)

// link is one connection of a registration: a transport and the
// transaction endpoint on it.
type link struct {
	r  *registration
	tr Transport
	ep *sip.Endpoint

	mu    sync.Mutex
	timer clock.Timer // the pending keepalive ping or pong check
	ended bool        // no timer is armed any more
}

// arm runs f after d unless the link has ended; a pending timer is
// replaced. A timer left running after the link ends would keep the
// registration, its calls and their messages in memory until it fires.
func (l *link) arm(d time.Duration, f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return
	}
	if l.timer != nil {
		l.timer.Stop()
	}
	l.timer = l.r.ua.cfg.Clock.AfterFunc(d, f)
}

// disarm stops the link's timer for good.
func (l *link) disarm() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ended = true
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
}

// dial opens a new link for r; it is not current until adopted.
func (r *registration) dial(ctx context.Context) (*link, *phone.Error) {
	u := r.ua
	dctx, cancel := context.WithTimeout(ctx, u.cfg.DialTimeout)
	defer cancel()
	tr, err := u.cfg.Dial(dctx, r.t.opts.WSURL)
	if err != nil {
		return nil, u.dialError(ctx, r.t.opts.WSURL, err)
	}
	l := &link{r: r, tr: tr}
	l.ep = sip.NewEndpoint(tr, r.handleRequest, u.cfg.Logger)
	r.mu.Lock()
	r.via = tr.Transport()
	r.mu.Unlock()
	tr.Serve(l.ep.HandleMessage)
	return l, nil
}

// adopt makes l the registration's current link and starts watching it
// and keeping it alive.
func (r *registration) adopt(l *link) {
	r.mu.Lock()
	old := r.link
	r.link = l
	r.mu.Unlock()
	if old != nil && old != l {
		old.close()
	}
	go l.watch()
	l.scheduleKeepalive()
}

// cur is the current link (a dead one while reconnecting: its writes fail
// at once and its Done is closed).
func (r *registration) cur() *link {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.link == nil {
		return deadLink(r)
	}
	return r.link
}

func (l *link) current() bool {
	l.r.mu.Lock()
	defer l.r.mu.Unlock()
	return l.r.link == l && !l.r.closing
}

// close ends the link on purpose.
func (l *link) close() {
	l.disarm()
	l.ep.Close()
	_ = l.tr.Close()
}

// abort drops the link as lost (keepalive or refresh failure): watch then
// reports the disconnection and reconnecting starts.
func (l *link) abort(why error) {
	l.tr.Abort(why)
}

// watch handles the link ending: when it was the current one and nobody
// closed it on purpose, the registration is lost; Disconnected is
// reported (if it was registered) and reconnecting starts.
func (l *link) watch() {
	r := l.r
	defer r.ua.recoverPanic(r.ev, "connection watch")
	<-l.tr.Done()
	l.disarm()
	l.ep.Close()
	r.mu.Lock()
	if r.link != l || r.closing {
		r.mu.Unlock()
		return
	}
	wasRegistered := r.registered
	r.registered = false
	if r.refresh != nil {
		r.refresh.Stop()
	}
	r.mu.Unlock()
	if wasRegistered {
		reason := "the connection to the registrar was lost"
		if err := l.tr.Err(); err != nil {
			reason += ": " + err.Error()
		}
		emitError(r.ev, &phone.Error{Key: phone.KeyDisconnected, Message: reason, Err: l.tr.Err()})
	}
	r.startReconnect()
}

// scheduleKeepalive arms the next CRLF ping (RFC 5626 §4.4.1).
func (l *link) scheduleKeepalive() {
	if l.r.t.keepalive > 0 {
		l.arm(l.r.t.keepalive, func() { l.ping(true) })
	}
}

// ping sends CRLFCRLF and expects a CRLF within the keepalive timeout;
// without one the link is dropped. again arms the next ping.
func (l *link) ping(again bool) {
	if !l.current() {
		return
	}
	before := l.tr.Pongs()
	if err := l.tr.Ping(); err != nil {
		l.abort(err)
		return
	}
	l.arm(l.r.t.keepaliveTimeout, func() {
		switch {
		case !l.current():
		case l.tr.Pongs() == before:
			l.abort(errors.New("no keepalive pong from the server"))
		case again:
			l.scheduleKeepalive()
		}
	})
}

// closedTransport is no connection: writes fail, Done is closed.
type closedTransport struct{}

var closedDone = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (closedTransport) LocalAddr() net.Addr          { return nil }
func (closedTransport) WriteMsg(sipgo.Message) error { return sip.ErrConnectionLost }
func (closedTransport) Ref(int) int                  { return 1 }
func (closedTransport) TryClose() (int, error)       { return 1, nil }
func (closedTransport) Close() error                 { return nil }
func (closedTransport) Done() <-chan struct{}        { return closedDone }
func (closedTransport) Serve(func(sipgo.Message))    {}
func (closedTransport) Err() error                   { return sip.ErrConnectionLost }
func (closedTransport) Transport() string            { return "WS" }
func (closedTransport) Host() string                 { return "" }
func (closedTransport) Ping() error                  { return sip.ErrConnectionLost }
func (closedTransport) Pongs() uint64                { return 0 }
func (closedTransport) Abort(error)                  {}

// deadLink stands for no connection.
func deadLink(r *registration) *link {
	tr := closedTransport{}
	return &link{r: r, tr: tr, ep: sip.NewEndpoint(tr, nil, nil)}
}
