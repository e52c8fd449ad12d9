package relay

import (
	"container/heap"
	"sync"
)

// tokenCache remembers the tokens used, for Config.TokenSingleUse, until
// they expire (an expired token is refused anyway). It holds at most max
// tokens: when full, a new token is refused until some expire, rather
// than forgetting one that could then be replayed.
type tokenCache struct {
	mu    sync.Mutex
	max   int
	seen  map[[32]byte]struct{}
	byExp expHeap
}

func newTokenCache(max int) *tokenCache {
	return &tokenCache{max: max, seen: map[[32]byte]struct{}{}}
}

// use marks tok used at now (unix seconds); reason says why it cannot
// be.
func (c *tokenCache) use(tok helloToken, now int64) (reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.byExp) > 0 && c.byExp[0].exp < now {
		delete(c.seen, heap.Pop(&c.byExp).(helloToken).mac)
	}
	if _, ok := c.seen[tok.mac]; ok {
		return reasonTokenUsed
	}
	if len(c.seen) >= c.max {
		return reasonTokensInUse
	}
	c.seen[tok.mac] = struct{}{}
	heap.Push(&c.byExp, tok)
	return ""
}

// expHeap orders tokens by expiry, the soonest first.
type expHeap []helloToken

func (h expHeap) Len() int           { return len(h) }
func (h expHeap) Less(i, j int) bool { return h[i].exp < h[j].exp }
func (h expHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expHeap) Push(x any)        { *h = append(*h, x.(helloToken)) }
func (h *expHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
