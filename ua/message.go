package ua

import (
	"context"
	"errors"
	"mime"
	"strings"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/sip"
)

// Instant messages: SIP MESSAGE (RFC 3428), outside any dialog (pager
// mode) and, received, inside a call's dialog too.
//
// We send any content type the page names (text/plain;charset=UTF-8 by
// default) and take text/* only: a MESSAGE with another type (an
// is-composing notice, CPIM, a file) is refused with 415 and an Accept
// listing text/*, so the sender knows it was not shown. A body over
// phone.MaxMessageBody gets 413 and is not reported. Without an
// Events.Message, messages get 480, as calls do without Events.Incoming.

// defaultMessageType is the Content-Type of a message the page sent
// without one.
const defaultMessageType = "text/plain;charset=UTF-8"

// messageAuthRounds bounds 401/407 answers to one MESSAGE.
const messageAuthRounds = 2

// SendMessage sends body to target (a SIP URI, user@host, or a user or
// number in our domain, as Dial takes) in a MESSAGE outside any dialog,
// answering the proxy's digest challenge with the registration's
// credentials. It returns the final response: a 2xx as the result,
// anything else (4xx–6xx, no answer) as a message_failed error with the
// status code and line. extraHeaders (checked as a call's are) go into the
// request.
func (u *UserAgent) SendMessage(ctx context.Context, target, body, contentType string, extraHeaders []phone.Header) (*phone.MessageResult, *phone.Error) {
	r := u.current()
	if r == nil {
		return nil, &phone.Error{Key: phone.KeyNotRegistered, Message: "register before sending messages"}
	}
	to, perr := r.parseTarget("uri", target)
	if perr != nil {
		return nil, perr
	}
	if len(body) > phone.MaxMessageBody {
		return nil, phone.InvalidParameter("text", "is %d bytes; messages are limited to %d", len(body), phone.MaxMessageBody)
	}
	if contentType == "" {
		contentType = defaultMessageType
	}
	if _, _, err := mime.ParseMediaType(contentType); err != nil || strings.ContainsAny(contentType, "\r\n") {
		return nil, phone.InvalidParameter("contentType", "%q is not a media type such as text/plain", contentType)
	}
	if perr := CheckHeaders(extraHeaders); perr != nil {
		return nil, perr
	}
	req := r.outOfDialog(sipgo.MESSAGE, to, to, sip.RandomToken(22), sip.RandomToken(10), 1)
	req.AppendHeader(sipgo.NewHeader("User-Agent", r.ua.cfg.UserAgent))
	appendHeaders(req, extraHeaders)
	req.AppendHeader(sipgo.NewHeader("Content-Type", contentType))
	req.SetBody([]byte(body))
	return r.sendMessage(ctx, req)
}

// sendMessage runs a MESSAGE's client transaction to its final answer.
// Like an INVITE, it carries the last proxy challenge (or the
// registrar's) ahead, so a Kamailio that checks every request usually
// takes it without a 407; a 401/407 is answered and remembered for the
// next request.
func (r *registration) sendMessage(ctx context.Context, req *sipgo.Request) (*phone.MessageResult, *phone.Error) {
	cred := sip.Credentials{Username: r.t.authUser, Password: r.t.opts.Password, Realm: r.t.realm}
	seeded := r.authorizeAhead(req)
	for round := 0; ; round++ {
		rctx, cancel := context.WithTimeout(ctx, r.ua.cfg.RequestTimeout)
		res, err := r.cur().ep.Do(rctx, req, nil)
		cancel()
		if err != nil {
			why := "the message got no answer"
			if errors.Is(err, sip.ErrConnectionLost) {
				why = "the connection closed before the message was answered"
			}
			return nil, &phone.Error{Key: phone.KeyMessageFailed, Message: why, Err: err}
		}
		code := res.StatusCode
		switch {
		case code >= 200 && code < 300:
			return &phone.MessageResult{Code: code, Reason: res.Reason}, nil
		case code == 403 && seeded:
			seeded = false
			r.mu.Lock()
			r.noSeed = true
			r.mu.Unlock()
			req = nextAttempt(r, req)
			req.RemoveHeader("Proxy-Authorization")
			continue
		case (code == 401 || code == 407) && round < messageAuthRounds:
			chal, err := sip.ParseChallenge(res, r.t.realm)
			if err == nil {
				next := nextAttempt(r, req)
				if err = chal.Authorize(next, cred); err == nil {
					r.mu.Lock()
					r.inviteChal = chal
					r.mu.Unlock()
					req = next
					continue
				}
			}
		case code == 401 || code == 407:
			r.mu.Lock()
			r.inviteChal = nil // the credentials were refused
			r.mu.Unlock()
		}
		return nil, statusError(phone.KeyMessageFailed, res, "the message was not delivered")
	}
}

// nextAttempt is req again as a new transaction: a new Via branch and the
// next CSeq, the same Call-ID and From tag (RFC 3261 §22.2).
func nextAttempt(r *registration, req *sipgo.Request) *sipgo.Request {
	next := req.Clone()
	next.ReplaceHeader(r.newVia())
	next.CSeq().SeqNo++
	return next
}

// handleMessage answers an incoming MESSAGE, outside a dialog or in c's
// (nil: outside), and reports it as Events.Message: 200 for text/*,
// 415 for other types, 413 for a body over phone.MaxMessageBody, 480
// when nobody listens.
func (r *registration) handleMessage(req *sipgo.Request, tx sipgo.ServerTransaction, c *Call) {
	ctype := defaultMessageType
	if h := req.GetHeader("Content-Type"); h != nil && strings.TrimSpace(h.Value()) != "" {
		ctype = strings.TrimSpace(h.Value())
	}
	media, _, err := mime.ParseMediaType(ctype)
	code, reason := 200, "OK"
	switch {
	case r.ev.Message == nil: // the page takes no messages: as calls without Incoming
		code, reason = 480, "Temporarily Unavailable"
	case len(req.Body()) > phone.MaxMessageBody:
		code, reason = 413, "Request Entity Too Large"
	case err != nil || !strings.HasPrefix(media, "text/"):
		code, reason = 415, "Unsupported Media Type"
	}
	var res *sipgo.Response
	if c != nil {
		res = c.answerTo(req, code, reason, "")
	} else {
		res = sipgo.NewResponseFromRequest(req, code, reason, nil)
		if tagOf(res.To().Params) == "" {
			res.To().Params.Add("tag", sip.RandomToken(10))
		}
		res.AppendHeader(sipgo.NewHeader("User-Agent", r.ua.cfg.UserAgent))
	}
	if code == 415 {
		res.AppendHeader(sipgo.NewHeader("Accept", "text/*"))
	}
	if err := tx.Respond(res); err != nil {
		r.ua.cfg.Logger.Debug("could not answer a MESSAGE", "error", err)
	}
	if code != 200 {
		r.ua.cfg.Logger.Info("MESSAGE refused", "code", code, "content-type", ctype, "bytes", len(req.Body()))
		return
	}
	from := req.From()
	r.ev.Message(phone.Message{
		From:        uriText(from.Address),
		FromName:    from.DisplayName,
		To:          uriText(req.To().Address),
		Body:        string(req.Body()),
		ContentType: ctype,
	})
}

// uriText is u as the page sees it: scheme, user and host[:port], no
// parameters.
func uriText(u sipgo.Uri) string {
	plain := sipgo.Uri{Scheme: u.Scheme, User: u.User, Host: u.Host, Port: u.Port}
	if plain.Scheme == "" {
		plain.Scheme = "sip"
	}
	return plain.String()
}
