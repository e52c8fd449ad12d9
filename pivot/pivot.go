package pivot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kazoo-softphone/kazoo/callflow"
)

// Defaults and limits.
const (
	// DefaultTimeout bounds a request when Config.Timeout is zero.
	DefaultTimeout = 10 * time.Second
	// MaxBody is the largest reply read, in bytes.
	MaxBody = 1 << 20
	// maxRedirects bounds the redirects followed.
	maxRedirects = 5
)

// Error keys.
const (
	KeyBadURL      = "pivot_bad_url"
	KeyUnreachable = "pivot_unreachable"
	KeyTimeout     = "pivot_timeout"
	KeyCanceled    = "pivot_canceled"
	KeyHTTPStatus  = "pivot_http_status"
	KeyInvalidJSON = "pivot_invalid_json"
)

// Request holds the fields sent to the application.
type Request struct {
	CallID         string
	Request        string
	To             string
	From           string
	AccountID      string
	CallerIDName   string
	CallerIDNumber string
	UserID         string
	Language       string
	// Digits of the last collect_dtmf collection.
	Digits string
	// DigitsName is the collection's collection_name; set, the digits are
	// sent as Digits[DigitsName].
	DigitsName string
}

// Values is the request as form fields.
func (r Request) Values() url.Values {
	v := url.Values{}
	add := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	add("Call-ID", r.CallID)
	add("Request", r.Request)
	add("To", r.To)
	add("From", r.From)
	add("Account-ID", r.AccountID)
	add("Caller-ID-Name", r.CallerIDName)
	add("Caller-ID-Number", r.CallerIDNumber)
	add("User-ID", r.UserID)
	add("Language", r.Language)
	if r.DigitsName != "" {
		v.Set("Digits["+r.DigitsName+"]", r.Digits)
	} else {
		add("Digits", r.Digits)
	}
	return v
}

// Config says where and how to ask; FromNode builds it from a pivot
// node's data.
type Config struct {
	// VoiceURL is the application (http or https).
	VoiceURL string
	// Method is GET (default) or POST.
	Method string
	// Timeout bounds the whole request (default DefaultTimeout).
	Timeout time.Duration
	// Client sends the request (default: a client of its own). Its
	// CheckRedirect, when nil, gets the redirect rules above.
	Client *http.Client
}

// FromNode is the Config of a pivot callflow node's data.
func FromNode(p callflow.Pivot) Config {
	return Config{VoiceURL: p.VoiceURL, Method: p.Method, Timeout: p.Timeout()}
}

// Error is a failed Pivot request.
type Error struct {
	// Key is one of the Key constants.
	Key string
	// Status is the HTTP status for pivot_http_status (else 0, or the
	// status of a reply that was not a callflow).
	Status int
	// Err is the cause.
	Err error
	// URL is the voice_url without its user name and password.
	URL string
}

func (e *Error) Error() string {
	s := e.Key
	if e.URL != "" {
		s += ": " + e.URL
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// redact is u without user info, for messages.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

var defaultClient = &http.Client{}

// Fetch asks the application for the callflow to run.
func Fetch(ctx context.Context, cfg Config, r Request) (*callflow.Node, error) {
	u, err := url.Parse(cfg.VoiceURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &Error{Key: KeyBadURL, Err: errors.New("voice_url must be an http:// or https:// URL")}
	}
	shown := redact(u)
	fail := func(key string, status int, err error) error {
		return &Error{Key: key, Status: status, Err: err, URL: shown}
	}
	method := strings.ToUpper(cfg.Method)
	if method == "" {
		method = http.MethodGet
	}
	if method != http.MethodGet && method != http.MethodPost {
		return nil, fail(KeyBadURL, 0, fmt.Errorf("method must be GET or POST, not %q", cfg.Method))
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errTimeout)
	defer cancel()

	form := r.Values()
	var body io.Reader
	target := *u
	if method == http.MethodGet {
		q := target.Query()
		for k, vs := range form {
			q[k] = vs
		}
		target.RawQuery = q.Encode()
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target.String(), body)
	if err != nil {
		return nil, fail(KeyBadURL, 0, errors.New("invalid voice_url"))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "kazoo-dev-pivot")

	client := client(cfg.Client)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fail(classify(ctx, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, fail(KeyHTTPStatus, resp.StatusCode, fmt.Errorf("HTTP %s", resp.Status))
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		if ct == "" {
			ct = "none"
		}
		return nil, fail(KeyInvalidJSON, resp.StatusCode, fmt.Errorf("Content-Type %s, want application/json", ct))
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		key, _, err := classify(ctx, err)
		return nil, fail(key, resp.StatusCode, fmt.Errorf("reading the reply: %w", err))
	}
	if len(b) > MaxBody {
		return nil, fail(KeyInvalidJSON, resp.StatusCode, fmt.Errorf("reply larger than %d bytes", MaxBody))
	}
	n, err := callflow.Parse(b)
	if err != nil {
		return nil, fail(KeyInvalidJSON, resp.StatusCode, fmt.Errorf("not a valid callflow: %w", err))
	}
	return n, nil
}

var errTimeout = errors.New("timed out")

// classify maps a transport error to a key and an error without the URL
// (url.Error's message carries the URL, user name included).
func classify(ctx context.Context, err error) (string, int, error) {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var rerr *redirectError
	switch {
	case errors.As(err, &rerr):
		return KeyUnreachable, 0, rerr
	case context.Cause(ctx) == errTimeout:
		return KeyTimeout, 0, errTimeout
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return KeyTimeout, 0, errTimeout
	case ctx.Err() != nil:
		return KeyCanceled, 0, context.Cause(ctx)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return KeyTimeout, 0, err
	}
	return KeyUnreachable, 0, err
}

type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// client is c (or a default client) with the redirect rules.
func client(c *http.Client) *http.Client {
	if c == nil {
		c = defaultClient
	}
	if c.CheckRedirect != nil {
		return c
	}
	cc := *c
	cc.CheckRedirect = checkRedirect
	return &cc
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return &redirectError{fmt.Sprintf("stopped after %d redirects", maxRedirects)}
	}
	if via[0].Method == http.MethodPost && req.Method != http.MethodPost {
		// 301/302/303 would resend the POST as a GET without the fields:
		// report the redirect status instead.
		return http.ErrUseLastResponse
	}
	return nil
}
