package dispatch

import (
	"context"
	"sync"
	"time"
)

// pool hands the jobs of every sending run of a pass to one set of workers:
// round-robin between owners, then between each owner's runs, so that a
// small mailing goes out within seconds even beside a 1,000,000-recipient
// one, and no sender waits behind another. Each run keeps its own order of
// recipients (its queue); runs join while the pass goes on (claimed when
// they fall due) and leave when their queue is over.
type pool struct {
	mu     sync.Mutex
	owners []*ownerRuns // served in turn from next
	next   int
	runs   int  // runs in the pool
	closed bool // no run joins any more: workers stop once the pool is empty

	wake    chan struct{} // a producer put a job in its queue
	idle    chan struct{} // the pool became empty
	stopped chan struct{} // closed with the pool
	over    func(*runSender)
}

// ownerRuns is one owner's runs, served in turn from next.
type ownerRuns struct {
	owner string
	runs  []*runSender
	next  int
}

// newPool makes a pool; over is called (outside the pool's lock) for each
// run whose queue is over, once, by the worker that finds it so.
func newPool(workers int, over func(*runSender)) *pool {
	return &pool{wake: make(chan struct{}, workers), idle: make(chan struct{}, 1), stopped: make(chan struct{}), over: over}
}

// add puts a run in its owner's turn.
func (p *pool) add(s *runSender) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.runs++
	owner := s.mailing.GetString("owner")
	for _, o := range p.owners {
		if o.owner == owner {
			o.runs = append(o.runs, s)
			return
		}
	}
	p.owners = append(p.owners, &ownerRuns{owner: owner, runs: []*runSender{s}})
}

// notify tells a waiting worker that a job may be there (a producer calls
// it for each job it queues; it never blocks).
func (p *pool) notify() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// closeIfEmpty stops the pool when it holds no run, and tells whether it did.
func (p *pool) closeIfEmpty() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.runs == 0 && !p.closed {
		p.closed = true
		close(p.stopped)
	}
	return p.closed
}

// take returns the next job and its run, waiting for one; false once the
// pool is closed and empty, or ctx is done.
func (p *pool) take(ctx context.Context) (*runSender, job, bool) {
	for {
		s, j, wait, over, ok := p.poll()
		for _, r := range over {
			p.over(r)
		}
		if s != nil {
			return s, j, true
		}
		if !ok {
			return nil, job{}, false
		}
		if wait < 0 || wait > tailPoll {
			wait = tailPoll // a safety net: a run may come back to life (a retry given back)
		}
		timer := time.NewTimer(wait)
		select {
		case <-p.wake:
		case <-p.stopped:
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return nil, job{}, false
		}
		timer.Stop()
	}
}

// tryTake returns the next job and its run if one is there now, without
// waiting.
func (p *pool) tryTake() (*runSender, job, bool) {
	s, j, _, over, _ := p.poll()
	for _, r := range over {
		p.over(r)
	}
	return s, j, s != nil
}

// poll looks once through the runs, in turn, for a job. It returns the run
// and job found, or how long to wait before looking again; over lists the
// runs it found over and took out; ok is false once the pool is closed and
// empty.
func (p *pool) poll() (found *runSender, j job, wait time.Duration, over []*runSender, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	wait = -1
	for i := 0; i < len(p.owners) && found == nil; i++ {
		o := p.owners[(p.next+i)%len(p.owners)]
		for k := 0; k < len(o.runs); k++ {
			s := o.runs[(o.next+k)%len(o.runs)]
			if s.left {
				continue
			}
			got, state, w := s.queue.poll(s.ctx.Err() != nil)
			switch state {
			case pollGot:
				found, j = s, got
				o.next = (o.next + k + 1) % len(o.runs)
				p.next = (p.next + i + 1) % len(p.owners)
			case pollOver:
				s.left = true
				over = append(over, s)
			case pollWait:
				if w >= 0 && (wait < 0 || w < wait) {
					wait = w
				}
			}
			if found != nil {
				break
			}
		}
	}
	if len(over) > 0 {
		p.drop()
	}
	return found, j, wait, over, found != nil || !(p.closed && p.runs == 0)
}

// drop takes the runs that left out of their owners' turns.
func (p *pool) drop() {
	owners := p.owners[:0]
	for _, o := range p.owners {
		runs := o.runs[:0]
		for _, s := range o.runs {
			if s.left {
				p.runs--
			} else {
				runs = append(runs, s)
			}
		}
		o.runs = runs
		if len(runs) > 0 {
			o.next %= len(runs)
			owners = append(owners, o)
		}
	}
	p.owners = owners
	if len(owners) > 0 {
		p.next %= len(owners)
	} else {
		p.next = 0
	}
	if p.runs == 0 {
		select {
		case p.idle <- struct{}{}:
		default:
		}
	}
}
