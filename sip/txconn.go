package sip

import (
	"errors"
	"net"
	"sync"

	sipgo "github.com/emiago/sipgo/sip"
)

// errTxEnded is what a transaction's late write gets once it ended.
var errTxEnded = errors.New("sip: the transaction has ended")

// txConn is the connection as one transaction sees it, cut when the
// transaction terminates. sipgo keeps an answered INVITE's transactions
// for 64×T1 (32 s, RFC 6026 Timers L and M) and its Terminate does not
// stop those timers; through txConn such a transaction no longer holds
// the connection, and through it the user agent that reads from it.
type txConn struct {
	mu sync.Mutex
	c  Conn
}

var _ sipgo.Connection = (*txConn)(nil)

func (t *txConn) conn() Conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.c
}

func (t *txConn) release() {
	t.mu.Lock()
	t.c = nil
	t.mu.Unlock()
}

func (t *txConn) LocalAddr() net.Addr {
	if c := t.conn(); c != nil {
		return c.LocalAddr()
	}
	return nil
}

func (t *txConn) WriteMsg(msg sipgo.Message) error {
	if c := t.conn(); c != nil {
		return c.WriteMsg(msg)
	}
	return errTxEnded
}

func (t *txConn) Ref(i int) int {
	if c := t.conn(); c != nil {
		return c.Ref(i)
	}
	return 0
}

func (t *txConn) TryClose() (int, error) {
	if c := t.conn(); c != nil {
		return c.TryClose()
	}
	return 0, nil
}

func (t *txConn) Close() error {
	if c := t.conn(); c != nil {
		return c.Close()
	}
	return nil
}
