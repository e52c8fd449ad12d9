package ua

import (
	"context"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/sip"
)

// outcome is how a SUBSCRIBE exchange ended.
type outcome struct {
	res     *sipgo.Response // the final response; nil when none came
	req     *sipgo.Request  // the request it answers
	granted int
}

// exchange sends req and follows 401/407 (digest, as for INVITE) and 423
// (a longer lifetime) to a final response. d is the dialog of req when it
// is not the subscription's current one.
func (s *subscription) exchange(ctx context.Context, req *sipgo.Request, expires int, d *dialog) outcome {
	r := s.r
	cred := sip.Credentials{Username: r.t.authUser, Password: r.t.opts.Password, Realm: r.t.realm}
	for round := 0; ; round++ {
		res, err := r.cur().ep.Do(ctx, req, nil)
		if err != nil {
			return outcome{req: req}
		}
		code := res.StatusCode
		switch {
		case code >= 200 && code < 300:
			granted := expires
			if v := headerInt(res, "Expires"); v >= 0 {
				granted = min(v, maxSubscribeExpires)
			}
			return outcome{res: res, req: req, granted: granted}
		case (code == 401 || code == 407) && round < 2:
			chal, err := sip.ParseChallenge(res, r.t.realm)
			if err != nil {
				return outcome{res: res, req: req}
			}
			next := s.again(req, d)
			if err := chal.Authorize(next, cred); err != nil {
				return outcome{res: res, req: req}
			}
			req = next
		case code == 423 && round < 2 && expires > 0:
			m := headerInt(res, "Min-Expires")
			if m <= expires || m > maxSubscribeExpires {
				return outcome{res: res, req: req}
			}
			expires = m
			next := s.again(req, d)
			exp := sipgo.ExpiresHeader(expires)
			next.ReplaceHeader(&exp)
			req = next
		default:
			return outcome{res: res, req: req}
		}
	}
}

// again is req once more with the next CSeq and a new branch (RFC 3261
// §8.1.3.5), its credentials removed. d is req's dialog when it is not
// the subscription's current one.
func (s *subscription) again(req *sipgo.Request, d *dialog) *sipgo.Request {
	next := req.Clone()
	next.RemoveHeader("Authorization")
	next.RemoveHeader("Proxy-Authorization")
	next.ReplaceHeader(s.r.newVia())
	s.mu.Lock()
	if d == nil && next.To() != nil && tagOf(next.To().Params) != "" {
		d = s.dlg
	}
	if d != nil {
		d.mu.Lock()
		d.localSeq++
		next.CSeq().SeqNo = d.localSeq
		d.mu.Unlock()
	} else {
		s.seq++
		next.CSeq().SeqNo = s.seq
	}
	s.mu.Unlock()
	return next
}
