//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/hack-pad/safejs"

	"github.com/kazoo-softphone/kazoo/jsbridge"
)

// probeTimeoutMs bounds the HTTP probe of explainDialFailure.
const probeTimeoutMs = 3000

// explainDialFailure says why a WebSocket could not be opened, which the
// browser never tells (the close event is 1006 in every case). It rules
// out what the page itself can know (mixed content, ports browsers
// block), then probes the same host and port with a no-cors HTTP request:
// an answer means a server is there but refused the SIP WebSocket
// handshake; no answer means nothing is listening or the host is
// unreachable, or, for wss://, that the browser does not trust the
// server's certificate.
func explainDialFailure(ctx context.Context, wsURL string) string {
	u, err := url.Parse(wsURL)
	if err != nil {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"ws": "80", "wss": "443"}[u.Scheme]
	}
	where := net.JoinHostPort(u.Hostname(), port)
	if port == "5060" || port == "5061" {
		return fmt.Sprintf("browsers refuse connections to port %s (a SIP port on their blocked-port list); use the server's WebSocket port", port)
	}
	if u.Scheme == "ws" && pageProtocol() == "https:" {
		return "a page served over https cannot open an unencrypted ws:// socket (mixed content); use wss://"
	}
	fetch, err := safejs.Global().Get("fetch")
	if err != nil || fetch.Type() != safejs.TypeFunction {
		return ""
	}
	probe := "http" + strings.TrimPrefix(wsURL, "ws")
	init, err := safejs.ValueOf(map[string]any{"mode": "no-cors", "cache": "no-store", "credentials": "omit"})
	if err != nil {
		return ""
	}
	if signal, err := timeoutSignal(probeTimeoutMs); err == nil {
		_ = init.Set("signal", signal)
	}
	promise, err := fetch.Invoke(probe, init)
	if err != nil {
		return ""
	}
	_, err = jsbridge.Await(ctx, promise)
	var rejected *jsbridge.RejectedError
	switch {
	case err == nil:
		return fmt.Sprintf("a server answered at %s but refused the SIP WebSocket handshake: wrong path, or it does not offer the %q subprotocol", where, "sip")
	case errors.As(err, &rejected) && strings.Contains(rejected.Message, "TimeoutError"),
		errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("%s did not answer within %d s", where, probeTimeoutMs/1000)
	case u.Scheme == "wss":
		// A certificate the browser does not trust fails the probe the
		// same way as a closed port: the page cannot tell them apart.
		return fmt.Sprintf("nothing answered at %s over TLS: the port is closed, the host does not resolve or cannot be reached, or this browser does not trust the server's certificate", where)
	default:
		return fmt.Sprintf("nothing answered at %s: the port is closed, or the host does not resolve or cannot be reached", where)
	}
}

func pageProtocol() string {
	loc, err := safejs.Global().Get("location")
	if err != nil {
		return ""
	}
	p, err := loc.Get("protocol")
	if err != nil {
		return ""
	}
	s, _ := p.String()
	return s
}

// timeoutSignal returns AbortSignal.timeout(ms).
func timeoutSignal(ms int) (safejs.Value, error) {
	as, err := safejs.Global().Get("AbortSignal")
	if err != nil {
		return as, err
	}
	return as.Call("timeout", ms)
}
