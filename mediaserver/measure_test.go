//go:build !js

package mediaserver

import (
	"encoding/binary"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// TestMeasureBridge reports set-up times, one-way relay latency and CPU
// of bridged calls (pion browser ↔ bridge ↔ UDP phone, all in this
// process). It runs only with MEDIASERVER_MEASURE=<calls>.
func TestMeasureBridge(t *testing.T) {
	calls, _ := strconv.Atoi(os.Getenv("MEDIASERVER_MEASURE"))
	if calls <= 0 {
		t.Skip("set MEDIASERVER_MEASURE=<calls> to measure")
	}
	const run = 5 * time.Second
	s := testServer(t)
	g0 := runtime.NumGoroutine()
	var offerT, answerT, connectT []time.Duration
	type leg struct {
		c  *call
		rx <-chan *rtp.Packet
	}
	var legs []leg
	for range calls {
		c := &call{t: t, br: newBrowser(t), ph: newPhone(t)}
		c.phRx = phoneRx(c.ph)
		b, err := s.NewBridge()
		if err != nil {
			t.Fatal(err)
		}
		c.b = b
		t.Cleanup(func() { _ = b.Close() })
		offer := c.br.offer(nil)
		t0 := time.Now()
		toPhone, err := b.Offer(WebRTC, offer)
		if err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		toBrowser, err := b.Answer(Plain, c.ph.sdp(1, "0 101", "a=rtpmap:101 telephone-event/8000"))
		if err != nil {
			t.Fatal(err)
		}
		t2 := time.Now()
		c.br.setAnswer(toBrowser)
		c.br.waitConnected()
		offerT, answerT, connectT = append(offerT, t1.Sub(t0)), append(answerT, t2.Sub(t1)), append(connectT, time.Since(t2))
		c.to = target(t, toPhone)
		legs = append(legs, leg{c, c.phRx})
	}
	perCall := float64(runtime.NumGoroutine()-g0) / float64(calls)

	stamp := func() []byte {
		b := make([]byte, frameTicks)
		binary.BigEndian.PutUint64(b, uint64(time.Now().UnixNano()))
		return b
	}
	var mu sync.Mutex
	var toPhone, toBrowser []time.Duration
	collect := func(rx <-chan *rtp.Packet, into *[]time.Duration, quit <-chan struct{}, wg *sync.WaitGroup) {
		defer wg.Done()
		for {
			select {
			case p := <-rx:
				if len(p.Payload) == frameTicks {
					d := time.Duration(time.Now().UnixNano() - int64(binary.BigEndian.Uint64(p.Payload)))
					mu.Lock()
					*into = append(*into, d)
					mu.Unlock()
				}
			case <-quit:
				return
			}
		}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	var stops []func()
	var ru0, ru1 syscall.Rusage
	var sentB, sentP atomic.Int64
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	for _, l := range legs {
		c := l.c
		wg.Add(2)
		go collect(l.rx, &toPhone, quit, &wg)
		go collect(c.br.rx, &toBrowser, quit, &wg)
		stops = append(stops,
			pump(func(int) { c.br.send(0, stamp()); sentB.Add(1) }),
			pump(func(int) { c.ph.send(c.to, 0, stamp()); sentP.Add(1) }))
	}
	<-time.After(run) // the measurement window
	for _, stop := range stops {
		stop()
	}
	elapsed := time.Since(start)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	close(quit)
	wg.Wait()
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond

	pct := func(ds []time.Duration, p float64) time.Duration {
		if len(ds) == 0 {
			return 0
		}
		s := slices.Clone(ds)
		slices.Sort(s)
		return s[min(len(s)-1, int(p*float64(len(s))))]
	}
	t.Logf("%d calls; per call: offer %v, answer %v (median), connected %v after the answer (median)",
		calls, pct(offerT, 0.5), pct(answerT, 0.5), pct(connectT, 0.5))
	t.Logf("goroutines per call (bridge, pion browser, phone, test): %.1f", perCall)
	mu.Lock()
	defer mu.Unlock()
	t.Logf("phone→browser: %d of %d packets, one way p50 %v p99 %v", len(toBrowser), sentP.Load(), pct(toBrowser, 0.5), pct(toBrowser, 0.99))
	t.Logf("browser→phone: %d of %d packets, one way p50 %v p99 %v", len(toPhone), sentB.Load(), pct(toPhone, 0.5), pct(toPhone, 0.99))
	t.Logf("CPU %v in %v for %d calls (both directions, 50 pps each, browser side included): %.2f%% of a core per call",
		cpu.Round(time.Millisecond), elapsed.Round(time.Millisecond), calls, 100*cpu.Seconds()/elapsed.Seconds()/float64(calls))
}
