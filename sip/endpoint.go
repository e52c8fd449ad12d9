package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/internal/logcap"
)

// Conn is what an Endpoint needs from a connection: a sipgo Connection
// that says when it has ended.
type Conn interface {
	sipgo.Connection
	Done() <-chan struct{}
}

// RequestHandler handles a new incoming request. tx is its server
// transaction; it is nil for an ACK to a 2xx, which has no transaction
// (RFC 3261 §17.1.1.3). It runs on its own goroutine.
type RequestHandler func(req *sipgo.Request, tx sipgo.ServerTransaction)

// Endpoint binds sipgo's transactions to one connection: it starts
// client transactions for outgoing requests, matches incoming responses
// to them (RFC 3261 §17.1.3), absorbs retransmitted requests into their
// server transactions (§17.2.3) and hands new requests to a handler.
type Endpoint struct {
	conn    Conn
	handler RequestHandler
	log     *slog.Logger

	txs *txTable
}

// txTable holds the endpoint's live transactions. It is apart from the
// Endpoint because terminated transactions keep their OnTerminate
// callback (and sipgo may keep a terminated INVITE transaction for 32 s,
// see txConn): the callback holds only this table, not the handler and
// the user agent behind it.
type txTable struct {
	mu     sync.Mutex
	client map[string]*sipgo.ClientTx
	server map[string]*serverTx
}

// NewEndpoint makes an endpoint over conn. Feed it incoming messages
// with HandleMessage. logger may be nil.
func NewEndpoint(conn Conn, handler RequestHandler, logger *slog.Logger) *Endpoint {
	if logger == nil {
		logger = discardLogger
	}
	return &Endpoint{
		conn:    conn,
		handler: handler,
		// What a server sends decides what the endpoint and sipgo's
		// transactions log: capped, so a hostile server cannot flood.
		log: logcap.Logger(logger),
		txs: &txTable{
			client: make(map[string]*sipgo.ClientTx),
			server: make(map[string]*serverTx),
		},
	}
}

// Request sends req in a new client transaction. The caller must read
// tx.Responses until a final response or terminate tx.
func (e *Endpoint) Request(req *sipgo.Request) (*sipgo.ClientTx, error) {
	key, err := sipgo.ClientTxKeyMake(req)
	if err != nil {
		return nil, err
	}
	conn := &txConn{c: e.conn}
	tx := sipgo.NewClientTx(key, req, conn, e.log)
	e.txs.mu.Lock()
	e.txs.client[key] = tx
	e.txs.mu.Unlock()
	txs := e.txs
	tx.OnTerminate(func(key string, _ error) {
		conn.release()
		txs.mu.Lock()
		if txs.client[key] == tx {
			delete(txs.client, key)
		}
		txs.mu.Unlock()
	})
	if err := tx.Init(); err != nil {
		tx.Terminate()
		return nil, err
	}
	return tx, nil
}

// Do sends req and waits for its final response. Provisional responses
// are passed to provisional when it is not nil. It fails with the
// transaction's error (timeout, transport), ErrConnectionLost, or the
// context's error.
func (e *Endpoint) Do(ctx context.Context, req *sipgo.Request, provisional func(*sipgo.Response)) (*sipgo.Response, error) {
	tx, err := e.Request(req)
	if err != nil {
		return nil, err
	}
	for {
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				if provisional != nil {
					provisional(res)
				}
				continue
			}
			if req.IsInvite() && res.IsSuccess() {
				// The INVITE client transaction lives on (Timer M) to absorb
				// retransmitted 2xx; nobody reads them.
				tx.Terminate()
			}
			return res, nil
		case <-tx.Done():
			if err := tx.Err(); err != nil && !errors.Is(err, sipgo.ErrTransactionTerminated) {
				return nil, err
			}
			return nil, ErrConnectionLost
		case <-e.conn.Done():
			tx.Terminate()
			return nil, ErrConnectionLost
		case <-ctx.Done():
			tx.Terminate()
			return nil, ctx.Err()
		}
	}
}

// HandleMessage routes one message read from the connection.
func (e *Endpoint) HandleMessage(msg sipgo.Message) {
	switch m := msg.(type) {
	case *sipgo.Response:
		e.handleResponse(m)
	case *sipgo.Request:
		e.handleRequest(m)
	}
}

func (e *Endpoint) handleResponse(res *sipgo.Response) {
	key, err := sipgo.ClientTxKeyMake(res)
	if err != nil {
		e.log.Debug("dropped a response without a usable Via or CSeq", "error", err)
		return
	}
	e.txs.mu.Lock()
	tx := e.txs.client[key]
	e.txs.mu.Unlock()
	if tx == nil {
		e.log.Debug("dropped a response matching no transaction", "status", res.StatusCode)
		return
	}
	tx.Receive(res)
}

func (e *Endpoint) handleRequest(req *sipgo.Request) {
	if !wellFormed(req) {
		e.log.Debug("dropped a request missing mandatory headers", "method", req.Method)
		return
	}
	// RFC 4475 §3.1.2.16–18: an unknown SIP version gets 505, a CSeq
	// method other than the request's 400 (not for ACK: it is never
	// answered).
	if !strings.EqualFold(req.SipVersion, "SIP/2.0") {
		e.refuse(req, 505, "Version Not Supported")
		return
	}
	if !strings.EqualFold(string(req.CSeq().MethodName), string(req.Method)) {
		e.refuse(req, 400, "Bad Request (CSeq method does not match)")
		return
	}
	key, err := sipgo.ServerTxKeyMake(req)
	if err != nil {
		// No transaction can hold it, e.g. an RFC 2543 Via branch and a
		// From tag sipgo does not find: sipgo v1.7.2 keeps the blanks
		// around "=" in header parameters (RFC 4475 §3.1.1.1, "tag =
		// 98asjd8"), so such a request is refused, not processed.
		e.log.Debug("refused a request no transaction can match", "error", err)
		e.refuse(req, 400, "Bad Request (no transaction key)")
		return
	}
	e.txs.mu.Lock()
	tx := e.txs.server[key]
	e.txs.mu.Unlock()

	switch {
	case req.IsAck():
		if tx != nil && !tx.accepted.Load() {
			_ = tx.Receive(req) // ACK for a non-2xx final response
			return
		}
		// ACK for a 2xx belongs to the dialog, also when it carries the
		// INVITE's branch: sipgo's transaction, lingering after a 2xx
		// (RFC 6026 Timer L, 32 s), would park a goroutine on each such
		// ACK until someone read it.
		go e.handle(req, nil)
		return
	case req.IsCancel():
		e.handleCancel(req)
		return
	case tx != nil:
		_ = tx.Receive(req) // a retransmission
		return
	}

	conn := &txConn{c: e.conn}
	tx = &serverTx{ServerTx: sipgo.NewServerTx(key, req, conn, e.log)}
	if err := tx.Init(); err != nil {
		e.log.Warn("could not start a server transaction", "error", err)
		return
	}
	e.txs.mu.Lock()
	e.txs.server[key] = tx
	e.txs.mu.Unlock()
	txs := e.txs
	tx.OnTerminate(func(key string, _ error) {
		conn.release()
		txs.mu.Lock()
		if txs.server[key] == tx {
			delete(txs.server, key)
		}
		txs.mu.Unlock()
	})
	go e.handle(req, tx)
}

// handle runs the handler; a panic in it is logged and the request, if
// still pending, answered 500 rather than taking the program down.
func (e *Endpoint) handle(req *sipgo.Request, tx sipgo.ServerTransaction) {
	defer func() {
		if p := recover(); p != nil {
			e.log.Error("request handler failed", "method", req.Method, "panic", fmt.Sprint(p))
			if tx != nil {
				_ = tx.Respond(sipgo.NewResponseFromRequest(req, 500, "Server Internal Error", nil))
			}
		}
	}()
	e.handler(req, tx)
}

// handleCancel answers a CANCEL (RFC 3261 §9.2): 200 when it matches a
// pending INVITE, whose transaction then sees the CANCEL, 481 otherwise.
func (e *Endpoint) handleCancel(cancel *sipgo.Request) {
	probe := cancel.Clone()
	probe.CSeq().MethodName = sipgo.INVITE
	key, err := sipgo.ServerTxKeyMake(probe)
	var invite *serverTx
	if err == nil {
		e.txs.mu.Lock()
		invite = e.txs.server[key]
		e.txs.mu.Unlock()
	}
	code, reason := 481, "Call/Transaction Does Not Exist"
	if invite != nil {
		code, reason = 200, "OK"
	}
	if err := e.conn.WriteMsg(sipgo.NewResponseFromRequest(cancel, code, reason, nil)); err != nil {
		e.log.Debug("could not answer CANCEL", "error", err)
	}
	if invite != nil {
		_ = invite.Receive(cancel)
	}
}

// Transactions counts the client and server transactions still running
// (an answered INVITE's linger for Timer L or M, 32 s; others end with
// their final response on a reliable transport).
func (e *Endpoint) Transactions() (client, server int) {
	e.txs.mu.Lock()
	defer e.txs.mu.Unlock()
	return len(e.txs.client), len(e.txs.server)
}

// Close terminates every transaction still running.
func (e *Endpoint) Close() {
	e.txs.mu.Lock()
	client := make([]*sipgo.ClientTx, 0, len(e.txs.client))
	for _, tx := range e.txs.client {
		client = append(client, tx)
	}
	server := make([]*serverTx, 0, len(e.txs.server))
	for _, tx := range e.txs.server {
		server = append(server, tx)
	}
	e.txs.mu.Unlock()
	for _, tx := range client {
		tx.Terminate()
	}
	for _, tx := range server {
		tx.Terminate()
	}
}

// refuse answers a request statelessly (never an ACK).
func (e *Endpoint) refuse(req *sipgo.Request, code int, reason string) {
	if req.IsAck() {
		return
	}
	if err := e.conn.WriteMsg(sipgo.NewResponseFromRequest(req, code, reason, nil)); err != nil {
		e.log.Debug("could not refuse a request", "code", code, "error", err)
	}
}

// serverTx is a server transaction that remembers sending a 2xx.
type serverTx struct {
	*sipgo.ServerTx
	accepted atomic.Bool
}

func (t *serverTx) Respond(res *sipgo.Response) error {
	if res.IsSuccess() && t.Origin().IsInvite() {
		t.accepted.Store(true)
	}
	return t.ServerTx.Respond(res)
}

// wellFormed checks the headers every request must carry (RFC 3261 §8.1.1).
func wellFormed(req *sipgo.Request) bool {
	return req.Via() != nil && req.From() != nil && req.To() != nil &&
		req.CallID() != nil && req.CSeq() != nil
}
