package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/kazoo-softphone/kazoo/callflow"
)

type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimSpace(strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " ")))
}

func ask(t *testing.T, srv *httptest.Server, method string, form url.Values) *callflow.Node {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = http.PostForm(srv.URL+"/ivr", form)
	} else {
		resp, err = http.Get(srv.URL + "/ivr?" + form.Encode())
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	n, err := callflow.Parse(b)
	if err != nil {
		t.Fatalf("reply is not a valid callflow: %v\n%s", err, b)
	}
	return n
}

func TestIVR(t *testing.T) {
	for _, tc := range []struct{ method, collection string }{{"GET", ""}, {"POST", ""}, {"GET", "choice"}} {
		t.Run(tc.method+tc.collection, func(t *testing.T) {
			var l logs
			srv := httptest.NewServer(&ivr{sales: "1002", support: "1003", collection: tc.collection, logf: l.logf})
			defer srv.Close()
			first := url.Values{"Call-ID": {"c1"}, "Request": {"7000"}, "From": {"1001"}, "To": {"7000"}}

			n := ask(t, srv, tc.method, first)
			if tts, err := n.TTS(); err != nil || tts.Text != "Press 1 for sales, 2 for support." {
				t.Fatalf("first reply: %+v %v", tts, err)
			}
			c, err := n.Child("_").CollectDTMF()
			if err != nil || c.MaxDigits != 1 || c.CollectionName != tc.collection {
				t.Fatalf("collect_dtmf: %+v %v", c, err)
			}
			p, err := n.Child("_").Child("_").Pivot()
			if err != nil || p.VoiceURL != srv.URL+"/ivr" || p.Method != tc.method {
				t.Fatalf("pivot back: %+v %v", p, err)
			}

			key := "Digits"
			if tc.collection != "" {
				key = "Digits[" + tc.collection + "]"
			}
			with := func(d string) url.Values {
				v := url.Values{key: {d}}
				for k, vs := range first {
					v[k] = vs
				}
				return v
			}
			for digit, user := range map[string]string{"1": "1002", "2": "1003"} {
				u, err := ask(t, srv, tc.method, with(digit)).User()
				if err != nil || u.ID != user {
					t.Errorf("Digits=%s: %+v %v", digit, u, err)
				}
			}
			for _, d := range []string{"9", ""} {
				n := ask(t, srv, tc.method, with(d))
				if tts, err := n.TTS(); err != nil || !strings.HasPrefix(tts.Text, "Sorry") || n.Child("_").Module != "hangup" {
					t.Errorf("Digits=%q: %+v %v", d, tts, err)
				}
			}
			l.mu.Lock()
			defer l.mu.Unlock()
			if len(l.lines) != 5 || !strings.Contains(l.lines[0], "Call-ID=c1") || !strings.Contains(l.lines[0], "Request=7000") ||
				!strings.Contains(l.lines[1], url.QueryEscape(key)+"=") {
				t.Errorf("log lines: %q", l.lines)
			}
		})
	}
}

// TestReadmeExamples parses every JSON example of the README.
func TestReadmeExamples(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(b), "```json\n")[1:]
	modules := map[string]bool{}
	for _, blk := range blocks {
		src, _, _ := strings.Cut(blk, "```")
		if strings.Contains(src, `"callflows"`) {
			if _, err := callflow.ParseConfig([]byte(src)); err != nil {
				t.Errorf("%v\n%s", err, src)
			}
			continue
		}
		n, err := callflow.Parse([]byte(src))
		if err != nil {
			t.Errorf("%v\n%s", err, src)
			continue
		}
		var walk func(*callflow.Node)
		walk = func(n *callflow.Node) {
			modules[n.Module] = true
			for _, c := range n.Children {
				walk(c)
			}
		}
		walk(n)
	}
	for _, m := range callflow.Modules() {
		if !modules[m] {
			t.Errorf("README has no example for %s", m)
		}
	}
}
