package pivot

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/callflow"
)

const ttsReply = `{"module":"tts","data":{"text":"Press 1 for sales"},"children":{"_":{"module":"collect_dtmf","data":{"max_digits":1}}}}`

var full = Request{
	CallID: "abc@host", Request: "7000", To: "7000", From: "1001", AccountID: "kazoo-dev",
	CallerIDName: "Alice & Co", CallerIDNumber: "+1 555", UserID: "1001", Language: "en-US",
}

var wantFields = map[string]string{
	"Call-ID": "abc@host", "Request": "7000", "To": "7000", "From": "1001", "Account-ID": "kazoo-dev",
	"Caller-ID-Name": "Alice & Co", "Caller-ID-Number": "+1 555", "User-ID": "1001", "Language": "en-US",
}

// app is a Pivot application recording what it received.
type app struct {
	method, contentType, accept string
	form                        url.Values
	rawQuery                    string
}

func (a *app) server(t *testing.T, reply func(w http.ResponseWriter)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.method, a.contentType, a.accept = r.Method, r.Header.Get("Content-Type"), r.Header.Get("Accept")
		a.rawQuery = r.URL.RawQuery
		if err := r.ParseForm(); err != nil {
			t.Errorf("ParseForm: %v", err)
		}
		a.form = r.Form
		if reply == nil {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			io.WriteString(w, ttsReply)
			return
		}
		reply(w)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func checkFields(t *testing.T, got url.Values, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("field %s = %q, want %q", k, got.Get(k), v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("fields %v, want exactly %v", got, want)
	}
}

func TestGetSendsQueryFields(t *testing.T) {
	var a app
	srv := a.server(t, nil)
	r := full
	r.Digits = "1"
	n, err := Fetch(context.Background(), Config{VoiceURL: srv.URL + "/ivr?app=x"}, r)
	if err != nil {
		t.Fatal(err)
	}
	if n.Module != "tts" || n.Child("_").Module != "collect_dtmf" {
		t.Errorf("callflow = %+v", n)
	}
	if a.method != "GET" || a.accept != "application/json" {
		t.Errorf("method %s accept %q", a.method, a.accept)
	}
	want := map[string]string{"Digits": "1", "app": "x"}
	for k, v := range wantFields {
		want[k] = v
	}
	checkFields(t, a.form, want)
}

func TestPostSendsFormBody(t *testing.T) {
	var a app
	srv := a.server(t, nil)
	r := full
	r.Digits, r.DigitsName = "1234", "pin"
	if _, err := Fetch(context.Background(), Config{VoiceURL: srv.URL, Method: "post"}, r); err != nil {
		t.Fatal(err)
	}
	if a.method != "POST" || a.contentType != "application/x-www-form-urlencoded" || a.rawQuery != "" {
		t.Errorf("method %s content-type %q query %q", a.method, a.contentType, a.rawQuery)
	}
	want := map[string]string{"Digits[pin]": "1234"}
	for k, v := range wantFields {
		want[k] = v
	}
	checkFields(t, a.form, want)
}

func TestFieldEncoding(t *testing.T) {
	if got := (Request{CallID: "c"}).Values().Encode(); got != "Call-ID=c" {
		t.Errorf("empty fields sent: %s", got)
	}
	if got := (Request{Digits: "", DigitsName: "pin"}).Values().Encode(); got != "Digits%5Bpin%5D=" {
		t.Errorf("empty named collection: %s", got)
	}
	if got := (Request{Digits: "#*1"}).Values().Encode(); got != "Digits=%23%2A1" {
		t.Errorf("digits: %s", got)
	}
}

func keyOf(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not *pivot.Error", err, err)
	}
	return e
}

func TestReplyErrors(t *testing.T) {
	cases := []struct {
		name   string
		reply  func(w http.ResponseWriter)
		key    string
		status int
		msg    string
	}{
		{"500", func(w http.ResponseWriter) { http.Error(w, "boom", 500) }, KeyHTTPStatus, 500, "HTTP 500 Internal Server Error"},
		{"404", func(w http.ResponseWriter) { http.NotFound(w, nil) }, KeyHTTPStatus, 404, "HTTP 404 Not Found"},
		{"invalid JSON", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"module":"tts",`)
		}, KeyInvalidJSON, 200, "not a valid callflow: invalid JSON at byte 16: unexpected end of JSON input"},
		{"not a callflow", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"module":"collect_dtmf","data":{"max_digits":"one"}}`)
		}, KeyInvalidJSON, 200, "not a valid callflow: data.max_digits: must be an integer"},
		{"empty", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
		}, KeyInvalidJSON, 200, "not a valid callflow: invalid JSON at byte 0: unexpected end of JSON input"},
		{"html", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, ttsReply)
		}, KeyInvalidJSON, 200, "Content-Type text/html; charset=utf-8, want application/json"},
		{"no content type", func(w http.ResponseWriter) {
			w.Header()["Content-Type"] = nil
			io.WriteString(w, ttsReply)
		}, KeyInvalidJSON, 200, "Content-Type none, want application/json"},
		{"huge", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"module":"tts","data":{"text":"`+strings.Repeat("a", MaxBody)+`"}}`)
		}, KeyInvalidJSON, 200, "reply larger than 1048576 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var a app
			srv := a.server(t, c.reply)
			_, err := Fetch(context.Background(), Config{VoiceURL: srv.URL}, Request{CallID: "x"})
			e := keyOf(t, err)
			if e.Key != c.key || e.Status != c.status || !strings.HasSuffix(err.Error(), c.msg) {
				t.Errorf("got %s (status %d), want key %s status %d msg %q", err, e.Status, c.key, c.status, c.msg)
			}
			if !strings.HasPrefix(err.Error(), c.key+": "+srv.URL+": ") {
				t.Errorf("message %q does not start with the key and URL", err)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	_, err := Fetch(context.Background(), Config{VoiceURL: srv.URL, Timeout: 200 * time.Millisecond}, Request{})
	if e := keyOf(t, err); e.Key != KeyTimeout {
		t.Errorf("slow server: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %v", d)
	}
	// The caller's context ending (the call hung up) is not a timeout.
	ctx, cancel := context.WithCancel(context.Background())
	<-arrived // the first request's
	go func() { <-arrived; cancel() }()
	_, err = Fetch(ctx, Config{VoiceURL: srv.URL}, Request{})
	if e := keyOf(t, err); e.Key != KeyCanceled {
		t.Errorf("canceled: %v", err)
	}
}

func TestUnreachableAndBadURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = Fetch(context.Background(), Config{VoiceURL: "http://admin:hunter2@" + addr + "/ivr"}, Request{})
	e := keyOf(t, err)
	if e.Key != KeyUnreachable || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("unreachable: %v", err)
	}
	if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "admin") {
		t.Errorf("credentials in %q", err)
	}
	for _, bad := range []string{"", "ftp://x/", "/ivr", "http://", "http://a b/", "http://u:p@[::1/"} {
		_, err := Fetch(context.Background(), Config{VoiceURL: bad}, Request{})
		if e := keyOf(t, err); e.Key != KeyBadURL || strings.Contains(err.Error(), "u:p") {
			t.Errorf("Fetch(%q): %v", bad, err)
		}
	}
	_, err = Fetch(context.Background(), Config{VoiceURL: "http://127.0.0.1/", Method: "PUT"}, Request{})
	if e := keyOf(t, err); e.Key != KeyBadURL {
		t.Errorf("PUT: %v", err)
	}
}

func TestCredentialsNotLeaked(t *testing.T) {
	var user, pass string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ = r.BasicAuth()
		http.Error(w, "no", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	u.User = url.UserPassword("admin", "hunter2")
	_, err := Fetch(context.Background(), Config{VoiceURL: u.String()}, Request{})
	if user != "admin" || pass != "hunter2" {
		t.Errorf("basic auth not sent: %q %q", user, pass)
	}
	e := keyOf(t, err)
	if e.Key != KeyHTTPStatus || e.Status != 503 || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "admin") {
		t.Errorf("error %q", err)
	}
	if e.URL != srv.URL {
		t.Errorf("URL %q, want %q", e.URL, srv.URL)
	}
}

func TestRedirects(t *testing.T) {
	var a app
	target := a.server(t, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("/found", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/app?"+r.URL.RawQuery, http.StatusFound)
	})
	mux.HandleFunc("/temporary", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/app", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// GET follows a 302 (the query goes with it, as the app wrote it).
	if _, err := Fetch(context.Background(), Config{VoiceURL: srv.URL + "/found"}, Request{CallID: "g"}); err != nil || a.form.Get("Call-ID") != "g" {
		t.Errorf("GET 302: %v, fields %v", err, a.form)
	}
	// POST follows a 307, body kept.
	a.form = nil
	if _, err := Fetch(context.Background(), Config{VoiceURL: srv.URL + "/temporary", Method: "POST"}, Request{CallID: "p"}); err != nil || a.method != "POST" || a.form.Get("Call-ID") != "p" {
		t.Errorf("POST 307: %v, %s fields %v", err, a.method, a.form)
	}
	// POST does not follow a 302: that would drop the fields.
	_, err := Fetch(context.Background(), Config{VoiceURL: srv.URL + "/found", Method: "POST"}, Request{CallID: "p"})
	if e := keyOf(t, err); e.Key != KeyHTTPStatus || e.Status != http.StatusFound {
		t.Errorf("POST 302: %v", err)
	}
	_, err = Fetch(context.Background(), Config{VoiceURL: srv.URL + "/loop"}, Request{})
	if e := keyOf(t, err); e.Key != KeyUnreachable || !strings.Contains(err.Error(), "stopped after 5 redirects") {
		t.Errorf("loop: %v", err)
	}
}

func TestCustomClientAndFromNode(t *testing.T) {
	var a app
	srv := a.server(t, nil)
	used := false
	c := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used = true
		return http.DefaultTransport.RoundTrip(r)
	})}
	if _, err := Fetch(context.Background(), Config{VoiceURL: srv.URL, Client: c}, Request{}); err != nil || !used {
		t.Errorf("custom client: %v used=%v", err, used)
	}
	if c.CheckRedirect != nil {
		t.Error("Fetch changed the caller's client")
	}
	n, err := callflow.Parse([]byte(`{"module":"pivot","data":{"voice_url":"` + srv.URL + `/x","method":"post","req_timeout_ms":1500}}`))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := n.Pivot()
	if cfg := FromNode(p); cfg.VoiceURL != srv.URL+"/x" || cfg.Method != "POST" || cfg.Timeout != 1500*time.Millisecond {
		t.Errorf("FromNode = %+v", cfg)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
