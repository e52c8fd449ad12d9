//go:build linux

package main

import "time"

// held is one queued packet: its netfilter id and when it may go.
type held struct {
	id  uint32
	due time.Time
}

// holdQueue holds packets in arrival order until they are due: delay
// after each arrived. Only the front packet is ever released, so a
// shorter delay set mid-stream never lets later packets overtake earlier
// ones (they wait behind them). It is not safe for concurrent use; the
// time is passed in.
type holdQueue struct {
	delay time.Duration
	items []held
}

// setDelay changes the delay of packets that arrive from now on.
func (q *holdQueue) setDelay(d time.Duration) {
	if d < 0 {
		d = 0
	}
	q.delay = d
}

// push queues packet id, arrived at now.
func (q *holdQueue) push(id uint32, now time.Time) {
	q.items = append(q.items, held{id: id, due: now.Add(q.delay)})
}

// popDue removes and returns, in order, the ids of the packets at the
// front that are due at now; a due packet behind one that is not waits.
func (q *holdQueue) popDue(now time.Time) []uint32 {
	n := 0
	for n < len(q.items) && !q.items[n].due.After(now) {
		n++
	}
	return q.take(n)
}

// popAll removes and returns every held id, in order.
func (q *holdQueue) popAll() []uint32 { return q.take(len(q.items)) }

func (q *holdQueue) take(n int) []uint32 {
	if n == 0 {
		return nil
	}
	ids := make([]uint32, n)
	for i := range n {
		ids[i] = q.items[i].id
	}
	q.items = append(q.items[:0], q.items[n:]...)
	return ids
}

// next reports when the first held packet is due; ok is false when none is held.
func (q *holdQueue) next() (due time.Time, ok bool) {
	if len(q.items) == 0 {
		return time.Time{}, false
	}
	return q.items[0].due, true
}

// len is the number of held packets.
func (q *holdQueue) len() int { return len(q.items) }
