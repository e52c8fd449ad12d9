package ua

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/phone"
)

// fuzzGoroutines bounds the goroutines hostile messages may leave
// running at once (each exec's own end within a second or so).
const fuzzGoroutines = 200

// execTimeout bounds one exec, set-up included.
const execTimeout = 30 * time.Second

// serverSeeds are messages a server could send, in and out of the kept
// call's dialog. $CALLID, $ATAG (the caller's tag), $BTAG (the callee's),
// $AURI and $BURI (their contacts) are replaced by the call's values,
// so that the fuzzer reaches the dialog code.
var serverSeeds = []string{
	inDialog("BYE", "", ""),
	inDialog("INVITE", "Content-Type: application/sdp\r\n", sdpOf("srv", SendOnly)),
	inDialog("INVITE", "", ""),
	inDialog("INFO", "Content-Type: application/dtmf-relay\r\n", "Signal=5\r\nDuration=160\r\n"),
	inDialog("INFO", "Content-Type: application/dtmf\r\n", "#"),
	inDialog("REFER", "Refer-To: <sip:1003@lab.test>\r\nReferred-By: <sip:1001@lab.test>\r\n", ""),
	inDialog("REFER", "Refer-To: <sip:1003@lab.test?Replaces=x%3Bto-tag%3Dy>\r\n", ""),
	inDialog("NOTIFY", "Event: refer\r\nSubscription-State: terminated;reason=noresource\r\nContent-Type: message/sipfrag;version=2.0\r\n", "SIP/2.0 200 OK\r\n"),
	inDialog("UPDATE", "Content-Type: application/sdp\r\n", sdpOf("srv", Inactive)),
	inDialog("OPTIONS", "", ""),
	inDialog("MESSAGE", "Content-Type: text/plain\r\n", "hello"),
	inDialog("ACK", "", ""),
	inDialog("PRACK", "RAck: 1 1 INVITE\r\n", ""),
	inDialog("CANCEL", "", ""),
	outOfDialog("NOTIFY", "Event: message-summary\r\nContent-Type: application/simple-message-summary\r\n", "Messages-Waiting: yes\r\nMessage-Account: sip:*97@lab.test\r\nVoice-Message: 2/5 (0/1)\r\n"),
	outOfDialog("NOTIFY", "Event: message-summary\r\nContent-Type: text/plain\r\n", "Overwrote:<sip:1001@10.0.0.1:5060>"),
	outOfDialog("NOTIFY", "Event: message-summary\r\nContent-Type: text/plain\r\n", "Replaced-By:<sip:1001@10.0.0.2:5060>"),
	outOfDialog("INVITE", "Content-Type: application/sdp\r\n", sdpOf("srv", SendRecv)),
	outOfDialog("INVITE", "Require: 100rel, foo\r\n", ""),
	outOfDialog("INVITE", "Content-Type: text/html\r\n", "<b>x</b>"),
	outOfDialog("CANCEL", "", ""),
	outOfDialog("SUBSCRIBE", "Event: presence\r\n", ""),
	outOfDialog("OPTIONS", "Accept: */*\r\n", ""),
	"SIP/2.0 200 OK\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bKnone\r\nFrom: <sip:1002@lab.test>;tag=$BTAG\r\nTo: <sip:1001@lab.test>;tag=$ATAG\r\nCall-ID: $CALLID\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
	"SIP/2.0 180 Ringing\r\nVia: SIP/2.0/WS x.invalid\r\nCSeq: x INVITE\r\n\r\n",
	"INVITE $BURI SIP/2.0\r\nVia: SIP/2.0/WS server.invalid\r\nFrom: x\r\nTo: y\r\nCall-ID: z\r\nCSeq: 1 BYE\r\nContent-Length: 99\r\n\r\n",
	"BYE sip:x SIP/2.0\r\nTo: <sip:1002@lab.test>;tag=$BTAG\r\n\r\n",
	"\r\n\r\n",
	"INVITE",
	"",
}

func inDialog(method, headers, body string) string {
	return message(method, "$BURI", "<sip:1001@lab.test>;tag=$ATAG", "<sip:1002@lab.test>;tag=$BTAG", "$CALLID", headers, body)
}

func outOfDialog(method, headers, body string) string {
	return message(method, "$AURI", "\"Server\" <sip:srv@lab.test>;tag=s1", "<sip:1001@lab.test>", "out-of-dialog-1", headers, body)
}

func message(method, ruri, from, to, callID, headers, body string) string {
	cseq := "2 " + method
	if method == "ACK" || method == "CANCEL" {
		cseq = "1 " + method
	}
	return method + " " + ruri + " SIP/2.0\r\nVia: SIP/2.0/WS server.invalid;branch=z9hG4bKseed" + method + "\r\n" +
		"Max-Forwards: 70\r\nFrom: " + from + "\r\nTo: " + to + "\r\nCall-ID: " + callID + "\r\nCSeq: " + cseq + "\r\n" +
		"Contact: <sip:srv@server.invalid;transport=ws>\r\n" + headers +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// torture are the RFC 4475 messages in testdata/rfc4475 (also seeds).
func torture(tb testing.TB) map[string][]byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "rfc4475", "*", "*.dat"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no RFC 4475 messages in testdata/rfc4475: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f)] = b
	}
	return out
}

// FuzzServerMessage writes what the fuzzer makes on the WebSocket of two
// registered user agents with a call between them, as the server would:
// sipgo's parser, our endpoint (transactions), the user agent's dispatch
// and the call's dialog all see it. Nothing may panic; afterwards both
// still answer an OPTIONS, the call is either still up or hung up
// cleanly (a new one is placed), and goroutines stay bounded.
func FuzzServerMessage(f *testing.F) {
	for _, s := range serverSeeds {
		f.Add([]byte(s))
	}
	for _, m := range torture(f) {
		f.Add(m)
	}
	w := newWire(f, "1001", "1002")
	var out, in *Call
	base := runtime.NumGoroutine()
	f.Fuzz(func(t *testing.T, msg []byte) {
		// A user agent that stops answering would hang the exec: crash
		// instead, so that the fuzzer keeps the input and the stacks say
		// where it waits.
		watchdog := time.AfterFunc(execTimeout, func() {
			panic(fmt.Sprintf("an exec ran for %v; goroutines by creator:\n%s", execTimeout, goroutinesByCreator()))
		})
		defer watchdog.Stop()
		w.ensureRegistered(t)
		if out == nil || out.State() == phone.CallEnded || in.State() == phone.CallEnded {
			if out != nil {
				// One end may live on (a BYE to one side only): end both.
				ctx, cancel := context.WithTimeout(context.Background(), wait)
				_ = out.Hangup(ctx)
				_ = in.Hangup(ctx)
				cancel()
			}
			w.settle(t, 0, false, w.ack)
			out, in = w.call(t)
		}
		out.mu.Lock()
		d := out.dlg
		out.mu.Unlock()
		for _, kv := range [][2]string{
			{"$CALLID", d.callID}, {"$ATAG", d.localTag}, {"$BTAG", d.remoteTag},
			{"$AURI", w.phones[0].registration().contact.String()},
			{"$BURI", w.phones[1].registration().contact.String()},
		} {
			msg = bytes.ReplaceAll(msg, []byte(kv[0]), []byte(kv[1]))
		}
		w.reg.Send(string(msg))
		w.probe(t, w.ack)
		if n := runtime.NumGoroutine(); n > base+fuzzGoroutines {
			// Give ending transactions and calls a moment, then judge.
			w.settle(t, 2, false, w.ack)
			if n := runtime.NumGoroutine(); n > base+fuzzGoroutines {
				t.Fatalf("%d goroutines, %d at the start; by creator:\n%s", n, base, goroutinesByCreator())
			}
		}
	})
}

// goroutinesByCreator counts the running goroutines by where they
// wait and who started them.
func goroutinesByCreator() string {
	buf := make([]byte, 8<<20)
	buf = buf[:runtime.Stack(buf, true)]
	counts := map[string]int{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		lines := strings.Split(g, "\n")
		key := ""
		if len(lines) > 1 {
			key = lines[1]
		}
		for i, l := range lines {
			if strings.HasPrefix(l, "created by ") && i+1 < len(lines) {
				key += " <- " + strings.TrimSpace(lines[i+1])
			}
		}
		counts[key]++
	}
	var out []string
	for k, n := range counts {
		out = append(out, fmt.Sprintf("%5d %s", n, k))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
