// Command relaybench measures kazoo-relay: N simulated browsers, each in
// a call sending one 20 ms G.711 frame every 20 ms through the relay to an
// echoing RTMP gateway (in this process) and back. For growing N it
// reports frames lost and the round-trip time (browser → relay → gateway
// → relay → browser) at p50 and p99, and the relay's CPU use. Not a test:
// numbers only (./build.sh bench).
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/kazoo-softphone/kazoo/tests/bench/procstat"

	"github.com/kazoo-softphone/kazoo/rtmp"
)

func main() {
	relayBin := flag.String("relay", ".cache/bin/kazoo-relay", "kazoo-relay binary")
	steps := flag.String("n", "25,50,100,200,300,400", "session counts to try")
	dur := flag.Duration("duration", 8*time.Second, "audio time per step")
	flag.Parse()

	gw := echoGateway()
	relayURL, relayPID, stop := startRelay(*relayBin, gw)
	defer stop()
	fmt.Printf("relay %s, gateway %s, %s of audio per step, 2 cores shared by relay, gateway and clients\n", relayURL, gw, *dur)
	fmt.Printf("%8s %10s %10s %8s %10s %10s %10s\n", "sessions", "sent", "received", "lost%", "rtt p50", "rtt p99", "relay CPU")
	for _, s := range strings.Split(*steps, ",") {
		n, _ := strconv.Atoi(s)
		r := step(relayURL, gw, relayPID, n, *dur)
		fmt.Printf("%8d %10d %10d %8.2f %10s %10s %9.0f%%\n", n, r.sent, r.received, r.lost, r.p50, r.p99, r.cpu)
		if r.lost > 1 || r.p99 > 200*time.Millisecond {
			fmt.Println("stopping: more than 1% lost or p99 over 200 ms")
			break
		}
	}
}

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

func startRelay(bin, gw string) (string, int, func()) {
	// Every simulated browser comes from 127.0.0.1: no per-address cap.
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-gateway", gw, "-origin", "*", "-log-level", "warn",
		"-max-per-addr", "0", "-max-sessions", "0")
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
		log.Fatal(err)
	}
	return strings.TrimSpace(url), cmd.Process.Pid, func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
}

type result struct {
	sent, received int64
	lost, cpu      float64
	p50, p99       time.Duration
}

func step(relayURL, gw string, pid, n int, dur time.Duration) result {
	var sent, received atomic.Int64
	var mu sync.Mutex
	var rtts []time.Duration
	var wg sync.WaitGroup
	ready := make(chan struct{})
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), dur+30*time.Second)
			defer cancel()
			ws, _, err := websocket.Dial(ctx, relayURL, &websocket.DialOptions{Subprotocols: []string{"kazoo-rtmp.v1"}})
			if err != nil {
				log.Printf("session %d: %v", i, err)
				ready <- struct{}{}
				return
			}
			defer ws.CloseNow()
			send := func(v any) { b, _ := json.Marshal(v); _ = ws.Write(ctx, websocket.MessageText, b) }
			send(map[string]any{"t": "hello", "v": 1, "rtmpUrl": fmt.Sprintf("%sb%d@lab.test", gw, i), "args": []any{"b", "pw"}})
			send(map[string]any{"t": "call", "id": 1, "method": "invite", "args": []any{"sip:echo@lab.test", "pcmu"}})
			for {
				typ, data, err := ws.Read(ctx)
				if err != nil {
					ready <- struct{}{}
					return
				}
				if typ == websocket.MessageText && strings.Contains(string(data), `"t":"media"`) {
					break
				}
			}
			ready <- struct{}{}
			<-start
			done := make(chan struct{})
			go func() { // reader: round-trip times of echoed frames
				defer close(done)
				for {
					typ, data, err := ws.Read(ctx)
					if err != nil {
						return
					}
					if typ != websocket.MessageBinary || len(data) < 16 {
						continue
					}
					rtt := time.Since(time.Unix(0, int64(binary.BigEndian.Uint64(data[8:]))))
					received.Add(1)
					mu.Lock()
					rtts = append(rtts, rtt)
					mu.Unlock()
				}
			}()
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			end := time.After(dur)
			frame := make([]byte, 8+160)
			frame[0], frame[1] = 1, 8
			for seq := uint16(0); ; seq++ {
				select {
				case <-tick.C:
				case <-end:
					time.Sleep(500 * time.Millisecond) // let the last frames come back
					ws.CloseNow()
					<-done
					return
				}
				binary.BigEndian.PutUint16(frame[2:], seq)
				binary.BigEndian.PutUint32(frame[4:], uint32(seq)*20)
				binary.BigEndian.PutUint64(frame[8:], uint64(time.Now().UnixNano()))
				if ws.Write(ctx, websocket.MessageBinary, frame) == nil {
					sent.Add(1)
				}
			}
		}(i)
	}
	for i := 0; i < n; i++ {
		<-ready
	}
	cpu0, t0 := procstat.CPUTime(pid), time.Now()
	close(start)
	wg.Wait()
	cpu := (procstat.CPUTime(pid) - cpu0).Seconds() / time.Since(t0).Seconds() * 100
	slices.Sort(rtts)
	r := result{sent: sent.Load(), received: received.Load(), cpu: cpu}
	if r.sent > 0 {
		r.lost = float64(r.sent-r.received) / float64(r.sent) * 100
	}
	if len(rtts) > 0 {
		r.p50, r.p99 = rtts[len(rtts)/2], rtts[len(rtts)*99/100]
	}
	return r
}
