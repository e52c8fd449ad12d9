package rtmpgw

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/emiago/sipgo/sip"

	ksip "github.com/kazoo-softphone/kazoo/sip"
)

// Registration timing.
const (
	registerTimeout   = 15 * time.Second // one REGISTER, challenges included
	unregisterTimeout = 3 * time.Second
	minRefresh        = time.Second
	retryAfterFailure = 30 * time.Second
)

// registration is a line's REGISTER state. Only one goroutine uses it at
// a time: serve, then keepRegistered, then the cleanup.
type registration struct {
	callID string
	cseq   uint32
	active bool // a binding may exist: un-REGISTER at the end
}

// registerRequest builds a REGISTER for the line's AOR and Contact,
// through the proxy.
func (l *line) registerRequest(expires int) *sip.Request {
	r := &l.reg
	if r.callID == "" {
		var b [12]byte
		_, _ = rand.Read(b[:])
		r.callID = hex.EncodeToString(b[:])
	}
	r.cseq++
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: l.aor.Host, Port: l.aor.Port})
	from := &sip.FromHeader{DisplayName: l.display, Address: l.aor, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	to := &sip.ToHeader{DisplayName: l.display, Address: l.aor}
	callID := sip.CallIDHeader(r.callID)
	contact := l.contact
	exp := sip.ExpiresHeader(expires)
	maxFwd := sip.MaxForwardsHeader(70)
	req.AppendHeader(&sip.RouteHeader{Address: l.g.proxy})
	req.AppendHeader(&maxFwd)
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: r.cseq, MethodName: sip.REGISTER})
	req.AppendHeader(&contact)
	req.AppendHeader(&exp)
	req.AppendHeader(sip.NewHeader("User-Agent", l.g.cfg.UserAgent))
	req.AppendHeader(sip.NewHeader("Allow", allowMethods))
	return req
}

// register sends REGISTER asking for lifetime want (0 un-registers),
// answering 401/407 challenges (MD5, SHA-256…) and 423, and returns the
// granted lifetime. A second challenge that is not stale means the
// credentials are wrong: the 401/407 is returned as a *statusError.
func (l *line) register(ctx context.Context, want time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, registerTimeout)
	defer cancel()
	expires := int(want / time.Second)
	var chal *ksip.Challenge
	for range 5 {
		req := l.registerRequest(expires)
		if chal != nil {
			if err := chal.Authorize(req, l.cred); err != nil {
				return 0, &statusError{401, "Unauthorized"}
			}
		}
		res, err := l.g.cli.Do(ctx, req)
		if err != nil {
			return 0, transportError(err)
		}
		switch code := res.StatusCode; {
		case code >= 200 && code < 300:
			l.reg.active = expires > 0
			return l.granted(res, expires), nil
		case code == 401 || code == 407:
			c, err := ksip.ParseChallenge(res, "")
			if err != nil || (chal != nil && !c.Stale()) {
				return 0, responseError(res)
			}
			chal = c
		case code == 423:
			n, err := strconv.Atoi(headerValue(res, "Min-Expires"))
			if err != nil || n <= expires || n > 86400 {
				return 0, responseError(res)
			}
			expires = n
		default:
			return 0, responseError(res)
		}
	}
	return 0, &statusError{500, "Too many registration attempts"}
}

// granted reads the lifetime the registrar granted our Contact
// (ksip.GrantedExpires: bounded to a day).
func (l *line) granted(res *sip.Response, asked int) time.Duration {
	return time.Duration(ksip.GrantedExpires(res, l.token, asked)) * time.Second
}

// keepRegistered refreshes the registration at half its lifetime until
// ctx ends. A refresh refused for authentication sends unauthorized once;
// failures are retried every 30 s.
func (l *line) keepRegistered(ctx context.Context, granted time.Duration) {
	told := false
	wait := max(granted/2, minRefresh)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		got, err := l.register(ctx, l.g.cfg.RegisterExpires)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			se := transportError(err)
			l.log.Warn("registration refresh failed", "status", se.Error())
			if (se.code == 401 || se.code == 403 || se.code == 407) && !told {
				l.send("unauthorized", se.Error())
				told = true
			}
			wait = retryAfterFailure
			continue
		}
		told = false
		wait = max(got/2, minRefresh)
		l.log.Debug("registration refreshed", "expires", got.String())
	}
}

// unregister removes our binding (Expires: 0).
func (l *line) unregister() {
	ctx, cancel := context.WithTimeout(context.Background(), unregisterTimeout)
	defer cancel()
	if _, err := l.register(ctx, 0); err != nil {
		l.log.Info("un-REGISTER failed", "err", err)
		return
	}
	l.log.Info("unregistered")
}
