package ua

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/kazoo-softphone/kazoo/clock"
	"github.com/kazoo-softphone/kazoo/phone"
	"github.com/kazoo-softphone/kazoo/reconnect"
	"github.com/kazoo-softphone/kazoo/sip"
)

// maxAuthRounds bounds 401/407 answers within one REGISTER exchange.
const maxAuthRounds = 3

// registration is one identity's registration (RFC 3261 §10.2), from
// Register to Logout. It outlives its connections: when the WebSocket
// drops, a new link replaces it (reconnect.go) and calls go on.
type registration struct {
	ua *UserAgent
	t  *target
	ev Events

	callID  string // one Call-ID for every REGISTER of this binding (§10.2)
	fromTag string
	contact sipgo.Uri  // the same on every link, so dialogs keep their target
	gruu    *sipgo.Uri // our public GRUU, when the registrar gives one
	via     string     // "WS" or "WSS"

	mu         sync.Mutex
	link       *link // the current connection; a dead one while reconnecting
	cseq       uint32
	chal       *sip.Challenge // last challenge, reused for refreshes
	inviteChal *sip.Challenge // last challenge to an INVITE or MESSAGE, answered ahead in the next one
	noSeed     bool           // a proxy refused the registrar's credentials in an INVITE (403)
	expires    int            // lifetime granted by the registrar
	registered bool
	closing    bool // logout or unload: stopping for good
	replaced   bool // the registrar said someone else took the binding
	refused    bool // a refresh was refused (401/403): no automatic retry
	refresh    clock.Timer
	sleepCheck clock.Timer     // the sleep detector's next check (reconnect.go)
	rc         *reconnect.Loop // the reconnect loop (reconnect.go)

	calls calls
	subs  subscriptions // SUBSCRIBE dialogs (subscribe.go)
}

func newRegistration(u *UserAgent, t *target, ev Events) *registration {
	r := &registration{
		ua:      u,
		t:       t,
		ev:      ev,
		callID:  sip.RandomToken(22),
		fromTag: sip.RandomToken(10),
		contact: sipgo.Uri{
			Scheme:    "sip",
			User:      sip.RandomToken(8),
			Host:      sip.RandomToken(12) + ".invalid",
			UriParams: sipgo.HeaderParams{{K: "transport", V: "ws"}},
		},
	}
	r.rc = r.newReconnectLoop()
	return r
}

func (r *registration) isRegistered() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.registered
}

// newRequest builds an out-of-dialog request of the registration
// itself (REGISTER): its Call-ID, From tag and CSeq sequence.
func (r *registration) newRequest(method sipgo.RequestMethod, ruri sipgo.Uri, to sipgo.Uri) *sipgo.Request {
	r.mu.Lock()
	r.cseq++
	seq := r.cseq
	r.mu.Unlock()
	return r.outOfDialog(method, ruri, to, r.callID, r.fromTag, seq)
}

// outOfDialog builds a request from this identity outside any dialog.
func (r *registration) outOfDialog(method sipgo.RequestMethod, ruri, to sipgo.Uri, callID, fromTag string, seq uint32) *sipgo.Request {
	req := sipgo.NewRequest(method, ruri)
	req.SetTransport(r.via)
	req.AppendHeader(r.newVia())
	maxfwd := sipgo.MaxForwardsHeader(70)
	req.AppendHeader(&maxfwd)
	req.AppendHeader(&sipgo.ToHeader{Address: to})
	req.AppendHeader(&sipgo.FromHeader{
		DisplayName: r.t.opts.DisplayName,
		Address:     r.t.aor,
		Params:      sipgo.HeaderParams{{K: "tag", V: fromTag}},
	})
	cid := sipgo.CallIDHeader(callID)
	req.AppendHeader(&cid)
	req.AppendHeader(&sipgo.CSeqHeader{SeqNo: seq, MethodName: method})
	return req
}

// newVia is a top Via for a new client transaction (RFC 7118 §5.2:
// transport WS or WSS, an .invalid host).
func (r *registration) newVia() *sipgo.ViaHeader {
	return &sipgo.ViaHeader{
		ProtocolName:    "SIP",
		ProtocolVersion: "2.0",
		Transport:       r.via,
		Host:            r.contact.Host,
		Params:          sipgo.HeaderParams{{K: "branch", V: sipgo.GenerateBranch()}},
	}
}

// contactHeader is our Contact for dialog-creating requests and answers:
// our public GRUU when the registrar gave one (RFC 5627 §4.2), since it
// reaches this UA instance whatever connection it is on, else our contact.
func (r *registration) contactHeader() *sipgo.ContactHeader {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gruu != nil {
		return &sipgo.ContactHeader{Address: *r.gruu}
	}
	return &sipgo.ContactHeader{Address: r.contact}
}

// newRegister builds a REGISTER asking for expires seconds (0 removes the
// binding). The Contact carries RFC 5626's +sip.instance and reg-id.
func (r *registration) newRegister(expires int) *sipgo.Request {
	req := r.newRequest(sipgo.REGISTER, r.t.registrar, r.t.aor)
	req.AppendHeader(&sipgo.ContactHeader{
		Address: r.contact,
		Params: sipgo.HeaderParams{
			{K: "+sip.instance", V: `"<urn:uuid:` + r.t.instance + `>"`},
			{K: "reg-id", V: "1"},
			{K: "expires", V: strconv.Itoa(expires)},
		},
	})
	exp := sipgo.ExpiresHeader(expires)
	req.AppendHeader(&exp)
	req.AppendHeader(sipgo.NewHeader("Allow", allowMethods))
	req.AppendHeader(sipgo.NewHeader("Supported", "path, outbound, gruu"))
	req.AppendHeader(sipgo.NewHeader("User-Agent", r.ua.cfg.UserAgent))
	req.SetBody(nil)
	return req
}

// register runs one REGISTER exchange for the configured lifetime,
// answering digest challenges, and records the granted lifetime.
func (r *registration) register(ctx context.Context) *phone.Error {
	res, err := r.exchange(ctx, r.t.expires)
	if err != nil {
		return err
	}
	granted := sip.GrantedExpires(res, r.contact.User, r.t.expires)
	gruu := publicGRUU(res, r.contact.User)
	r.mu.Lock()
	r.expires = granted
	r.registered = true
	if gruu != nil {
		r.gruu = gruu
	}
	r.mu.Unlock()
	return nil
}

// quotedParam returns the value of ;name="…" in a header value.
func quotedParam(header, name string) (string, bool) {
	key := ";" + name + `="`
	i := strings.Index(strings.ToLower(header), strings.ToLower(key))
	if i < 0 {
		return "", false
	}
	rest := header[i+len(key):]
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return "", false
	}
	return rest[:j], true
}

// publicGRUU reads the pub-gruu the registrar gave our binding (RFC 5627
// §5.1), or nil.
func publicGRUU(res *sipgo.Response, contactUser string) *sipgo.Uri {
	for _, h := range res.GetHeaders("Contact") {
		c, ok := h.(*sipgo.ContactHeader)
		if !ok || c.Address.User != contactUser {
			continue
		}
		// sipgo splits quoted parameter values at ';', so the pub-gruu
		// (a URI with parameters) is read from the header text.
		v, ok := quotedParam(c.Value(), "pub-gruu")
		if !ok {
			return nil
		}
		var u sipgo.Uri
		if err := sipgo.ParseUri(v, &u); err != nil || u.User == "" || !u.UriParams.Has("gr") {
			return nil
		}
		return &u
	}
	return nil
}

// exchange sends a REGISTER and follows 401/407 and 423 until a final
// answer. It returns the 2xx, or the *phone.Error the failure maps to.
func (r *registration) exchange(ctx context.Context, expires int) (*sipgo.Response, *phone.Error) {
	cred := sip.Credentials{Username: r.t.authUser, Password: r.t.opts.Password, Realm: r.t.realm}
	r.mu.Lock()
	cached := r.chal
	r.mu.Unlock()
	req := r.newRegister(expires)
	if cached != nil {
		if err := cached.Authorize(req, cred); err != nil {
			cached = nil
			req = r.newRegister(expires)
		}
	}
	freshRounds := 0
	briefRounds := 0
	for {
		rctx, cancel := context.WithTimeout(ctx, r.ua.cfg.RequestTimeout)
		res, err := r.cur().ep.Do(rctx, req, nil)
		cancel()
		if err != nil {
			return nil, r.requestError(ctx, err)
		}
		switch code := res.StatusCode; {
		case code >= 200 && code < 300:
			return res, nil
		case code == 401 || code == 407:
			chal, perr := sip.ParseChallenge(res, r.t.realm)
			if perr != nil {
				return nil, statusError(phone.KeyUnauthorized, res, "the registrar asked for credentials in a form kazoo cannot answer")
			}
			if freshRounds > 0 && !chal.Stale() || freshRounds >= maxAuthRounds {
				r.mu.Lock()
				r.chal = nil
				r.mu.Unlock()
				return nil, statusError(phone.KeyUnauthorized, res, "the registrar rejected the credentials")
			}
			freshRounds++
			r.mu.Lock()
			r.chal = chal
			r.mu.Unlock()
			req = r.newRegister(expires)
			if err := chal.Authorize(req, cred); err != nil {
				return nil, &phone.Error{Key: phone.KeyUnauthorized, Message: "cannot answer the digest challenge: " + err.Error(), Err: err}
			}
		case code == 423 && briefRounds == 0:
			briefRounds++
			min := headerInt(res, "Min-Expires")
			if min <= expires || min > 86400 {
				return nil, statusError(phone.KeyRegistrationFailed, res, "the registrar refused the registration lifetime")
			}
			expires = min
			req = r.newRegister(expires)
			r.mu.Lock()
			chal := r.chal
			r.mu.Unlock()
			if chal != nil {
				_ = chal.Authorize(req, cred)
			}
		case code == 403:
			return nil, statusError(phone.KeyForbidden, res, "the registrar refused this identity")
		default:
			return nil, statusError(phone.KeyRegistrationFailed, res, "the registrar refused the registration")
		}
	}
}

// requestError maps a REGISTER that got no final response.
func (r *registration) requestError(ctx context.Context, err error) *phone.Error {
	switch {
	case ctx.Err() != nil:
		return superseded(err)
	case errors.Is(err, sip.ErrConnectionLost) || errors.Is(err, sipgo.ErrTransactionTransport):
		return &phone.Error{Key: phone.KeyDisconnected, Message: "the connection to the registrar closed before it answered", Err: err}
	default:
		return &phone.Error{Key: phone.KeyServerNotReachable, Message: fmt.Sprintf("the registrar at %s did not answer the REGISTER", r.t.opts.WSURL), Err: err}
	}
}

func statusError(key string, res *sipgo.Response, msg string) *phone.Error {
	return &phone.Error{
		Key:     key,
		Message: fmt.Sprintf("%s (%d %s)", msg, res.StatusCode, res.Reason),
		Code:    res.StatusCode,
		Source:  res.StartLine(),
	}
}

func headerInt(res *sipgo.Response, name string) int {
	h := res.GetHeader(name)
	if h == nil {
		return -1
	}
	n, err := strconv.Atoi(h.Value())
	if err != nil {
		return -1
	}
	return n
}

// refreshDelay is when to re-register: half the granted lifetime, as
// most user agents do, and never sooner than a second.
func refreshDelay(granted int) time.Duration {
	d := time.Duration(granted) * time.Second / 2
	if d < time.Second {
		d = time.Second
	}
	return d
}

// scheduleRefresh arms the refresh timer for the granted lifetime.
func (r *registration) scheduleRefresh() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return
	}
	r.refresh = r.ua.cfg.Clock.AfterFunc(refreshDelay(r.expires), r.doRefresh)
}

// doRefresh re-registers. A refresh that gets no answer means the
// connection is dead: it is dropped, and reconnecting takes over. A
// refusal ends the registration with an error.
func (r *registration) doRefresh() {
	defer r.ua.recoverPanic(r.ev, "registration refresh")
	r.ua.op.Lock()
	defer r.ua.op.Unlock()
	r.mu.Lock()
	stop := r.closing || !r.registered
	l := r.link
	r.mu.Unlock()
	if stop {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
	res, err := r.exchange(ctx, r.t.expires)
	cancel()
	switch {
	case err == nil:
		r.mu.Lock()
		r.expires = sip.GrantedExpires(res, r.contact.User, r.t.expires)
		r.mu.Unlock()
		r.scheduleRefresh()
	case err.Key == phone.KeyDisconnected || err.Key == phone.KeyServerNotReachable:
		l.abort(errors.New("the registration refresh got no answer"))
	default:
		// Refused: credentials (401/403) will not get better by retrying;
		// other refusals (5xx) are worth reconnecting for.
		r.mu.Lock()
		r.registered = false
		r.refused = err.Key == phone.KeyUnauthorized || err.Key == phone.KeyForbidden
		r.mu.Unlock()
		emitError(r.ev, err)
		l.abort(err)
	}
}

// refreshTimeout bounds a refresh: a registrar that does not answer in
// time is treated as gone.
const refreshTimeout = 10 * time.Second

// stop marks the registration as closing for good and stops its timers.
// It reports whether it was registered.
func (r *registration) stop() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	was := r.registered
	r.closing = true
	r.registered = false
	if r.refresh != nil {
		r.refresh.Stop()
	}
	if r.sleepCheck != nil {
		r.sleepCheck.Stop()
	}
	r.rc.Stop()
	return was
}

// close ends the registration without unregistering.
func (r *registration) close() {
	r.stop()
	r.cur().close()
}

// unregisterTimeout bounds waiting for the answer to an un-REGISTER.
const unregisterTimeout = 5 * time.Second

// unregister removes the binding (Expires: 0), waiting for the answer at
// most until ctx ends or unregisterTimeout, then closes the connection.
func (r *registration) unregister(ctx context.Context) {
	var wg sync.WaitGroup
	for _, c := range r.liveCalls() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.Hangup(ctx)
		}()
	}
	wg.Wait()
	sctx, cancel := context.WithTimeout(ctx, unregisterTimeout)
	r.unsubscribe(sctx, nil, true)
	cancel()
	if r.stop() {
		uctx, cancel := context.WithTimeout(ctx, unregisterTimeout)
		if _, err := r.exchange(uctx, 0); err != nil {
			r.ua.cfg.Logger.Debug("unregister failed", "key", err.Key, "error", err.Message)
		}
		cancel()
	}
	r.cur().close()
}

// unregisterNow writes the un-REGISTER and closes without waiting.
func (r *registration) unregisterNow() {
	for _, c := range r.liveCalls() {
		c.abandon()
	}
	r.unsubscribe(context.Background(), nil, false)
	l := r.cur()
	if r.stop() {
		req := r.newRegister(0)
		r.mu.Lock()
		chal := r.chal
		r.mu.Unlock()
		if chal != nil {
			_ = chal.Authorize(req, sip.Credentials{Username: r.t.authUser, Password: r.t.opts.Password})
		}
		if err := l.tr.WriteMsg(req); err != nil {
			r.ua.cfg.Logger.Debug("unregister on unload failed", "error", err)
		}
	}
	l.close()
}
