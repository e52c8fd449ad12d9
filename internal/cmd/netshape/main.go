//go:build linux

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	nfqueue "github.com/florianl/go-nfqueue/v2"
	"github.com/mdlayher/netlink"
)

// maxHeld bounds the packets held in the kernel and here. Past it the
// kernel lets packets through undelayed (fail-open) instead of dropping
// them: a 500 ms delay of a few audio calls holds a few hundred.
const maxHeld = 8192

func main() {
	queue := flag.Uint("queue", 0, "NFQUEUE number to bind (0–65535)")
	delay := flag.Duration("delay", 0, "how long to hold each packet")
	useStdin := flag.Bool("stdin", false, `read commands ("delay 200ms") from standard input; stop at its end`)
	flag.Parse()
	if *queue > 65535 || *delay < 0 || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(uint16(*queue), *delay, *useStdin); err != nil {
		fmt.Fprintln(os.Stderr, "netshape:", err)
		os.Exit(1)
	}
}

type arrival struct {
	id uint32
	at time.Time
}

// run binds the queue and holds its packets until SIGTERM, SIGINT or,
// with useStdin, the end of standard input.
func run(queue uint16, delay time.Duration, useStdin bool) error {
	nf, err := nfqueue.Open(&nfqueue.Config{
		NfQueue:      queue,
		MaxQueueLen:  maxHeld,
		Copymode:     nfqueue.NfQnlCopyMeta, // the id is all we need
		AfFamily:     syscall.AF_INET,
		Flags:        nfqueue.NfQaCfgFlagFailOpen,
		WriteTimeout: time.Second,
	})
	if err != nil {
		return fmt.Errorf("open queue %d: %w", queue, err)
	}
	defer nf.Close()
	if err := nf.SetOption(netlink.NoENOBUFS, true); err != nil {
		return fmt.Errorf("netlink option: %w", err)
	}

	stop, stopSignals := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stopSignals()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	arrivals := make(chan arrival, maxHeld)
	failed := make(chan error, 1)
	hook := func(a nfqueue.Attribute) int {
		if a.PacketID == nil {
			return 0 // nothing to give a verdict on
		}
		select {
		case arrivals <- arrival{id: *a.PacketID, at: time.Now()}:
		case <-ctx.Done():
		}
		return 0
	}
	onError := func(err error) int {
		if ctx.Err() != nil {
			return 1
		}
		var op *netlink.OpError
		if errors.As(err, &op) && (op.Timeout() || op.Temporary()) || errors.Is(err, syscall.ENOBUFS) {
			return 0
		}
		select {
		case failed <- err:
		default:
		}
		return 1
	}
	if err := nf.RegisterWithErrorFunc(ctx, hook, onError); err != nil {
		return fmt.Errorf("bind queue %d: %w", queue, err)
	}
	fmt.Printf("netshape: queue %d bound, delay %v\n", queue, delay)

	delays := make(chan time.Duration)
	if useStdin {
		go readCommands(os.Stdin, delays, stopSignals)
	}

	accept := func(ids []uint32) {
		for _, id := range ids {
			if err := nf.SetVerdict(id, nfqueue.NfAccept); err != nil {
				fmt.Fprintf(os.Stderr, "netshape: verdict %d: %v\n", id, err)
			}
		}
	}
	var q holdQueue
	q.setDelay(delay)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		var wake <-chan time.Time
		if due, ok := q.next(); ok {
			timer.Reset(time.Until(due))
			wake = timer.C
		}
		select {
		case a := <-arrivals:
			q.push(a.id, a.at)
			accept(q.popDue(time.Now()))
		case <-wake:
			accept(q.popDue(time.Now()))
		case d := <-delays:
			q.setDelay(d)
			fmt.Printf("delay %v\n", d)
		case err := <-failed:
			accept(q.popAll())
			return fmt.Errorf("queue %d: %w", queue, err)
		case <-stop.Done():
			// Let everything held go now; the rest of the packets in
			// flight pass undelayed once the queue is released.
			accept(q.popAll())
			for len(arrivals) > 0 {
				accept([]uint32{(<-arrivals).id})
			}
			return nil
		}
	}
}

// readCommands reads one command a line: "delay <duration>" goes to
// delays; a bad line is reported on stderr and skipped. The end of the
// input calls stop.
func readCommands(f *os.File, delays chan<- time.Duration, stop func()) {
	defer stop()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		d, err := parseCommand(sc.Text())
		if err != nil {
			fmt.Fprintln(os.Stderr, "netshape:", err)
			continue
		}
		delays <- d
	}
}

// parseCommand parses "delay <duration>" (e.g. "delay 500ms").
func parseCommand(line string) (time.Duration, error) {
	f := strings.Fields(line)
	if len(f) != 2 || f[0] != "delay" {
		return 0, fmt.Errorf("unknown command %q (want: delay <duration>)", line)
	}
	d, err := time.ParseDuration(f[1])
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad delay %q", f[1])
	}
	return d, nil
}
