// Command relaybench measures kazoo-relay: N simulated browsers, each in
// a call sending one 20 ms G.711 frame every 20 ms through the relay to an
// echoing RTMP gateway (in this process) and back. Each step runs N calls
// for a fixed time and reports frames lost, the round trip (browser →
// relay → gateway → relay → browser) at p50 and p99, and the relay's own
// CPU time per call, read from /proc. A step search finds the most calls
// with no frame lost and the round trip's p99 within -p99 (the round trip
// includes the clients and the gateway, so it bounds what the relay adds).
//
// On a machine with two cores or more the relay is pinned to core 1
// (taskset) and this process, the browsers and the gateway, to core 0, so
// that the CPU figure is the relay's alone and calls per core is what one
// core of relay serves. -nice lowers the browsers' priority further; on a
// machine shared with other busy processes that starves the browsers
// (they then send late and measure their own delay), so it is 0 by
// default. Not a test: numbers only (./build.sh bench).
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	relayBin := flag.String("relay", ".cache/bin/kazoo-relay", "kazoo-relay binary")
	steps := flag.String("n", "", "session counts to try, e.g. 100,200,400 (default: a step search)")
	from := flag.Int("from", 100, "step search: the first session count")
	most := flag.Int("max", 6000, "step search: the largest session count tried")
	dur := flag.Duration("duration", 8*time.Second, "audio time per step")
	p99 := flag.Duration("p99", 5*time.Millisecond, "step search: the round trip p99 a step must stay within")
	pin := flag.Bool("pin", true, "relay on core 1, browsers and gateway on core 0 (needs taskset and 2 cores)")
	niceness := flag.Int("nice", 0, "with -pin, the niceness of the browsers and gateway")
	extra := flag.String("relay-args", "", "more kazoo-relay flags, space-separated (e.g. -pprof 127.0.0.1:6060)")
	flag.Parse()

	// The re-executed child sees one CPU (its own core 0).
	pinned := *pin && os.Getenv("RELAYBENCH_PINNED") != ""
	if *pin && !pinned && runtime.NumCPU() >= 2 && hasTaskset() {
		reexecPinned(*niceness) // does not return
	}

	gw := echoGateway()
	relay := startRelay(*relayBin, gw, pinned, strings.Fields(*extra))
	defer relay.stop()
	where := "relay, gateway and browsers share the cores (not pinned)"
	if pinned {
		where = fmt.Sprintf("relay pinned to core 1; browsers and gateway on core 0, nice %d", *niceness)
	}
	fmt.Printf("relay %s, gateway %s, %s of audio per step, %s\n", relay.url, gw, *dur, where)
	fmt.Printf("load average at start: %s\n", loadavg())
	fmt.Printf("%8s %9s %9s %7s %9s %9s %9s %12s %s\n",
		"sessions", "sent", "received", "lost%", "rtt p50", "rtt p99", "relay CPU", "CPU/call", "load")
	row := func(n int) result {
		r := step(relay, gw, n, *dur)
		fmt.Printf("%8d %9d %9d %7.3f %9s %9s %8.1f%% %9.1f µs/s %s\n", n, r.sent, r.received, r.lost,
			r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.cpu*100, r.perCall*1e6, r.load)
		return r
	}
	if *steps != "" {
		for _, s := range strings.Split(*steps, ",") {
			n, _ := strconv.Atoi(s)
			if r := row(n); r.lost > 1 || r.p99 > 200*time.Millisecond {
				fmt.Println("stopping: more than 1% lost or p99 over 200 ms")
				break
			}
		}
		return
	}
	// Doubling, then halving the gap between the last good and the first
	// bad count until it is within 10 % (at least 25 sessions).
	good, bad := 0, 0
	var goodR result
	ok := func(r result) bool { return r.sent > 0 && r.received == r.sent && r.p99 <= *p99 }
	for n := *from; n <= *most; n *= 2 {
		r := row(n)
		if !ok(r) {
			bad = n
			break
		}
		good, goodR = n, r
	}
	for bad > 0 && bad-good > max(25, good/10) {
		n := (good + bad) / 2
		if r := row(n); ok(r) {
			good, goodR = n, r
		} else {
			bad = n
		}
	}
	switch {
	case good == 0:
		fmt.Printf("no step met 0 lost and p99 ≤ %s\n", *p99)
	default:
		fmt.Printf("most calls with 0 lost and p99 ≤ %s: %d", *p99, good)
		if bad == 0 {
			fmt.Printf(" (the largest tried)")
		}
		fmt.Printf("; relay CPU %.1f%% of a core, %.1f µs of CPU per call per second", goodR.cpu*100, goodR.perCall*1e6)
		if goodR.perCall > 0 {
			fmt.Printf(" (one core at 100%% ≈ %.0f calls)", 1/goodR.perCall)
		}
		fmt.Println()
	}
}

func hasTaskset() bool { _, err := exec.LookPath("taskset"); return err == nil }

// reexecPinned runs this program again on core 0 with the given
// niceness, its threads all inheriting both.
func reexecPinned(niceness int) {
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command("taskset", append([]string{"-c", "0", "nice", "-n", strconv.Itoa(niceness), exe}, os.Args[1:]...)...)
	cmd.Env = append(os.Environ(), "RELAYBENCH_PINNED=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			os.Exit(ee.ExitCode())
		}
		log.Fatal(err)
	}
	os.Exit(0)
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
