package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kazoo-softphone/kazoo/relaywire"
	"github.com/kazoo-softphone/kazoo/rtmp"
	"github.com/kazoo-softphone/kazoo/tests/bench/procstat"
)

// echoGateway is a minimal siprtmp stand-in: accept, answer invite with
// accepted('pcmu'), play back what is published.
func echoGateway() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &rtmp.Server{Handler: rtmp.HandlerFunc(func(c *rtmp.ServerConn) {
		_ = c.AcceptConnect()
		var player atomic.Uint32
		c.OnPlay(func(stream uint32, name string) error { player.Store(stream); return nil })
		go func() {
			for a := range c.Audio() {
				if p := player.Load(); p != 0 {
					_ = c.WriteAudio(p, a.Timestamp, a.Data)
				}
			}
		}()
		for cmd := range c.Commands() {
			_ = c.Reply(cmd.TxID)
			if cmd.Name == "invite" {
				_ = c.Send("accepted", "pcmu", nil)
			}
		}
	})}
	go func() { _ = srv.Serve(l) }()
	return "rtmp://" + l.Addr().String() + "/sip/"
}

type relayProc struct {
	url, health string
	pid         int
	stop        func()
}

func startRelay(bin, gw string, pinned bool, extra []string) relayProc {
	// Every simulated browser comes from 127.0.0.1, each with its own
	// account: no per-address cap (the per-account one is not reached).
	args := []string{bin, "-addr", "127.0.0.1:0", "-gateway", gw, "-origin", "*", "-log-level", "warn",
		"-max-per-addr", "0", "-max-sessions", "0"}
	args = append(args, extra...)
	if pinned {
		args = append([]string{"taskset", "-c", "1"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatalf("start %s: %v (run ./build.sh first)", bin, err)
	}
	url, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		log.Fatalf("%s: %v", bin, err)
	}
	url = strings.TrimSpace(url)
	health := "http://" + strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/v1") + "/healthz"
	return relayProc{url: url, health: health, pid: cmd.Process.Pid,
		stop: func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }}
}

// sessions is what the relay's /healthz counts.
func (r relayProc) sessions() string {
	resp, err := http.Get(r.health)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b))
}

type result struct {
	sent, received int64
	lost, cpu      float64 // lost in %, cpu in cores
	perCall        float64 // relay CPU seconds per call (50 frames each way) per second
	p50, p99       time.Duration
	load           string
}

// shards is how many sender goroutines share the browsers; each sends
// for its browsers at its own offset in the 20 ms period.
const shards = 40

func step(relay relayProc, gw string, n int, dur time.Duration) result {
	var sent, received atomic.Int64
	var mu sync.Mutex
	rtts := make([]time.Duration, 0, n*int(dur/(20*time.Millisecond)))
	browsers := make([]*browser, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64) // sessions set up at once
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			b, err := dialBrowser(relay.url, 30*time.Second)
			if err != nil {
				log.Printf("session %d: %v", i, err)
				return
			}
			_ = b.nc.SetReadDeadline(time.Now().Add(60 * time.Second))
			_ = b.sendJSON(relaywire.NewHello(fmt.Sprintf("%sb%d@lab.test", gw, i), "", "b", "pw"))
			_ = b.sendJSON(relaywire.NewCall(1, "invite", "sip:echo@lab.test", relaywire.CodecPCMU))
			if err := b.waitText(`"t":"media"`); err != nil {
				log.Printf("session %d: %v", i, err)
				b.close()
				return
			}
			_ = b.nc.SetReadDeadline(time.Time{})
			browsers[i] = b
		}()
	}
	wg.Wait()
	live := slices.DeleteFunc(slices.Clone(browsers), func(b *browser) bool { return b == nil })
	var readers sync.WaitGroup
	for _, b := range live {
		readers.Add(1)
		go func() { // round trips of echoed frames
			defer readers.Done()
			local := make([]time.Duration, 0, int(dur/(20*time.Millisecond)))
			for {
				op, p, err := b.read()
				if err != nil {
					break
				}
				if op != opBinary || len(p) < 16 {
					continue
				}
				local = append(local, time.Since(time.Unix(0, int64(binary.BigEndian.Uint64(p[8:])))))
			}
			received.Add(int64(len(local)))
			mu.Lock()
			rtts = append(rtts, local...)
			mu.Unlock()
		}()
	}
	load := loadavg()
	cpu0, t0 := procstat.CPUTime(relay.pid), time.Now()
	var senders sync.WaitGroup
	for k := range shards {
		senders.Add(1)
		go func() {
			defer senders.Done()
			time.Sleep(time.Duration(k) * 20 * time.Millisecond / shards)
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			frame := make([]byte, relaywire.HeaderLen+relaywire.PayloadLen)
			end := time.Now().Add(dur)
			for seq := uint16(0); time.Now().Before(end); seq++ {
				relaywire.PutHeader(frame, relaywire.FormatPCMU, seq, uint32(seq)*relaywire.FrameMillis)
				for i := k; i < len(live); i += shards {
					binary.BigEndian.PutUint64(frame[8:], uint64(time.Now().UnixNano()))
					if live[i].write(opBinary, frame) == nil {
						sent.Add(1)
					}
				}
				<-tick.C
			}
		}()
	}
	senders.Wait()
	cpu := (procstat.CPUTime(relay.pid) - cpu0).Seconds() / time.Since(t0).Seconds()
	time.Sleep(500 * time.Millisecond) // let the last frames come back
	for _, b := range live {
		b.close()
	}
	readers.Wait()
	// The next step starts once the relay closed every session.
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if relay.sessions() == "ok 0 sessions" {
			break
		}
	}
	slices.Sort(rtts)
	r := result{sent: sent.Load(), received: received.Load(), cpu: cpu, load: load}
	if len(live) < n {
		r.sent += int64(n-len(live)) * int64(dur/(20*time.Millisecond)) // a session that failed loses its frames
	}
	if r.sent > 0 {
		r.lost = float64(r.sent-r.received) / float64(r.sent) * 100
	}
	// Per call as the frames count it: a call is 50 round trips a second
	// (when the browsers fall behind, n would overstate the calls).
	if calls := float64(r.received) / 50 / dur.Seconds(); calls > 0 {
		r.perCall = cpu / calls
	}
	if len(rtts) > 0 {
		r.p50, r.p99 = rtts[len(rtts)/2], rtts[len(rtts)*99/100]
	}
	return r
}
