// Package siptest holds test doubles for kazoo's native tests. Registrar
// is a FAKE SIP registrar and stateless proxy over WebSocket: just enough
// of RFC 3261 §10.3, §16.11 and digest authentication to test the user
// agent without a real server. Browser tests use a real Kamailio instead.
package siptest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	sipgo "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// Registrar is a fake SIP-over-WebSocket registrar with digest auth.
type Registrar struct {
	URL   string // ws://127.0.0.1:port/
	Realm string

	srv *httptest.Server

	mu            sync.Mutex
	users         map[string]string // user → password
	forbidden     map[string]bool
	algs          []string // challenge algorithms, in order of preference
	grant         int      // granted lifetime; 0 grants what was asked
	nonces        map[string]bool
	proxyNonces   map[string]bool // nonces sent in 407s
	strict407     bool            // 403 for Proxy-Authorization with a nonce from a 401
	nonceSeq      int
	stale         map[string]bool
	bindings      map[string]map[string]string // aor user → contact URI → contact value
	contacts      map[string]*websocket.Conn   // contact URI user → its connection
	branches      map[string]*websocket.Conn   // our Via branch → where the request came from
	inviteAuth    bool                         // challenge initial INVITEs with 407
	inviteForbids int
	inviteChals   int  // 407s sent to INVITEs
	messageAuth   bool // challenge MESSAGEs with 407
	messageChals  int  // 407s sent to MESSAGEs
	conns         []*websocket.Conn
	requests      chan *sipgo.Request
	responses     chan *sipgo.Response
	silent        bool // do not answer anything
	noPong        bool // do not answer keepalive pings
	pings         int
	proxyAuth     bool // challenge with 407 / Proxy-Authenticate
	minExp        int  // answer 423 below this lifetime
	held          map[sipgo.RequestMethod]bool
}

// NewRegistrar starts a fake registrar for realm with the given users
// (user → password). It stops with the test.
func NewRegistrar(t testing.TB, realm string, users map[string]string) *Registrar {
	r := &Registrar{
		Realm:       realm,
		users:       users,
		forbidden:   map[string]bool{},
		algs:        []string{"MD5"},
		nonces:      map[string]bool{},
		proxyNonces: map[string]bool{},
		stale:       map[string]bool{},
		bindings:    map[string]map[string]string{},
		contacts:    map[string]*websocket.Conn{},
		branches:    map[string]*websocket.Conn{},
		requests:    make(chan *sipgo.Request, 100),
		responses:   make(chan *sipgo.Response, 100),
	}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serveWS))
	r.URL = "ws" + strings.TrimPrefix(r.srv.URL, "http") + "/"
	t.Cleanup(r.Close)
	return r
}

// SetAlgorithms sets the challenges offered, most preferred first.
func (r *Registrar) SetAlgorithms(algs ...string) { r.mu.Lock(); r.algs = algs; r.mu.Unlock() }

// SetGrant makes the registrar grant this lifetime whatever is asked.
func (r *Registrar) SetGrant(seconds int) { r.mu.Lock(); r.grant = seconds; r.mu.Unlock() }

// Forbid makes REGISTERs for user get 403.
func (r *Registrar) Forbid(user string) { r.mu.Lock(); r.forbidden[user] = true; r.mu.Unlock() }

// SetMinExpires makes the registrar answer 423 to shorter lifetimes.
func (r *Registrar) SetMinExpires(seconds int) { r.mu.Lock(); r.minExp = seconds; r.mu.Unlock() }

// SetProxyAuth makes the registrar challenge as a proxy would: 407 with
// Proxy-Authenticate, answered with Proxy-Authorization.
func (r *Registrar) SetProxyAuth(v bool) { r.mu.Lock(); r.proxyAuth = v; r.mu.Unlock() }

// SetNoPong makes the registrar ignore CRLF keepalive pings.
func (r *Registrar) SetNoPong(v bool) { r.mu.Lock(); r.noPong = v; r.mu.Unlock() }

// Pings counts the CRLF keepalive pings received.
func (r *Registrar) Pings() int { r.mu.Lock(); defer r.mu.Unlock(); return r.pings }

// DropUser closes the connections user's contacts are bound to.
func (r *Registrar) DropUser(user string) {
	r.mu.Lock()
	var conns []*websocket.Conn
	for uri := range r.bindings[user] {
		var contact sipgo.Uri
		if sipgo.ParseUri(uri, &contact) == nil && r.contacts[contact.User] != nil {
			conns = append(conns, r.contacts[contact.User])
		}
	}
	r.mu.Unlock()
	for _, c := range conns {
		_ = c.CloseNow()
	}
}

// Unbind forgets user's bindings, as a registrar does when another
// device takes them over (after a NOTIFY Replaced-By).
func (r *Registrar) Unbind(user string) { r.mu.Lock(); delete(r.bindings, user); r.mu.Unlock() }

// SetSilent makes the registrar stop answering.
func (r *Registrar) SetSilent(v bool) { r.mu.Lock(); r.silent = v; r.mu.Unlock() }

// ExpireNonces marks every nonce issued so far as stale.
func (r *Registrar) ExpireNonces() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for n := range r.nonces {
		r.stale[n] = true
	}
}

// Bindings returns the contacts registered for user.
func (r *Registrar) Bindings(user string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for c := range r.bindings[user] {
		out = append(out, c)
	}
	return out
}

// Next returns the next request received, or fails the test after d.
func (r *Registrar) Next(t testing.TB, d time.Duration) *sipgo.Request {
	t.Helper()
	select {
	case req := <-r.requests:
		return req
	case <-time.After(d):
		t.Fatalf("fake registrar: no request within %v", d)
		return nil
	}
}

// NextResponse returns the next response the client sent, or fails the
// test after d.
func (r *Registrar) NextResponse(t testing.TB, d time.Duration) *sipgo.Response {
	t.Helper()
	select {
	case res := <-r.responses:
		return res
	case <-time.After(d):
		t.Fatalf("fake registrar: no response within %v", d)
		return nil
	}
}

// Responses are the responses the clients sent to requests the test
// wrote with Send (the ones NextResponse returns), for a test that must
// not block on them.
func (r *Registrar) Responses() <-chan *sipgo.Response { return r.responses }

// NoRequest fails the test if a request arrives within d.
func (r *Registrar) NoRequest(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case req := <-r.requests:
		t.Fatalf("fake registrar: unexpected request %s", req.StartLine())
	case <-time.After(d):
	}
}

// Send writes a raw message to every open connection.
func (r *Registrar) Send(raw string) {
	r.mu.Lock()
	conns := append([]*websocket.Conn(nil), r.conns...)
	r.mu.Unlock()
	for _, c := range conns {
		_ = c.Write(context.Background(), websocket.MessageText, []byte(raw))
	}
}

// DropConnections closes every WebSocket abruptly, as a crashed server.
func (r *Registrar) DropConnections() {
	r.mu.Lock()
	conns := r.conns
	r.conns = nil
	r.mu.Unlock()
	for _, c := range conns {
		_ = c.CloseNow()
	}
}

// Close stops the server.
func (r *Registrar) Close() {
	r.DropConnections()
	r.srv.Close()
}

func (r *Registrar) serveWS(w http.ResponseWriter, req *http.Request) {
	c, err := websocket.Accept(w, req, &websocket.AcceptOptions{Subprotocols: []string{"sip"}})
	if err != nil {
		return
	}
	r.mu.Lock()
	r.conns = append(r.conns, c)
	r.mu.Unlock()
	for {
		_, data, err := c.Read(context.Background())
		if err != nil {
			return
		}
		if strings.TrimSpace(string(data)) == "" { // RFC 5626 CRLF keepalive
			r.mu.Lock()
			r.pings++
			pong := !r.noPong
			r.mu.Unlock()
			if pong {
				_ = c.Write(context.Background(), websocket.MessageBinary, []byte("\r\n"))
			}
			continue
		}
		msg, err := sipgo.ParseMessage(data)
		if err != nil {
			continue
		}
		sreq, ok := msg.(*sipgo.Request)
		if !ok {
			r.handleResponse(msg.(*sipgo.Response))
			continue
		}
		select {
		case r.requests <- sreq:
		default: // nobody is reading: tests that look at calls ignore these
		}
		r.mu.Lock()
		silent := r.silent
		r.mu.Unlock()
		if silent || r.isHeld(sreq.Method) {
			continue
		}
		if sreq.Method != sipgo.REGISTER {
			r.forward(c, sreq)
			continue
		}
		if res := r.answer(c, sreq); res != nil {
			_ = c.Write(context.Background(), websocket.MessageText, []byte(res.String()))
		}
	}
}

func (r *Registrar) answer(conn *websocket.Conn, req *sipgo.Request) *sipgo.Response {
	user := req.To().Address.User
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.forbidden[user] {
		return sipgo.NewResponseFromRequest(req, 403, "Forbidden", nil)
	}
	if res := r.authenticate(req, user, r.proxyAuth); res != nil {
		return res
	}
	return r.bind(conn, req, user)
}

// authenticate checks req's digest credentials for user; it returns the
// challenge to send, or nil when they are right. The caller holds r.mu.
func (r *Registrar) authenticate(req *sipgo.Request, user string, proxy bool) *sipgo.Response {
	answer := "Authorization"
	if proxy {
		answer = "Proxy-Authorization"
	}
	h := req.GetHeader(answer)
	if h == nil {
		return r.challenge(req, false, proxy)
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil || !r.nonces[cred.Nonce] {
		return r.challenge(req, false, proxy)
	}
	if r.stale[cred.Nonce] {
		return r.challenge(req, true, proxy)
	}
	password, known := r.users[cred.Username]
	want, err := digest.Digest(&digest.Challenge{Realm: cred.Realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm, QOP: []string{"auth"}},
		digest.Options{Method: string(req.Method), URI: cred.URI, Count: cred.Nc, Cnonce: cred.Cnonce, Username: cred.Username, Password: password})
	if !known || err != nil || want.Response != cred.Response || cred.Username != user {
		return r.challenge(req, false, proxy)
	}
	return nil
}

func (r *Registrar) challenge(req *sipgo.Request, stale, proxy bool) *sipgo.Response {
	code, reason, header := 401, "Unauthorized", "WWW-Authenticate"
	if proxy {
		code, reason, header = 407, "Proxy Authentication Required", "Proxy-Authenticate"
	}
	res := sipgo.NewResponseFromRequest(req, code, reason, nil)
	for _, alg := range r.algs {
		r.nonceSeq++
		nonce := fmt.Sprintf("%x-%d", time.Now().UnixNano(), r.nonceSeq)
		r.nonces[nonce] = true
		if proxy {
			r.proxyNonces[nonce] = true
		}
		v := fmt.Sprintf(`Digest realm="%s", nonce="%s", qop="auth", algorithm=%s`, r.Realm, nonce, alg)
		if stale {
			v += ", stale=true"
		}
		res.AppendHeader(sipgo.NewHeader(header, v))
	}
	return res
}

func (r *Registrar) bind(conn *websocket.Conn, req *sipgo.Request, user string) *sipgo.Response {
	asked := 3600
	if e := req.GetHeader("Expires"); e != nil {
		asked, _ = strconv.Atoi(e.Value())
	}
	if asked > 0 && asked < r.minExp {
		res := sipgo.NewResponseFromRequest(req, 423, "Interval Too Brief", nil)
		res.AppendHeader(sipgo.NewHeader("Min-Expires", strconv.Itoa(r.minExp)))
		return res
	}
	if r.bindings[user] == nil {
		r.bindings[user] = map[string]string{}
	}
	for _, h := range req.GetHeaders("Contact") {
		c := h.(*sipgo.ContactHeader)
		exp := asked
		if v, ok := c.Params.Get("expires"); ok {
			exp, _ = strconv.Atoi(v)
		}
		if exp == 0 {
			delete(r.bindings[user], c.Address.String())
			delete(r.contacts, c.Address.User)
			continue
		}
		r.bindings[user][c.Address.String()] = c.Value()
		r.contacts[c.Address.User] = conn
	}
	res := sipgo.NewResponseFromRequest(req, 200, "OK", nil)
	grant := asked
	if r.grant > 0 {
		grant = r.grant
	}
	gruu := ""
	if s := req.GetHeader("Supported"); s != nil && strings.Contains(s.Value(), "gruu") {
		if c := req.Contact(); c != nil {
			if inst, ok := c.Params.Get("+sip.instance"); ok {
				// RFC 5627: pub-gruu = AOR;gr=<instance URN>.
				urn := strings.Trim(strings.Trim(inst, `"`), "<>")
				gruu = `;pub-gruu="sip:` + user + "@" + r.Realm + ";gr=" + urn + `"`
			}
		}
	}
	for uri := range r.bindings[user] {
		res.AppendHeader(sipgo.NewHeader("Contact", "<"+uri+">;expires="+strconv.Itoa(grant)+gruu))
	}
	return res
}
