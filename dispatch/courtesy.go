package dispatch

import (
	"context"
	"sync"
	"time"
)

// courtesy keeps a `postrider dispatch` beside serve (another process,
// lock.go) to half of SQLite's write lock at most: after each of its write
// transactions (a claim's chunk, a batch of outcomes) the lock stays free
// for as long as that one held it, whoever of the pass writes next. Inside
// one process the writes queue for the one writing connection; another
// process gets the lock only if it finds it free when its busy handler
// looks again (every 100 ms at last). A pass on its own, or serve's, has
// none (nil), and a nil courtesy waits for nothing.
type courtesy struct {
	mu   sync.Mutex
	next time.Time // no write transaction of the pass begins before
}

// wait waits until the pass may begin a write transaction, or ctx ends.
func (c *courtesy) wait(ctx context.Context) {
	if c == nil {
		return
	}
	c.mu.Lock()
	d := time.Until(c.next)
	c.mu.Unlock()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// held notes a write transaction that began at began and is over.
func (c *courtesy) held(began time.Time) {
	if c == nil {
		return
	}
	now := time.Now()
	c.mu.Lock()
	c.next = now.Add(now.Sub(began))
	c.mu.Unlock()
}
