//go:build linux

package main

import (
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func TestHoldQueueReleasesAfterTheDelayInOrder(t *testing.T) {
	var q holdQueue
	q.setDelay(500 * time.Millisecond)
	q.push(1, at(0))
	q.push(2, at(20))
	q.push(3, at(40))
	if ids := q.popDue(at(499)); ids != nil {
		t.Fatalf("released %v before the delay", ids)
	}
	if due, ok := q.next(); !ok || !due.Equal(at(500)) {
		t.Fatalf("next = %v, %v; want %v", due, ok, at(500))
	}
	if ids := q.popDue(at(520)); !slices.Equal(ids, []uint32{1, 2}) {
		t.Fatalf("at 520 ms released %v, want [1 2]", ids)
	}
	if ids := q.popDue(at(540)); !slices.Equal(ids, []uint32{3}) {
		t.Fatalf("at 540 ms released %v, want [3]", ids)
	}
	if _, ok := q.next(); ok || q.len() != 0 {
		t.Fatalf("queue not empty: %d held", q.len())
	}
}

func TestHoldQueueShorterDelayDoesNotReorder(t *testing.T) {
	var q holdQueue
	q.setDelay(500 * time.Millisecond)
	q.push(1, at(0)) // due 500
	q.setDelay(100 * time.Millisecond)
	q.push(2, at(10))  // would be due 110: waits for 1
	q.push(3, at(450)) // due 550
	if ids := q.popDue(at(200)); ids != nil {
		t.Fatalf("released %v ahead of packet 1", ids)
	}
	if ids := q.popDue(at(500)); !slices.Equal(ids, []uint32{1, 2}) {
		t.Fatalf("at 500 ms released %v, want [1 2]", ids)
	}
	if ids := q.popDue(at(550)); !slices.Equal(ids, []uint32{3}) {
		t.Fatalf("at 550 ms released %v, want [3]", ids)
	}
}

func TestHoldQueueZeroDelayAndPopAll(t *testing.T) {
	var q holdQueue
	q.push(1, at(0))
	if ids := q.popDue(at(0)); !slices.Equal(ids, []uint32{1}) {
		t.Fatalf("zero delay: released %v, want [1]", ids)
	}
	q.setDelay(-time.Second) // negative is no delay
	q.push(2, at(1))
	q.setDelay(time.Hour)
	q.push(3, at(2))
	q.push(4, at(3))
	if ids := q.popAll(); !slices.Equal(ids, []uint32{2, 3, 4}) {
		t.Fatalf("popAll = %v, want [2 3 4]", ids)
	}
	if q.popAll() != nil {
		t.Fatal("popAll of an empty queue returned ids")
	}
}

func TestParseCommand(t *testing.T) {
	for line, want := range map[string]time.Duration{"delay 500ms": 500 * time.Millisecond, "  delay 0s ": 0, "delay 1.5s": 1500 * time.Millisecond} {
		if d, err := parseCommand(line); err != nil || d != want {
			t.Errorf("parseCommand(%q) = %v, %v; want %v", line, d, err, want)
		}
	}
	for _, line := range []string{"", "delay", "delay -1s", "delay 5", "loss 10", "delay 1s extra"} {
		if _, err := parseCommand(line); err == nil {
			t.Errorf("parseCommand(%q) accepted", line)
		}
	}
}
