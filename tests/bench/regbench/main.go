// Command regbench measures kazoo-dev's embedded registrar (not a test:
// numbers, no pass/fail). It starts kazoo-dev with N accounts and, over
// SIP WebSocket as browsers would:
//
//   - throughput: W connections each sending REGISTER refreshes with
//     digest credentials back to back for a while; 200 OKs per second,
//     median of three runs;
//   - concurrency: N clients that each connect, REGISTER (401, then
//     digest, then 200) and stay connected; how many end up bound, the
//     time each registration took (p50/p99), kazoo-dev's memory (RSS)
//     and its CPU time per registration.
//
// Client and server share the machine's cores; the figures are what
// kazoo-dev sustains here, a lower bound for a server of its own.
//
//	go run ./tests/bench/regbench -dev .cache/bin/kazoo-dev -clients 1000,5000,10000
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/icholy/digest"
	"github.com/kazoo-softphone/kazoo/tests/bench/procstat"
)

func main() {
	dev := flag.String("dev", ".cache/bin/kazoo-dev", "kazoo-dev binary")
	clients := flag.String("clients", "1000,5000,10000", "concurrent registered clients to try")
	workers := flag.Int("workers", 32, "connections sending REGISTERs back to back in the throughput run")
	duration := flag.Duration("duration", 5*time.Second, "length of each throughput run")
	flag.Parse()

	var ns []int
	for _, s := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fail("bad -clients %q", *clients)
		}
		ns = append(ns, n)
	}
	maxN := max(slices.Max(ns), *workers)

	fmt.Println("kazoo-dev registrar, SIP over WebSocket on loopback (client and server share the machine)")
	srv := startDev(*dev, maxN)
	defer srv.stop()
	var rates []float64
	for run := 0; run < 3; run++ {
		rates = append(rates, throughput(srv, *workers, *duration))
	}
	slices.Sort(rates)
	fmt.Printf("throughput: %d connections refreshing back to back: %.0f REGISTER/s median (runs %.0f, %.0f, %.0f)\n",
		*workers, rates[1], rates[0], rates[1], rates[2])
	srv.stop()

	for _, n := range ns {
		srv := startDev(*dev, n)
		concurrency(srv, n)
		srv.stop()
	}
}

// running is the kazoo-dev to stop when the bench fails.
var running atomic.Pointer[devServer]

func fail(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "regbench: "+f+"\n", a...)
	if d := running.Load(); d != nil {
		d.stop()
	}
	os.Exit(1)
}

type devServer struct {
	cmd  *exec.Cmd
	url  string
	once sync.Once
}

func startDev(bin string, accounts int) *devServer {
	var b strings.Builder
	for i := 0; i < accounts; i++ {
		fmt.Fprintf(&b, "u%d:pw%d\n", i, i)
	}
	f, err := os.CreateTemp("", "regbench-accounts-*")
	if err != nil {
		fail("%v", err)
	}
	defer os.Remove(f.Name())
	_, _ = f.WriteString(b.String())
	_ = f.Close()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-sip-udp", "off", "-log-level", "warn", "-accounts-file", f.Name())
	out, err := cmd.StdoutPipe()
	if err != nil {
		fail("%v", err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fail("start kazoo-dev: %v (run ./build.sh first)", err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		fail("kazoo-dev printed no URL: %v", err)
	}
	go func() { _, _ = bufio.NewReader(out).WriteTo(discard{}) }()
	d := &devServer{cmd: cmd, url: strings.TrimSuffix(strings.TrimSpace(line), "/")}
	running.Store(d)
	return d
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func (d *devServer) stop() {
	d.once.Do(func() {
		_ = d.cmd.Process.Signal(os.Interrupt)
		_ = d.cmd.Wait()
	})
}

func (d *devServer) wsURL() string { return "ws" + strings.TrimPrefix(d.url, "http") + "/sip" }

// client is one registered SIP WebSocket connection.
type client struct {
	c      *websocket.Conn
	user   string
	cseq   int
	chal   *digest.Challenge
	nc     int
	callID string
}

func dial(ctx context.Context, url, user string) (*client, error) {
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"sip"}})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(64 << 10)
	return &client{c: c, user: user, callID: fmt.Sprintf("bench-%s-%d", user, time.Now().UnixNano())}, nil
}

// register sends REGISTERs until a 200, answering 401s; it returns the
// number of requests it took.
func (cl *client) register(ctx context.Context) (int, error) {
	for n := 1; n <= 3; n++ {
		cl.cseq++
		var auth string
		if cl.chal != nil {
			cl.nc++
			cred, err := digest.Digest(cl.chal, digest.Options{Method: "REGISTER", URI: "sip:lab.test",
				Username: cl.user, Password: "pw" + strings.TrimPrefix(cl.user, "u"), Count: cl.nc})
			if err != nil {
				return n, err
			}
			auth = "Authorization: " + cred.String() + "\r\n"
		}
		msg := fmt.Sprintf("REGISTER sip:lab.test SIP/2.0\r\n"+
			"Via: SIP/2.0/WS bench.invalid;branch=z9hG4bK%s%d\r\n"+
			"From: <sip:%s@lab.test>;tag=t%s\r\nTo: <sip:%s@lab.test>\r\nCall-ID: %s\r\nCSeq: %d REGISTER\r\n"+
			"Max-Forwards: 70\r\nContact: <sip:%s@bench.invalid;transport=ws>;expires=600\r\n%sContent-Length: 0\r\n\r\n",
			cl.user, cl.cseq, cl.user, cl.user, cl.user, cl.callID, cl.cseq, cl.user, auth)
		if err := cl.c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			return n, err
		}
		res, err := cl.response(ctx)
		if err != nil {
			return n, err
		}
		switch {
		case strings.HasPrefix(res, "SIP/2.0 200"):
			return n, nil
		case strings.HasPrefix(res, "SIP/2.0 401"):
			cl.chal, cl.nc = nil, 0
			for _, line := range strings.Split(res, "\r\n") {
				if v, ok := strings.CutPrefix(line, "WWW-Authenticate: "); ok && strings.Contains(v, "MD5") {
					if cl.chal, err = digest.ParseChallenge(v); err != nil {
						return n, err
					}
				}
			}
			if cl.chal == nil {
				return n, fmt.Errorf("401 without an MD5 challenge")
			}
		default:
			return n, fmt.Errorf("unexpected answer: %.40q", res)
		}
	}
	return 3, fmt.Errorf("not registered after 3 REGISTERs")
}

// response reads the next response, answering the requests the server
// sends meanwhile (the message-summary NOTIFY a new device gets) with 200.
func (cl *client) response(ctx context.Context) (string, error) {
	for {
		_, data, err := cl.c.Read(ctx)
		if err != nil {
			return "", err
		}
		msg := string(data)
		if strings.HasPrefix(msg, "SIP/2.0 ") {
			return msg, nil
		}
		head, _, _ := strings.Cut(msg, "\r\n\r\n")
		var keep []string
		for _, line := range strings.Split(head, "\r\n")[1:] {
			name, _, _ := strings.Cut(line, ":")
			switch strings.ToLower(name) {
			case "via", "from", "to", "call-id", "cseq":
				keep = append(keep, line)
			}
		}
		ok := "SIP/2.0 200 OK\r\n" + strings.Join(keep, "\r\n") + "\r\nContent-Length: 0\r\n\r\n"
		if err := cl.c.Write(ctx, websocket.MessageText, []byte(ok)); err != nil {
			return "", err
		}
	}
}

// throughput returns 200 OKs per second with w connections refreshing.
func throughput(d *devServer, w int, dur time.Duration) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), dur+30*time.Second)
	defer cancel()
	var ok atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	var stopAt time.Time
	for i := 0; i < w; i++ {
		cl, err := dial(ctx, d.wsURL(), fmt.Sprintf("u%d", i))
		if err != nil {
			fail("dial: %v", err)
		}
		if _, err := cl.register(ctx); err != nil {
			fail("register: %v", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cl.c.CloseNow()
			<-start
			for time.Now().Before(stopAt) {
				if n, err := cl.register(ctx); err != nil {
					fail("refresh: %v", err)
				} else if n > 0 {
					ok.Add(1)
				}
			}
		}()
	}
	stopAt = time.Now().Add(dur)
	t0 := time.Now()
	close(start)
	wg.Wait()
	return float64(ok.Load()) / time.Since(t0).Seconds()
}

// concurrency registers n clients that stay connected.
func concurrency(d *devServer, n int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cpu0 := procstat.CPUTime(d.cmd.Process.Pid)
	var mu sync.Mutex
	var lat []time.Duration
	var failed atomic.Int64
	var firstErr atomic.Value
	conns := make([]*client, n)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			start := time.Now()
			cl, err := dial(ctx, d.wsURL(), fmt.Sprintf("u%d", i))
			if err == nil {
				_, err = cl.register(ctx)
			}
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
				return
			}
			conns[i] = cl
			mu.Lock()
			lat = append(lat, time.Since(start))
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	cpu := procstat.CPUTime(d.cmd.Process.Pid) - cpu0
	bound := bindings(d)
	rss := procstat.RSSKB(d.cmd.Process.Pid)
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Printf("concurrent: %d clients: %d bound, %d failed, in %.1f s (%.0f/s); connect+register p50 %v p99 %v; kazoo-dev RSS %.1f MB, CPU %.2f ms per registration\n",
		n, bound, failed.Load(), elapsed.Seconds(), float64(len(lat))/elapsed.Seconds(),
		pct(0.5).Round(100*time.Microsecond), pct(0.99).Round(100*time.Microsecond), float64(rss)/1024,
		float64(cpu.Milliseconds())/float64(max(1, len(lat))))
	if e := firstErr.Load(); e != nil {
		fmt.Printf("  first failure: %s\n", e)
	}
	for _, cl := range conns {
		if cl != nil {
			cl.c.CloseNow()
		}
	}
}

func bindings(d *devServer) int {
	res, err := http.Get(d.url + "/api/registrations")
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	var bs []json.RawMessage
	if json.NewDecoder(res.Body).Decode(&bs) != nil {
		return -1
	}
	return len(bs)
}
