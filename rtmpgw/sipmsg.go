package rtmpgw

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"

	ksip "github.com/kazoo-softphone/kazoo/sip"
)

// statusError is a SIP failure as siprtmp reports it: "<code> <reason>".
type statusError struct {
	code   int
	reason string
}

func (e *statusError) Error() string { return strconv.Itoa(e.code) + " " + e.reason }

func responseError(res *sip.Response) *statusError {
	return &statusError{code: res.StatusCode, reason: res.Reason}
}

// transportError maps an error without a SIP response (timeout, network,
// cancelled context) to a status for the RTMP client.
func transportError(err error) *statusError {
	var se *statusError
	switch {
	case errors.As(err, &se):
		return se
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, sip.ErrTransactionTimeout):
		return &statusError{408, "Request Timeout"}
	}
	return &statusError{503, "Service Unavailable"}
}

// parseStatus reads a reason such as "486 Busy Here" into a final status
// code and reason; a reason without a code is sent with def.
func parseStatus(s string, def int) (int, string) {
	s = strings.TrimSpace(s)
	if len(s) >= 3 {
		if code, err := strconv.Atoi(s[:3]); err == nil && code >= 300 && code <= 699 && (len(s) == 3 || s[3] == ' ') {
			reason := strings.TrimSpace(s[3:])
			if reason == "" {
				reason = ksip.ReasonPhrase(code)
			}
			return code, reason
		}
	}
	if s == "" {
		s = ksip.ReasonPhrase(def)
	}
	return def, s
}

// addressString renders a From/To header's name and URI the way siprtmp's
// invited and cancelled callbacks do: "Bob" <sip:bob@x>, no tag.
func addressString(display string, uri sip.Uri) string {
	if display == "" {
		return "<" + uri.String() + ">"
	}
	return strconv.Quote(display) + " <" + uri.String() + ">"
}

// parseTarget reads invite's or transfer's destination: a SIP URI, a name
// and URI ("Bob" <sip:bob@x>), or a bare user or number, which is taken
// in domain.
func parseTarget(dest, domain string) (sip.Uri, string, error) {
	var uri sip.Uri
	dest = strings.TrimSpace(dest)
	if dest == "" || len(dest) > 512 || strings.ContainsAny(dest, "\r\n") {
		return uri, "", fmt.Errorf("bad destination %q", dest)
	}
	display := ""
	switch {
	case strings.Contains(dest, "<"):
		params := sip.NewParams()
		d, err := sip.ParseAddressValue(dest, &uri, &params)
		if err != nil {
			return uri, "", fmt.Errorf("bad destination %q: %w", dest, err)
		}
		display = d
	case strings.HasPrefix(strings.ToLower(dest), "sip:"):
		if err := sip.ParseUri(dest, &uri); err != nil {
			return uri, "", fmt.Errorf("bad destination %q: %w", dest, err)
		}
	case strings.Contains(strings.SplitN(dest, "@", 2)[0], ":"):
		return uri, "", fmt.Errorf("bad destination %q: only sip: URIs are supported", dest)
	default:
		user, host, _ := strings.Cut(dest, "@")
		if host == "" {
			host = domain
		}
		uri = sip.Uri{Scheme: "sip", User: user, Host: host}
	}
	if uri.Scheme != "sip" || uri.Host == "" || uri.Wildcard {
		return uri, "", fmt.Errorf("bad destination %q: only sip: URIs are supported", dest)
	}
	return uri, display, nil
}

// sipfragStatus reads the status line of a message/sipfrag body
// ("SIP/2.0 200 OK").
func sipfragStatus(body []byte) (*statusError, bool) {
	line, _, _ := strings.Cut(string(body), "\n")
	f := strings.SplitN(strings.TrimSpace(line), " ", 3)
	if len(f) < 2 || !strings.HasPrefix(f[0], "SIP/") {
		return nil, false
	}
	code, err := strconv.Atoi(f[1])
	if err != nil || code < 100 || code > 699 {
		return nil, false
	}
	reason := ""
	if len(f) == 3 {
		reason = strings.TrimSpace(f[2])
	}
	return &statusError{code, reason}, true
}

// headerValue returns the value of the first header name, or "".
func headerValue(m sip.Message, name string) string {
	if hs := m.GetHeaders(name); len(hs) > 0 {
		return hs[0].Value()
	}
	return ""
}

// hasSDP reports whether a message carries an SDP body.
func hasSDP(m sip.Message) bool {
	ct := strings.ToLower(headerValue(m, "Content-Type"))
	return len(m.Body()) > 0 && strings.HasPrefix(ct, "application/sdp")
}

// wellFormed checks the headers every request the gateway handles needs.
func wellFormed(req *sip.Request) bool {
	return req.From() != nil && req.To() != nil && req.CallID() != nil && req.CSeq() != nil && req.Via() != nil
}

// respond answers req with a status, logging nothing: failures to answer
// (the peer went away) are not actionable.
func respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, body []byte, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, body)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	_ = tx.Respond(res)
}

// allowMethods are the methods the gateway accepts (it sends REFER but
// does not accept one).
const allowMethods = "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, INFO"
