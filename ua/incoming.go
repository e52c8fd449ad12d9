package ua

import (
	sipgo "github.com/emiago/sipgo/sip"
)

// allowHeader lists the methods this user agent answers. The registrar
// may filter other methods before they reach us (Kamailio's
// method_filtering).
const allowHeader = "OPTIONS, NOTIFY"

// handleRequest answers requests outside any dialog we know. This issue
// answers OPTIONS (keepalive and capability queries) and NOTIFY; every
// other method gets 405 with Allow (RFC 3261 §8.2.1).
func (r *registration) handleRequest(req *sipgo.Request, tx sipgo.ServerTransaction) {
	defer r.ua.recoverPanic(r.ev, "incoming "+string(req.Method))
	if tx == nil {
		return // an ACK to a 2xx we never sent
	}
	var res *sipgo.Response
	switch req.Method {
	case sipgo.OPTIONS:
		res = sipgo.NewResponseFromRequest(req, 200, "OK", nil)
		res.AppendHeader(sipgo.NewHeader("Allow", allowHeader))
		res.AppendHeader(sipgo.NewHeader("Accept", "application/sdp, text/plain, application/simple-message-summary"))
		res.AppendHeader(sipgo.NewHeader("Supported", "path, outbound"))
	case sipgo.NOTIFY:
		res = sipgo.NewResponseFromRequest(req, 200, "OK", nil)
	default:
		res = sipgo.NewResponseFromRequest(req, 405, "Method Not Allowed", nil)
		res.AppendHeader(sipgo.NewHeader("Allow", allowHeader))
	}
	res.AppendHeader(sipgo.NewHeader("User-Agent", r.ua.cfg.UserAgent))
	if err := tx.Respond(res); err != nil {
		r.ua.cfg.Logger.Debug("could not answer a request", "method", req.Method, "error", err)
	}
}
