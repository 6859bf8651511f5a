package dispatch

import (
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
	cuts        int  // earlier tries whose connection was cut after the whole message went out
	retries     int  // tries of this pass that met a temporary failure
	// why it must not go, as its client was when read, and when (skip.go)
	skip string
	read time.Time
	// list is the list of the run's welcome ("" for other runs: skip.go);
	// due is when the delivery was first due, in a welcome or a run sent
	// at each recipient's own time (its run_at): its give-up clock counts
	// from then (retry.go giveUpAt)
	list string
	due  time.Time
	// day is the owner's day of the message a worker reserved for this
	// first try (quota.go); "" when none is reserved
	day string
}

// queue holds one run's jobs for the pass's workers: first the retries
// whose back-off is over, then the fresh pending deliveries the producer
// reads. A message waiting for its back-off holds no worker: the workers go
// on with other recipients and runs, and take it again when its time comes.
// Once the producer has nothing more, the run waits only for retries due
// within tailWait of that moment; later ones stay pending for the next pass
// rather than hold the pass open.
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

// tailPoll is how often an idle worker looks again while a job taken may
// still come back as a retry; tailWait is how long a run's retries are
// waited for once its producer is done.
const (
	tailPoll = 10 * time.Millisecond
	tailWait = 250 * time.Millisecond
)

// What poll found.
type pollState int

const (
	pollGot  pollState = iota // a job to send
	pollWait                  // nothing now; more may come
	pollOver                  // nothing left for this pass: every job taken is given back
)

// poll takes the next job without waiting. With pollWait, wait is when to
// look again at the latest (a retry's time, or tailPoll while a job taken
// may come back); -1 when only the producer can bring more. A stopped run
// hands out nothing more and is over once its jobs taken are given back.
// Every job taken must be given back through done or again.
func (q *queue) poll(stopped bool) (j job, state pollState, wait time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if stopped {
		if q.busy == 0 {
			return job{}, pollOver, 0
		}
		return job{}, pollWait, tailPoll
	}
	now := time.Now()
	if len(q.waiting) > 0 && !q.waiting[0].at.After(now) {
		j = q.waiting[0].job
		q.waiting = q.waiting[1:]
		q.busy++
		return j, pollGot, 0
	}
	if !q.freshDone {
		select {
		case j, ok := <-q.fresh:
			if ok {
				q.busy++
				return j, pollGot, 0
			}
			q.freshDone, q.cutoff = true, now.Add(tailWait)
		default:
		}
	}
	if q.freshDone && q.busy == 0 && (len(q.waiting) == 0 || q.waiting[0].at.After(q.cutoff)) {
		return job{}, pollOver, 0
	}
	wait = -1
	if len(q.waiting) > 0 {
		wait = q.waiting[0].at.Sub(now)
	}
	if q.freshDone && (wait < 0 || wait > tailPoll) {
		wait = tailPoll
	}
	return job{}, pollWait, wait
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
