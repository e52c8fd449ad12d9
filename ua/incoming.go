package ua

import (
	sipgo "github.com/emiago/sipgo/sip"
)

// handleRequest routes an incoming request: in-dialog ones (our tag in
// To) to their call, INVITE to a new call; OPTIONS, NOTIFY and MESSAGE
// outside a dialog are answered here, other methods get 405 with Allow (RFC 3261
// §8.2.1).
func (r *registration) handleRequest(req *sipgo.Request, tx sipgo.ServerTransaction) {
	defer r.ua.recoverPanic(r.ev, "incoming "+string(req.Method))
	if tagOf(req.To().Params) != "" {
		r.handleInDialog(req, tx)
		return
	}
	if tx == nil {
		return // an ACK to a 2xx we never sent
	}
	var res *sipgo.Response
	switch req.Method {
	case sipgo.INVITE:
		r.handleNewInvite(req, tx)
		return
	case sipgo.OPTIONS:
		res = sipgo.NewResponseFromRequest(req, 200, "OK", nil)
		res.AppendHeader(sipgo.NewHeader("Allow", allowMethods))
		res.AppendHeader(sipgo.NewHeader("Accept", "application/sdp, application/dtmf-relay, message/sipfrag, text/plain, application/simple-message-summary"))
		res.AppendHeader(sipgo.NewHeader("Supported", "path, outbound, replaces"))
	case sipgo.NOTIFY:
		r.handleNotify(req, tx)
		return
	case sipgo.MESSAGE:
		r.handleMessage(req, tx, nil)
		return
	default:
		res = sipgo.NewResponseFromRequest(req, 405, "Method Not Allowed", nil)
		res.AppendHeader(sipgo.NewHeader("Allow", allowMethods))
	}
	res.AppendHeader(sipgo.NewHeader("User-Agent", r.ua.cfg.UserAgent))
	if err := tx.Respond(res); err != nil {
		r.ua.cfg.Logger.Debug("could not answer a request", "method", req.Method, "error", err)
	}
}
