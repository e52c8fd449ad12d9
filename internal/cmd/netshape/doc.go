//go:build linux

// Command netshape is a test tool, not part of kazoo: it delays packets
// for the browser tests' shaped-link scenarios. The test lab's kernel has
// no netem qdisc, so the tests shape with netfilter instead: an iptables
// NFQUEUE rule (with --queue-bypass, so packets pass when netshape is not
// running) hands the matched packets to netshape, which holds each one for
// the configured delay and then accepts it. Verdicts go out in arrival
// order, so the delay never reorders packets, also when it is changed.
// Loss needs no program: an iptables rule with the statistic match drops
// packets in the kernel (tests/playwright/lib/netshape.mjs sets up both).
//
// Usage (root, in the test's own network namespace):
//
//	netshape -queue 7 -delay 500ms [-stdin]
//
// It prints one line, "netshape: queue 7 bound, delay 500ms", once it is
// bound to the queue. With -stdin it reads commands, one per line, from
// standard input: "delay 200ms" changes the delay (answered with
// "delay 200ms" on standard output); the end of standard input stops it
// as SIGTERM and SIGINT do. On stopping, every held packet is accepted at
// once before the queue is released.
package main
