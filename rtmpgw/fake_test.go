//go:build !js

package rtmpgw

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"

	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// fakeSIP is a FAKE SIP peer on UDP 127.0.0.1 standing in for the proxy
// and the phones behind it: a registrar with digest auth (401, and 407
// for INVITE), a callee for the gateway's INVITEs (by R-URI user: "busy"
// answers 486, "ring" rings until CANCEL, anyone else answers with SDP),
// a peer for in-dialog requests (re-INVITE, REFER with NOTIFY sipfrag,
// BYE, INFO answered 200), and a caller toward the gateway's registered Contacts. It records
// every request it receives. Not a SIP implementation: just enough to
// drive the gateway.
type fakeSIP struct {
	t     testing.TB
	addr  string
	port  int
	realm string
	users map[string]string
	alg   string // challenge algorithm
	ua    *sipgo.UserAgent
	cli   *sipgo.Client
	dua   *sipgo.DialogUA
	rtp   *net.UDPConn // the fake phones' media socket

	mu         sync.Mutex
	nonces     map[string]bool
	bindings   map[string]sip.Uri // user → Contact
	uas        map[string]*sipgo.DialogServerSession
	uac        map[string]*sipgo.DialogClientSession
	log        []*sip.Request
	referFrag  string // sipfrag of the NOTIFY after a REFER
	inviteAuth bool
	grant      int // registration lifetime granted; what was asked when 0
}

func newFakeSIP(t testing.TB, users map[string]string) *fakeSIP {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rtp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSIP{
		t: t, addr: pc.LocalAddr().String(), port: pc.LocalAddr().(*net.UDPAddr).Port, realm: "lab.test",
		users: users, alg: "MD5", rtp: rtp, nonces: map[string]bool{}, bindings: map[string]sip.Uri{},
		uas: map[string]*sipgo.DialogServerSession{}, uac: map[string]*sipgo.DialogClientSession{},
		referFrag: "SIP/2.0 200 OK", inviteAuth: true,
	}
	quiet := slog.New(slog.DiscardHandler)
	f.ua, _ = sipgo.NewUA(sipgo.WithUserAgent("fake"), sipgo.WithUserAgentHostname("127.0.0.1"),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)))
	srv, _ := sipgo.NewServer(f.ua, sipgo.WithServerLogger(quiet))
	f.cli, _ = sipgo.NewClient(f.ua, sipgo.WithClientLogger(quiet), sipgo.WithClientAddr(f.addr), sipgo.WithClientConnectionAddr(f.addr))
	f.dua = &sipgo.DialogUA{Client: f.cli, ContactHDR: sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "fake", Host: "127.0.0.1", Port: f.port}}}
	srv.OnRegister(f.record(f.onRegister))
	srv.OnInvite(f.record(f.onInvite))
	srv.OnAck(f.record(f.onAck))
	srv.OnBye(f.record(f.onBye))
	srv.OnRefer(f.record(f.onRefer))
	srv.OnCancel(f.record(func(req *sip.Request, tx sip.ServerTransaction) { respond(tx, req, 481, "No Transaction", nil) }))
	srv.OnNotify(f.record(func(req *sip.Request, tx sip.ServerTransaction) { respond(tx, req, 200, "OK", nil) }))
	srv.OnInfo(f.record(func(req *sip.Request, tx sip.ServerTransaction) { respond(tx, req, 200, "OK", nil) }))
	go func() { _ = srv.ServeUDP(pc) }()
	for range 200 {
		if c, _ := f.ua.TransportLayer().GetConnection("udp", f.addr); c != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Cleanup(func() { _ = f.ua.Close(); _ = pc.Close(); _ = rtp.Close() })
	return f
}

// record logs each request before handling it.
func (f *fakeSIP) record(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		f.mu.Lock()
		f.log = append(f.log, req.Clone())
		f.mu.Unlock()
		h(req, tx)
	}
}

// note records a synthetic event (CANCEL, which sipgo answers itself).
func (f *fakeSIP) note(method sip.RequestMethod, callID string) {
	req := sip.NewRequest(method, sip.Uri{Scheme: "sip", Host: "fake"})
	id := sip.CallIDHeader(callID)
	req.AppendHeader(&id)
	f.mu.Lock()
	f.log = append(f.log, req)
	f.mu.Unlock()
}

// wait returns the first logged request with method for which match
// holds, after those already taken; it fails the test after 5 s.
func (f *fakeSIP) wait(method sip.RequestMethod, match func(*sip.Request) bool) *sip.Request {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		f.mu.Lock()
		for i, r := range f.log {
			if r != nil && r.Method == method && (match == nil || match(r)) {
				f.log[i] = nil
				f.mu.Unlock()
				return r
			}
		}
		f.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	f.t.Fatalf("fake SIP: no %s", method)
	return nil
}

func (f *fakeSIP) challenge(tx sip.ServerTransaction, req *sip.Request, code int) {
	nonce := sip.GenerateTagN(16)
	f.mu.Lock()
	f.nonces[nonce] = true
	alg := f.alg
	f.mu.Unlock()
	c := &digest.Challenge{Realm: f.realm, Nonce: nonce, Algorithm: alg, QOP: []string{"auth"}}
	name, reason := "WWW-Authenticate", "Unauthorized"
	if code == 407 {
		name, reason = "Proxy-Authenticate", "Proxy Authentication Required"
	}
	respond(tx, req, code, reason, nil, sip.NewHeader(name, c.String()))
}

// authorized checks a digest answer to one of our challenges.
func (f *fakeSIP) authorized(req *sip.Request, header string) bool {
	v := headerValue(req, header)
	cred, err := digest.ParseCredentials(v)
	if err != nil {
		return false
	}
	f.mu.Lock()
	known := f.nonces[cred.Nonce]
	f.mu.Unlock()
	pw, ok := f.users[cred.Username]
	if !known || !ok || cred.Realm != f.realm {
		return false
	}
	want, err := digest.Digest(&digest.Challenge{Realm: f.realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm, QOP: []string{"auth"}},
		digest.Options{Method: string(req.Method), URI: cred.URI, Username: cred.Username, Password: pw, Cnonce: cred.Cnonce, Count: cred.Nc})
	return err == nil && want.Response == cred.Response
}

func (f *fakeSIP) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	if !f.authorized(req, "Authorization") {
		f.challenge(tx, req, 401)
		return
	}
	exp, _ := strconv.Atoi(headerValue(req, "Expires"))
	user := req.To().Address.User
	f.mu.Lock()
	if exp == 0 {
		delete(f.bindings, user)
	} else if req.Contact() != nil {
		f.bindings[user] = req.Contact().Address
	}
	grant := f.grant
	f.mu.Unlock()
	if grant == 0 {
		grant = exp
	}
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	if exp > 0 {
		res.AppendHeader(sip.NewHeader("Contact", fmt.Sprintf("<%s>;expires=%d", req.Contact().Address.String(), grant)))
	}
	_ = tx.Respond(res)
}

// set changes the fake's behaviour (alg, inviteAuth, referFrag).
func (f *fakeSIP) set(change func(f *fakeSIP)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
}

// binding returns the Contact registered for user.
func (f *fakeSIP) binding(user string) (sip.Uri, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.bindings[user]
	return u, ok
}

// sdp is the fake phones' SDP: PCMU and telephone-event on f.rtp.
func (f *fakeSIP) sdp(dir string) []byte {
	return []byte(fmt.Sprintf("v=0\r\no=fake 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=%s\r\n",
		f.rtp.LocalAddr().(*net.UDPAddr).Port, dir))
}

func (f *fakeSIP) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	callID := req.CallID().Value()
	if req.To().Params.Has("tag") { // re-INVITE
		sd, _ := parseSDP(req.Body())
		res := sip.NewSDPResponseFromRequest(req, f.sdp(answerDir(sd.dir, false)))
		res.AppendHeader(&f.dua.ContactHDR)
		_ = tx.Respond(res)
		return
	}
	f.mu.Lock()
	auth := f.inviteAuth
	f.mu.Unlock()
	if auth && !f.authorized(req, "Proxy-Authorization") {
		f.challenge(tx, req, 407)
		return
	}
	switch req.Recipient.User {
	case "busy":
		respond(tx, req, 486, "Busy Here", nil)
		return
	}
	dss, err := f.dua.ReadInvite(req, tx)
	if err != nil {
		respond(tx, req, 400, "Bad Request", nil)
		return
	}
	f.mu.Lock()
	f.uas[callID] = dss
	f.mu.Unlock()
	_ = dss.Respond(180, "Ringing", nil)
	if req.Recipient.User == "ring" {
		select {
		case <-dss.Context().Done():
			f.note(sip.CANCEL, callID)
		case <-time.After(10 * time.Second):
		}
		return
	}
	// sipgo handles each incoming message in its own goroutine: a 200
	// right behind the 180 can overtake it.
	time.Sleep(30 * time.Millisecond)
	_ = dss.RespondSDP(f.sdp(dirSendRecv))
}

func (f *fakeSIP) onAck(req *sip.Request, tx sip.ServerTransaction) {
	f.mu.Lock()
	dss := f.uas[req.CallID().Value()]
	f.mu.Unlock()
	if dss != nil {
		_ = dss.ReadAck(req, tx)
	}
}

func (f *fakeSIP) onBye(req *sip.Request, tx sip.ServerTransaction) {
	f.mu.Lock()
	dss, dcs := f.uas[req.CallID().Value()], f.uac[req.CallID().Value()]
	f.mu.Unlock()
	switch {
	case dss != nil:
		_ = dss.ReadBye(req, tx)
	case dcs != nil:
		_ = dcs.ReadBye(req, tx)
	default:
		respond(tx, req, 481, "No Dialog", nil)
	}
}

// onRefer accepts a transfer and reports its outcome with f.referFrag.
func (f *fakeSIP) onRefer(req *sip.Request, tx sip.ServerTransaction) {
	f.mu.Lock()
	dss, frag := f.uas[req.CallID().Value()], f.referFrag
	f.mu.Unlock()
	if dss == nil {
		respond(tx, req, 481, "No Dialog", nil)
		return
	}
	respond(tx, req, 202, "Accepted", nil)
	go func() {
		n := sip.NewRequest(sip.NOTIFY, req.Contact().Address)
		n.AppendHeader(sip.NewHeader("Event", "refer"))
		n.AppendHeader(sip.NewHeader("Subscription-State", "terminated;reason=noresource"))
		n.AppendHeader(sip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
		n.SetBody([]byte(frag + "\r\n"))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = dss.Do(ctx, n)
	}()
}

// call INVITEs the gateway's Contact for user from "Bob" <sip:1002@lab.test>.
func (f *fakeSIP) call(user string) *sipgo.DialogClientSession {
	f.t.Helper()
	contact, ok := f.binding(user)
	if !ok {
		f.t.Fatalf("fake SIP: %s is not registered", user)
	}
	req := sip.NewRequest(sip.INVITE, contact)
	from := &sip.FromHeader{DisplayName: "Bob", Address: sip.Uri{Scheme: "sip", User: "1002", Host: f.realm}, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(10))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: user, Host: f.realm}})
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(f.sdp(dirSendRecv))
	dcs, err := f.dua.WriteInvite(context.Background(), req)
	if err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	f.uac[req.CallID().Value()] = dcs
	f.mu.Unlock()
	return dcs
}

// notify sends an out-of-dialog NOTIFY to user's Contact and returns the
// status code of the answer.
func (f *fakeSIP) notify(user, event, contentType, body string) int {
	f.t.Helper()
	contact, ok := f.binding(user)
	if !ok {
		f.t.Fatalf("fake SIP: %s is not registered", user)
	}
	aor := sip.Uri{Scheme: "sip", User: user, Host: f.realm}
	req := sip.NewRequest(sip.NOTIFY, contact)
	from := &sip.FromHeader{Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(10))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: aor})
	req.AppendHeader(sip.NewHeader("Event", event))
	req.AppendHeader(sip.NewHeader("Subscription-State", "terminated;reason=noresource"))
	req.AppendHeader(sip.NewHeader("Content-Type", contentType))
	req.SetBody([]byte(body))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := f.cli.Do(ctx, req)
	if err != nil {
		f.t.Fatal(err)
	}
	return res.StatusCode
}

// rtpPacket is one RTP packet the fake received.
type rtpPacket struct {
	pt      byte
	marker  bool
	seq     uint16
	ts      uint32
	ssrc    uint32
	payload []byte
}

// readRTP returns the next RTP packet on the fake's media socket.
func (f *fakeSIP) readRTP(timeout time.Duration) (rtpPacket, bool) {
	buf := make([]byte, 1500)
	_ = f.rtp.SetReadDeadline(time.Now().Add(timeout))
	n, err := f.rtp.Read(buf)
	if err != nil || n < 12 {
		return rtpPacket{}, false
	}
	return rtpPacket{
		pt: buf[1] & 0x7f, marker: buf[1]&0x80 != 0,
		seq: uint16(buf[2])<<8 | uint16(buf[3]), ts: be32(buf[4:]), ssrc: be32(buf[8:]),
		payload: append([]byte(nil), buf[12:n]...),
	}, true
}

// sendRTP sends one RTP packet from the fake's media socket to addr.
func (f *fakeSIP) sendRTP(to *net.UDPAddr, pt byte, seq uint16, ts, ssrc uint32, payload []byte) {
	p := []byte{0x80, pt, byte(seq >> 8), byte(seq), byte(ts >> 24), byte(ts >> 16), byte(ts >> 8), byte(ts),
		byte(ssrc >> 24), byte(ssrc >> 16), byte(ssrc >> 8), byte(ssrc)}
	if _, err := f.rtp.WriteToUDP(append(p, payload...), to); err != nil {
		f.t.Fatal(err)
	}
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
