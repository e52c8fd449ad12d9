package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/icholy/digest"
)

// rawClient is a SIP WebSocket client written by hand, for what kazoo's
// user agent does not send (MESSAGE, keepalives, foreign identities).
type rawClient struct {
	t    *testing.T
	c    *websocket.Conn
	user string
	seq  int
}

func dialRaw(t *testing.T, s *server, user string) *rawClient {
	t.Helper()
	c, _, err := websocket.Dial(context.Background(), s.wsURL, &websocket.DialOptions{Subprotocols: []string{"sip"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return &rawClient{t: t, c: c, user: user}
}

func (r *rawClient) send(msg string) {
	r.t.Helper()
	if err := r.c.Write(context.Background(), websocket.MessageText, []byte(msg)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rawClient) read() string {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, b, err := r.c.Read(ctx)
	if err != nil {
		r.t.Fatalf("%s: read: %v", r.user, err)
	}
	return string(b)
}

// request sends a request from r (From r.user, digest as authUser; to is
// the To header value) and returns the final response, answering one
// challenge.
func (r *rawClient) request(method, ruri, to, extra, body, authUser string) string {
	r.t.Helper()
	header := ""
	for round := 0; round < 2; round++ {
		r.seq++
		msg := fmt.Sprintf("%s %s SIP/2.0\r\nVia: SIP/2.0/WS raw.invalid;branch=z9hG4bK-%s-%d\r\n"+
			"From: <sip:%s@lab.test>;tag=f%s\r\nTo: %s\r\nCall-ID: raw-%s-%s\r\nCSeq: %d %s\r\nMax-Forwards: 70\r\n"+
			"Contact: <sip:%s@raw.invalid;transport=ws>\r\n%s%sContent-Length: %d\r\n\r\n%s",
			method, ruri, r.user, r.seq, r.user, r.user, to, r.user, method, r.seq, method, r.user, extra, header, len(body), body)
		r.send(msg)
		for {
			res := r.read()
			if !strings.HasPrefix(res, "SIP/2.0 ") || strings.HasPrefix(res, "SIP/2.0 1") {
				continue
			}
			code := res[8:11]
			if (code == "401" || code == "407") && round == 0 {
				name, cred := "WWW-Authenticate: ", "Authorization: "
				if code == "407" {
					name, cred = "Proxy-Authenticate: ", "Proxy-Authorization: "
				}
				for _, line := range strings.Split(res, "\r\n") {
					if v, ok := strings.CutPrefix(line, name); ok && strings.Contains(v, "MD5") {
						ch, _ := digest.ParseChallenge(v)
						c, err := digest.Digest(ch, digest.Options{Method: method, URI: ruri, Username: authUser, Password: "pw-" + authUser})
						if err != nil {
							r.t.Fatal(err)
						}
						header = cred + c.String() + "\r\n"
					}
				}
				break
			}
			return res
		}
	}
	return ""
}

func status(res string) string {
	line, _, _ := strings.Cut(res, "\r\n")
	return strings.TrimPrefix(line, "SIP/2.0 ")
}

func TestKeepaliveMessageAndRefusals(t *testing.T) {
	s := start(t, func(c *Config) {
		if testing.Verbose() {
			c.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
	})
	a := dialRaw(t, s, "1001")
	// RFC 5626 §3.5.1: a double CRLF ping gets a CRLF pong.
	a.send("\r\n\r\n")
	if got := a.read(); got != "\r\n" {
		t.Fatalf("pong %q", got)
	}
	if res := a.request("REGISTER", "sip:lab.test", "<sip:1001@lab.test>", "Expires: 600\r\n", "", "1001"); status(res) != "200 OK" {
		t.Fatalf("REGISTER: %s", status(res))
	}
	b := dialRaw(t, s, "1002")
	if res := b.request("REGISTER", "sip:lab.test", "<sip:1002@lab.test>", "Expires: 600\r\n", "", "1002"); status(res) != "200 OK" {
		t.Fatalf("REGISTER: %s", status(res))
	}

	// MESSAGE (RFC 3428) from 1002 reaches 1001, whose 200 comes back.
	go func() {
		for {
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			_, m, err := a.c.Read(ctx)
			cancel()
			if err != nil {
				return
			}
			req := string(m)
			if !strings.HasPrefix(req, "MESSAGE ") {
				continue
			}
			var keep []string
			for _, line := range strings.Split(strings.SplitN(req, "\r\n\r\n", 2)[0], "\r\n")[1:] {
				n, _, _ := strings.Cut(line, ":")
				switch strings.ToLower(n) {
				case "via", "from", "call-id", "cseq":
					keep = append(keep, line)
				case "to":
					keep = append(keep, line+";tag=a")
				}
			}
			if strings.HasSuffix(req, "hello 1001") {
				a.send("SIP/2.0 200 OK\r\n" + strings.Join(keep, "\r\n") + "\r\nContent-Length: 0\r\n\r\n")
			}
			return
		}
	}()
	res := b.request("MESSAGE", "sip:1001@lab.test", "<sip:1001@lab.test>", "Content-Type: text/plain\r\n", "hello 1001", "1002")
	if status(res) != "200 OK" {
		t.Fatalf("MESSAGE: %s", status(res))
	}

	for _, tc := range []struct{ what, method, ruri, to, authUser, want string }{
		{"another user's credentials", "MESSAGE", "sip:1001@lab.test", "<sip:1001@lab.test>", "1001", "403 Forbidden auth ID"},
		{"a domain that is not ours", "MESSAGE", "sip:bob@example.com", "<sip:bob@example.com>", "1002", "403 Not relaying"},
		{"no such user", "MESSAGE", "sip:4242@lab.test", "<sip:4242@lab.test>", "1002", "404 Not Found"},
		{"an account not registered", "MESSAGE", "sip:1003@lab.test", "<sip:1003@lab.test>", "1002", "480 Temporarily Unavailable"},
		{"no user part", "MESSAGE", "sip:lab.test", "<sip:lab.test>", "1002", "484 Address Incomplete"},
		{"OPTIONS to the server", "OPTIONS", "sip:lab.test", "<sip:lab.test>", "1002", "200 Keepalive"},
		{"an in-dialog request for no dialog", "BYE", "sip:1001@lab.test", "<sip:1001@lab.test>;tag=nope", "1002", "404 Not here"},
	} {
		if got := status(b.request(tc.method, tc.ruri, tc.to, "", "", tc.authUser)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.what, got, tc.want)
		}
	}
}

// header is the value of the first name header field of a message.
func header(msg, name string) string {
	head, _, _ := strings.Cut(msg, "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n")[1:] {
		n, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(n), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// rawDialog is a dialog a rawClient made with INVITE.
type rawDialog struct {
	ruri, callID, toTag, target string
}

// invite calls ruri with an SDP offer, as authUser, and ACKs the 200.
func (r *rawClient) invite(ruri, authUser string) rawDialog {
	r.t.Helper()
	res := r.request("INVITE", ruri, "<"+ruri+">", "Content-Type: application/sdp\r\n", fakeSDP, authUser)
	if status(res) != "200 OK" {
		r.t.Fatalf("INVITE %s: %s", ruri, status(res))
	}
	d := dialogOf(res, ruri)
	r.send(fmt.Sprintf("ACK %s SIP/2.0\r\nVia: SIP/2.0/WS raw.invalid;branch=z9hG4bK-ack-%d\r\n"+
		"From: <sip:%s@lab.test>;tag=f%s\r\nTo: <%s>;tag=%s\r\nCall-ID: %s\r\nCSeq: %d ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		d.target, r.seq, r.user, r.user, ruri, d.toTag, d.callID, r.seq))
	return d
}

// dialogOf is the dialog a 2xx to a request for ruri made.
func dialogOf(res, ruri string) rawDialog {
	_, tag, _ := strings.Cut(header(res, "To"), ";tag=")
	contact := header(res, "Contact")
	contact = strings.TrimSuffix(strings.TrimPrefix(contact[strings.Index(contact, "<"):], "<"), ">")
	return rawDialog{ruri: ruri, callID: header(res, "Call-ID"), toTag: tag, target: contact}
}

// inDialog sends a request in d and returns its final response.
func (r *rawClient) inDialog(d rawDialog, method, contentType, body string) string {
	r.t.Helper()
	ct := ""
	if contentType != "" {
		ct = "Content-Type: " + contentType + "\r\n"
	}
	return r.inDialogWith(d, method, ct, body)
}

// inDialogWith sends a request in d with extra header lines.
func (r *rawClient) inDialogWith(d rawDialog, method, extra, body string) string {
	r.t.Helper()
	r.seq++
	ct := extra
	r.send(fmt.Sprintf("%s %s SIP/2.0\r\nVia: SIP/2.0/WS raw.invalid;branch=z9hG4bK-in-%d\r\n"+
		"From: <sip:%s@lab.test>;tag=f%s\r\nTo: <%s>;tag=%s\r\nCall-ID: %s\r\nCSeq: %d %s\r\nMax-Forwards: 70\r\n%sContent-Length: %d\r\n\r\n%s",
		method, d.target, r.seq, r.user, r.user, d.ruri, d.toTag, d.callID, r.seq, method, ct, len(body), body))
	for {
		res := r.read()
		if strings.HasPrefix(res, "SIP/2.0 ") && !strings.HasPrefix(res, "SIP/2.0 1") {
			return res
		}
	}
}

// readRequest reads messages until a method request comes.
func (r *rawClient) readRequest(method string) string {
	r.t.Helper()
	for {
		if m := r.read(); strings.HasPrefix(m, method+" ") {
			return m
		}
	}
}

// respondTo answers a request the client received.
func (r *rawClient) respondTo(req string, code int, reason string) {
	r.t.Helper()
	var keep []string
	head, _, _ := strings.Cut(req, "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n")[1:] {
		n, _, _ := strings.Cut(line, ":")
		switch strings.ToLower(strings.TrimSpace(n)) {
		case "via", "from", "to", "call-id", "cseq":
			keep = append(keep, line)
		}
	}
	r.send(fmt.Sprintf("SIP/2.0 %d %s\r\n%s\r\nContent-Length: 0\r\n\r\n", code, reason, strings.Join(keep, "\r\n")))
}
