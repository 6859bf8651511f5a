package dispatch

import (
	"context"
	"sort"
	"sync"
	"time"
)

// job is one pending delivery handed to a worker.
type job struct {
	id string
	recipient
	rowid       int64
	attempts    int  // tries recorded before this one, over all passes
	unconfirmed bool // an earlier try went out whole and got no reply
	retries     int  // tries of this pass that met a temporary failure
}

// queue hands a run's jobs to its workers: first the retries whose back-off
// is over, then the fresh pending deliveries the producer reads. A message
// waiting for its back-off holds no worker: the workers go on with other
// recipients and take it again when its time comes. Once the producer has
// nothing more, the pass waits only for retries due within tailWait of that
// moment; later ones stay pending for the next pass rather than hold up
// the runs after this one.
type queue struct {
	fresh <-chan job

	mu        sync.Mutex
	waiting   []retry   // by time, soonest first
	busy      int       // jobs taken and not yet done nor back in waiting
	freshDone bool      // the producer has nothing more
	cutoff    time.Time // freshDone's time + tailWait: retries due later wait for the next pass
}

type retry struct {
	job
	at time.Time
}

// tailPoll is how often a worker with nothing to take looks again while
// other workers may still put a retry back.
const (
	tailPoll = 10 * time.Millisecond
	tailWait = 250 * time.Millisecond
)

// take returns the next job, waiting for one; false when there is nothing
// left to do in this pass (or ctx is done). Every job taken must be given
// back through done or again.
func (q *queue) take(ctx context.Context) (job, bool) {
	for {
		q.mu.Lock()
		now := time.Now()
		if len(q.waiting) > 0 && !q.waiting[0].at.After(now) {
			j := q.waiting[0].job
			q.waiting = q.waiting[1:]
			q.busy++
			q.mu.Unlock()
			return j, true
		}
		wait := time.Duration(-1)
		if len(q.waiting) > 0 {
			wait = q.waiting[0].at.Sub(now)
		}
		freshDone := q.freshDone
		idle := freshDone && q.busy == 0 && (len(q.waiting) == 0 || q.waiting[0].at.After(q.cutoff))
		q.mu.Unlock()
		if idle {
			return job{}, false
		}

		fresh := q.fresh
		if freshDone {
			fresh = nil // a nil channel never delivers: wait for a retry
			if wait < 0 || wait > tailPoll {
				wait = tailPoll
			}
		}
		var timer *time.Timer
		var wake <-chan time.Time
		if wait >= 0 {
			timer = time.NewTimer(wait)
			wake = timer.C
		}
		j, ok, got := q.receive(ctx, fresh, wake)
		if timer != nil {
			timer.Stop()
		}
		if got {
			return j, ok
		}
	}
}

// receive waits for a fresh job, a wake-up or the end of ctx; got tells
// that take must return (j, ok).
func (q *queue) receive(ctx context.Context, fresh <-chan job, wake <-chan time.Time) (j job, ok, got bool) {
	select {
	case j, ok := <-fresh:
		q.mu.Lock()
		defer q.mu.Unlock()
		if ok {
			q.busy++
			return j, true, true
		}
		q.freshDone, q.cutoff = true, time.Now().Add(tailWait)
		return job{}, false, false
	case <-wake:
		return job{}, false, false
	case <-ctx.Done():
		return job{}, false, true
	}
}

// done gives back a job that is finished for this pass.
func (q *queue) done() {
	q.mu.Lock()
	q.busy--
	q.mu.Unlock()
}

// again gives back a job to be tried again after delay.
func (q *queue) again(j job, delay time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	r := retry{job: j, at: time.Now().Add(delay)}
	i := sort.Search(len(q.waiting), func(i int) bool { return q.waiting[i].at.After(r.at) })
	q.waiting = append(q.waiting, retry{})
	copy(q.waiting[i+1:], q.waiting[i:])
	q.waiting[i] = r
	q.busy--
}
