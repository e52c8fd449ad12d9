//go:build !js

package rtmpgw

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/kazoo-softphone/kazoo/rtmp"
)

// TestLab checks a running kazoo-rtmpgw in front of the real lab
// Kamailio, with baresip 1009 auto-answering and sending a 660 Hz tone.
// tests/playwright/rtmpgw.test.mjs starts them, runs this test with
// RTMPGW_LAB_URL set and reacts to its "LAB:" lines (DTMF check, baresip
// calling back and hanging up).
func TestLab(t *testing.T) {
	url := os.Getenv("RTMPGW_LAB_URL") // rtmp://127.0.0.1:port/sip/
	if url == "" {
		t.Skip("RTMPGW_LAB_URL is not set: run by tests/playwright/rtmpgw.test.mjs")
	}
	dest, digits := os.Getenv("RTMPGW_LAB_DEST"), os.Getenv("RTMPGW_LAB_DTMF")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	_, err := rtmp.Dial(ctx, url+"1006@lab.test", "1006", "wrong", "", "narrowband")
	var ce *rtmp.ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("wrong password: %v", err)
	}
	fmt.Printf("LAB: wrong-password %q\n", ce.Description)

	c, err := rtmp.Dial(ctx, url+"1005@lab.test", "1005", "pw-1005", "Lab 1005", "narrowband")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		for range c.Status() {
		}
	}()
	fmt.Println("LAB: registered")

	rpc(t, c, "invite", dest, "pcmu", "pcma", "dtmf")
	acc := expectWithin(t, c, "accepted", 20*time.Second)
	fmt.Printf("LAB: outgoing accepted %v\n", acc.Args)
	pub, play := streams(t, c)
	sent, got := exchange(t, c, pub, play, 3*time.Second, func(at time.Duration) {
		if at == time.Second {
			for _, d := range digits {
				rpc(t, c, "sendDTMF", string(d))
				time.Sleep(250 * time.Millisecond)
			}
			fmt.Printf("LAB: dtmf-sent %s\n", digits)
		}
	})
	report(t, "outgoing", sent, got)
	rpc(t, c, "hold", true) // re-INVITEs through Kamailio's Record-Route
	rpc(t, c, "hold", false)
	fmt.Println("LAB: hold-resume ok")
	// Blind transfer of baresip to 1008, another connection of this gateway.
	c2, err := rtmp.Dial(ctx2(t), url+"1008@lab.test", "1008", "pw-1008", "Lab 1008", "narrowband")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	rpc(t, c, "transfer", "sip:1008@lab.test")
	fmt.Printf("LAB: 1008 invited %q\n", expectWithin(t, c2, "invited", 20*time.Second).Args)
	rpc(t, c2, "accept", "pcmu")
	expectWithin(t, c2, "accepted", 10*time.Second)
	tr := expectAny(t, c, 20*time.Second, "transferred", "transferFailed")
	fmt.Printf("LAB: transfer outcome %s %q\n", tr.Name, tr.Args)
	if tr.Name != "transferred" {
		t.Fatalf("transfer: %s %v", tr.Name, tr.Args)
	}
	expectWithin(t, c, "byed", 5*time.Second)
	rpc(t, c2, "bye")
	_ = c2.Close()

	fmt.Println("LAB: waiting-incoming")
	inv := expectWithin(t, c, "invited", 20*time.Second)
	fmt.Printf("LAB: invited %q\n", inv.Args)
	rpc(t, c, "accept", "pcmu", "dtmf")
	acc = expectWithin(t, c, "accepted", 10*time.Second)
	fmt.Printf("LAB: incoming accepted %v\n", acc.Args)
	sent, got = exchange(t, c, pub, play, 2*time.Second, nil) // the streams still run
	report(t, "incoming", sent, got)
	fmt.Println("LAB: incoming-audio-done")
	expectWithin(t, c, "byed", 10*time.Second)
	fmt.Println("LAB: byed")
}

// TestLabReplace connects 1010 (single binding at the lab Kamailio) and
// 1006 twice each: the second connection replaces the first, and
// rtmpgw.test.mjs checks on "LAB: replaced" that one binding is left,
// then writes a line on stdin.
func TestLabReplace(t *testing.T) {
	url := os.Getenv("RTMPGW_LAB_URL")
	if url == "" {
		t.Skip("RTMPGW_LAB_URL is not set: run by tests/playwright/rtmpgw.test.mjs")
	}
	for _, user := range []string{"1010", "1006"} {
		first, err := rtmp.Dial(ctx2(t), url+user+"@lab.test", user, "pw-"+user, "", "narrowband")
		if err != nil {
			t.Fatal(err)
		}
		second, err := rtmp.Dial(ctx2(t), url+user+"@lab.test", user, "pw-"+user, "", "narrowband")
		if err != nil {
			t.Fatal(err)
		}
		defer second.Close()
		select {
		case <-first.Done():
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: the first connection stays open", user)
		}
	}
	fmt.Println("LAB: replaced")
	// Keep the connections until the script has checked the bindings
	// and says so on stdin.
	checked := make(chan struct{})
	go func() {
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		close(checked)
	}()
	select {
	case <-checked:
	case <-time.After(20 * time.Second):
		t.Fatal("the script never said the bindings were checked")
	}
}

func ctx2(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestLabHold stays connected as 1007 until the gateway closes the
// connection (rtmpgw.test.mjs checks the un-REGISTER on SIGTERM).
func TestLabHold(t *testing.T) {
	url := os.Getenv("RTMPGW_LAB_URL")
	if url == "" {
		t.Skip("RTMPGW_LAB_URL is not set: run by tests/playwright/rtmpgw.test.mjs")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := rtmp.Dial(ctx, url+"1007@lab.test", "1007", "pw-1007", "", "narrowband")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("still connected")
	}
}

// expectAny returns the first of the named callbacks.
func expectAny(t *testing.T, c *rtmp.Client, d time.Duration, names ...string) rtmp.Command {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case cmd, ok := <-c.Commands():
			if !ok {
				t.Fatal("connection closed")
			}
			fmt.Printf("LAB: callback %s %q\n", cmd.Name, cmd.Args)
			for _, n := range names {
				if cmd.Name == n {
					return cmd
				}
			}
		case <-timeout:
			t.Fatalf("none of %v within %v", names, d)
		}
	}
}

func expectWithin(t *testing.T, c *rtmp.Client, name string, d time.Duration) rtmp.Command {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case cmd, ok := <-c.Commands():
			if !ok {
				t.Fatalf("connection closed waiting for %s", name)
			}
			fmt.Printf("LAB: callback %s %q\n", cmd.Name, cmd.Args)
			if cmd.Name == name {
				return cmd
			}
			if cmd.Name == "rejected" || cmd.Name == "byed" {
				t.Fatalf("%s while waiting for %s", cmd.Name, name)
			}
		case <-timeout:
			t.Fatalf("no %s within %v", name, d)
		}
	}
}

// exchange sends a 1 kHz μ-law tone for d in 20 ms frames and collects
// the frames that come back on play, decoded.
func exchange(t *testing.T, c *rtmp.Client, pub, play uint32, d time.Duration, at func(time.Duration)) (int, []int16) {
	t.Helper()
	var mu sync.Mutex
	var got []int16
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case a := <-c.Audio():
				if a.StreamID == play && len(a.Data) > 1 && a.Data[0] == tagPCMU {
					mu.Lock()
					for _, b := range a.Data[1:] {
						got = append(got, ulawDecode(b))
					}
					mu.Unlock()
				}
			case <-stop:
				return
			}
		}
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	sent, n := 0, 0
	for elapsed := time.Duration(0); elapsed < d; elapsed += 20 * time.Millisecond {
		<-tick.C
		f := make([]byte, 161)
		f[0] = tagPCMU
		for i := 1; i < len(f); i++ {
			f[i] = ulawEncode(int16(8000 * math.Sin(2*math.Pi*1000*float64(n)/8000)))
			n++
		}
		if err := c.WriteAudio(pub, uint32(elapsed/time.Millisecond), f); err != nil {
			t.Fatal(err)
		}
		sent++
		if at != nil {
			go at(elapsed)
		}
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	<-done
	mu.Lock()
	defer mu.Unlock()
	return sent, got
}

// report prints and checks the received audio: most frames back, and
// baresip's 660 Hz tone louder than our 1 kHz one.
func report(t *testing.T, leg string, sent int, got []int16) {
	t.Helper()
	frames := len(got) / 160
	p660, p1000 := goertzel(got, 660), goertzel(got, 1000)
	fmt.Printf("LAB: %s frames sent %d received %d power660 %.3g power1000 %.3g\n", leg, sent, frames, p660, p1000)
	if frames < sent/2 || p660 < 10*p1000 {
		t.Errorf("%s: %d of %d frames back, 660 Hz %.3g vs 1 kHz %.3g", leg, frames, sent, p660, p1000)
	}
}

func goertzel(s []int16, freq float64) float64 {
	k := 2 * math.Cos(2*math.Pi*freq/8000)
	var s1, s2 float64
	for _, v := range s {
		s1, s2 = float64(v)+k*s1-s2, s1
	}
	if len(s) == 0 {
		return 0
	}
	return (s1*s1 + s2*s2 - k*s1*s2) / float64(len(s))
}

// ulawEncode and ulawDecode are G.711 μ-law (ITU-T G.711, bias 0x84).
func ulawEncode(s int16) byte {
	x, sign := int(s), 0
	if x < 0 {
		x, sign = -x, 0x80
	}
	x = min(x, 32635) + 0x84
	exp := 7
	for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	return ^byte(sign | exp<<4 | (x>>(exp+3))&0x0f)
}

func ulawDecode(u byte) int16 {
	u = ^u
	x := ((int(u&0x0f) << 3) + 0x84) << (int(u>>4) & 7)
	if u&0x80 != 0 {
		return int16(0x84 - x)
	}
	return int16(x - 0x84)
}
