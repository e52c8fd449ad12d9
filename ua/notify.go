package ua

import (
	"strings"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/phone"
)

// classifyNotify reads an out-of-dialog NOTIFY. The body decides, not
// the Event header: Kazoo sends its registration notices as
// "Event: message-summary" with a body "Overwrote:<contact>" or
// "Replaced-By:<contact>". A message-summary body (RFC 3842, or a first
// line "Message-Account:") is voicemail; anything else is unknown.
func classifyNotify(req *sipgo.Request) phone.Notification {
	event, ctype := "", ""
	if h := req.GetHeader("Event"); h != nil {
		event = strings.TrimSpace(h.Value())
	}
	if h := req.GetHeader("Content-Type"); h != nil {
		ctype = h.Value()
	}
	return phone.ClassifyNotify(event, ctype, string(req.Body()))
}

// handleNotify answers an out-of-dialog NOTIFY (always 200) and reports
// it. A replaced registration stops refreshing and will not reconnect by
// itself: someone else has the binding now.
func (r *registration) handleNotify(req *sipgo.Request, tx sipgo.ServerTransaction) {
	res := sipgo.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(sipgo.NewHeader("User-Agent", r.ua.cfg.UserAgent))
	_ = tx.Respond(res)
	n := classifyNotify(req)
	if n.Key == phone.NotifyReplaced {
		r.mu.Lock()
		r.replaced = true
		r.registered = false
		r.rc.Stop()
		if r.refresh != nil {
			r.refresh.Stop()
		}
		r.mu.Unlock()
	}
	r.notify(n)
}
