package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/smtpclient"
)

// outcome is what became of one job; the worker waits on done until it is
// in the database before it sends the next message, so that a crash can
// repeat at most the one message each connection had in flight.
type outcome struct {
	job
	status  string // sent, failed, or pending (a temporary failure: try again later)
	reply   string
	sentAt  time.Time
	refused bool // failed for good by a 5xx reply: counts toward the run's early check
	skipped bool // not sent: the client left since the run was claimed (skip.go)
	done    chan error
	sender  *runSender
	relay   string    // the relay that carried it (deliveries.relay)
	nextTry time.Time // pending: not tried again before (retry.go)
	last    bool      // no delivery: the sender's run is over for this pass, settle it
}

// recordError means outcomes could not be written to the database: the
// pass stops, and what was not recorded stays pending.
type recordError struct{ err error }

func (e *recordError) Error() string {
	return "recording deliveries in the database failed (the messages not recorded stay pending): " + e.err.Error()
}

func (e *recordError) Unwrap() error { return e.err }

// send sends the pending deliveries of runs, and of the runs that fall
// due meanwhile, over one pool of workers that serves them all in turn
// (pool.go). It returns when every run is over for this pass (sent,
// failed, left for a later pass after temporary failures, paused), or with
// an error when the transport or the database cannot be used (what was
// not sent stays pending).
func (p *pass) send(ctx context.Context, runs []*core.Record) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	outcomes := make(chan *outcome, 256)
	// a run over is settled by the recorder after its last outcome, which
	// its worker put on the channel before giving the job back
	p.pool = newPool(p.opts.Workers, func(s *runSender) { outcomes <- &outcome{sender: s, last: true} })
	defer p.watchStops()()
	var senders []*runSender
	start := func(run *core.Record) error {
		if !p.beginSending(run.Id) {
			return nil // sent by this pass already: never two senders of one run
		}
		s, err := p.startRun(ctx, run)
		if err != nil {
			p.endSending(run.Id)
			return fmt.Errorf("starting run %s: %w", run.Id, err)
		}
		senders = append(senders, s)
		p.touched[run.GetString("mailing")] = true
		p.pool.add(s)
		return nil
	}
	var startErr error
	for _, run := range runs {
		if startErr = start(run); startErr != nil {
			break
		}
	}

	// the first worker that cannot reach the server stops the others; its
	// error is the one reported (theirs only say they were cancelled)
	var workers sync.WaitGroup
	var workerErr error
	var firstErr sync.Once
	for range p.opts.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			if err := p.work(ctx, outcomes); err != nil {
				firstErr.Do(func() { workerErr = err })
				cancel(err)
			}
		}()
	}
	claimed := make(chan error, 1)
	go func() {
		if startErr != nil {
			claimed <- nil
			return
		}
		claimed <- p.claimWhileSending(ctx, start)
	}()
	go func() {
		workers.Wait()
		close(outcomes)
	}()
	if startErr != nil {
		cancel(startErr)
	}

	recordErr := p.record(ctx, cancel, outcomes)
	// drain what is left if the recorder stopped early
	for o := range outcomes {
		if !o.last {
			p.releaseAll([]*outcome{o})
			o.done <- errors.New("not recorded")
		}
	}
	claimErr := <-claimed
	var runErrs []error
	for _, s := range senders {
		if !s.ended {
			s.err = s.end(ctx)
		}
		runErrs = append(runErrs, s.err)
		p.summary.Sent += s.sent
		p.summary.Failed += s.failed
	}
	if recordErr != nil { // said first: workers cut off by it only say they were cancelled
		return recordErr
	}
	err := errors.Join(append([]error{startErr, workerErr, claimErr}, runErrs...)...)
	if err == nil && ctx.Err() != nil { // the process is stopping: the rest waits for the next pass
		err = context.Cause(ctx)
	}
	return err
}

// claimWhileSending claims the windows that fall due while the pass sends,
// and starts again the runs whose next try comes meanwhile (retry.go), so
// that they go at once beside the others: when the server's
// timer says one is due (Options.Wake), and every second for a pass of
// its own (`postrider dispatch`). It returns once the pool is empty and
// nothing more is due, closing the pool. After an error it claims nothing
// more in this pass, and returns the error once the pool is empty.
func (p *pass) claimWhileSending(ctx context.Context, start func(*core.Record) error) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var failed error
	for {
		select {
		case <-ctx.Done():
			return failed
		case <-p.pool.idle:
		case <-p.opts.Wake:
		case <-tick.C:
		}
		if failed == nil {
			now := p.opts.Now().UTC()
			runs, err := p.claimDue(now)
			for _, run := range runs {
				if err == nil {
					err = start(run)
				}
			}
			if err == nil { // a waiting run whose owner may send again (quota.go)
				err = p.resumeWaiting(now)
			}
			if err == nil { // after the claimed runs started: they are not retries
				var again []*core.Record
				if again, err = p.retriesDue(now); err == nil {
					for _, run := range again {
						if err == nil {
							err = start(run)
						}
					}
					runs = append(runs, again...)
				}
			}
			if err != nil {
				failed = err
				p.log.Error("Dispatch pass claims nothing more: a window due meanwhile could not be claimed or started",
					slog.String("error", err.Error()))
			}
			if len(runs) > 0 {
				continue
			}
		}
		if p.pool.closeIfEmpty() {
			return failed
		}
	}
}

// work sends jobs of any run over one session, reopening it when it breaks.
// Each message's envelope is exchanged while the previous outcome is being
// recorded, but the message itself goes out only once that outcome is in
// the database: a crash can repeat at most the one message a connection had
// in flight. When another job is there already (and no rate limit spaces
// the messages), it is begun ahead: its envelope rides in the same write as
// the message's final dot, one write a message instead of two.
// It returns an error only when the transport cannot be reached at all.
func (p *pass) work(ctx context.Context, outcomes chan<- *outcome) error {
	var sess session
	defer func() {
		if sess != nil {
			sess.close() // a message begun and not ended is discarded by the server
		}
	}()
	// two buffers: the message begun ahead is rendered while the one
	// before it, in the other buffer, is still to be sent
	var writers [2]*writer
	slot := 0
	render := func(h *held, slot int) ([]byte, error) {
		w := writers[slot]
		if w == nil || !w.fits(h.s.tmpl) {
			w = h.s.tmpl.newWriter()
			writers[slot] = w
		}
		buf := h.s.tmpl.render(w, h.j.recipient, h.s.tmpl.messageID(h.j.id))
		return h.s.signers.sign(buf) // dkim.go; a failure is temporary: nothing was begun
	}
	done := make(chan error, 1)
	recording := false // an outcome of ours is on its way to the database
	recorded := func() bool {
		if !recording {
			return true
		}
		recording = false
		return <-done == nil
	}
	defer recorded()
	var next *held // taken while the message before it was in flight
	defer func() {
		if next != nil {
			next.s.giveBack(next.j)
		}
	}()

	for {
		h := next
		next = nil
		if h == nil {
			// the rate limit's turn first, then the job: the runs share the
			// rate in the pool's order, with no job held waiting for its turn
			if err := p.limiter.wait(ctx); err != nil {
				return nil
			}
			s, j, ok := p.pool.take(ctx)
			if !ok {
				return nil
			}
			if !s.admit(&j) { // the owner's daily limit is reached (quota.go)
				continue
			}
			h = &held{s: s, j: j}
		}
		if ctx.Err() != nil || h.s.stopping() {
			// the pass or its run stopped since this job was taken (stop.go):
			// it stays pending, and what was begun of it goes with the session
			h.s.giveBack(h.j)
			if h.ahead {
				sess.close()
				sess = nil
			}
			if ctx.Err() != nil {
				return nil
			}
			continue
		}
		if h.buf != nil {
			slot = 1 - slot // rendered in the other buffer while the one before went out
		}
		var err error
		if !h.ahead {
			if sess == nil || sess.broken() {
				if sess != nil {
					sess.close()
				}
				if sess, err = p.transport.open(ctx); err != nil {
					sess = nil
					h.s.giveBack(h.j)
					if ctx.Err() != nil {
						return nil // stopped for another reason, said elsewhere
					}
					return &unreachableError{where: p.transport.String(), err: err}
				}
			}
			// the last look at the client before the message is begun
			var skip string
			if skip, err = p.skip(h.j); skip != "" {
				if !recorded() {
					h.s.giveBack(h.j)
					return nil
				}
				outcomes <- &outcome{job: h.j, sender: h.s, done: done, status: deliveryFailed, reply: skip, skipped: true}
				recording = true
				h.s.queue.done()
				continue
			}
			if err == nil && h.buf == nil {
				h.buf, err = render(h, slot)
			}
			if err == nil {
				err = sess.begin(h.s.envelopeFrom(h.j.id), h.j.email, h.buf)
			}
		}
		if err == nil && p.limiter.interval == 0 {
			if s, j, ok := p.pool.tryTake(); ok && s.admit(&j) {
				next = &held{s: s, j: j}
				// a client who left, a failed check or a failed render is
				// met again, and judged, in its own turn
				if skip, err := p.skip(j); skip == "" && err == nil {
					if buf, err := render(next, 1-slot); err == nil {
						next.buf = buf
						next.ahead = sess.ahead(s.envelopeFrom(j.id), j.email, buf)
					}
				}
			}
		}
		if !recorded() {
			h.s.giveBack(h.j)
			return nil // the recorder failed: this message stays unfinished and pending
		}
		var reply string
		if err == nil {
			reply, err = sess.end()
		}
		if next != nil && next.ahead && sess.broken() {
			next.ahead = false // what was begun on the session is lost with it: begun again on the next
		}
		s, j := h.s, h.j
		o := &outcome{job: j, sender: s, done: done, sentAt: time.Now().UTC()}
		o.attempts = j.attempts + 1
		o.relay = sess.relay()
		backoff := s.judge(o, reply, err)
		outcomes <- o
		recording = true
		if backoff >= 0 {
			again := o.job
			again.retries++
			again.day = "" // counted by the recorder: a later try reserves nothing
			s.queue.again(again, backoff)
		} else {
			s.queue.done()
		}
	}
}

// held is a job a worker took, with its message once rendered.
type held struct {
	s     *runSender
	j     job
	buf   []byte // rendered in the buffer the message before it did not use
	ahead bool   // begun ahead on the session
}

// judge sets what became of one try from the server's reply or the error,
// and returns the back-off after which it is tried again in this pass, or
// -1 when this pass is done with it:
//   - a message the server cannot take (smtpclient.Unsendable) fails at once;
//   - a 5xx reply fails the delivery for good (refused.go says whether it
//     counts against the address);
//   - no reply after the whole message went out may mean it arrived: it is
//     not tried again in this pass. A connection cut then (closed or reset)
//     is an event of its own each time: tried again later, each such try
//     repeating one message at most, until MaxCuts cuts (a server that
//     always drops after the dot). A timeout means a slow server that most
//     likely kept it: tried once more later, and not after an earlier try
//     went unanswered;
//   - a 4xx reply or a connection lost before the end is tried again on
//     the delivery's own schedule (retry.go) until its time is up.
func (s *runSender) judge(o *outcome, reply string, err error) time.Duration {
	opts := s.p.opts
	now := opts.Now()
	switch {
	case err == nil:
		o.status, o.reply = deliverySent, reply
		if o.cuts > 0 {
			o.reply += fmt.Sprintf(" (at attempt %d, %s with no reply after the whole message: an earlier copy may have arrived)",
				o.attempts, cutsSaid(o.cuts))
		}
	case smtpclient.Unsendable(err): // not for this server (smtpclient/idn.go): no refusal, no bounce
		o.status, o.reply = deliveryFailed, err.Error()
	case smtpclient.Permanent(err):
		o.status, o.reply, o.refused = deliveryFailed, refusal(err), true
	case smtpclient.CutOff(err):
		o.cuts++
		o.unconfirmed = true
		switch {
		case o.cuts >= opts.MaxCuts:
			o.status = deliveryFailed
			o.reply = fmt.Sprintf("not tried again: the connection was cut %d times after the whole message went out, before any reply, so it may have arrived (last: %s)",
				o.cuts, err)
		case !s.retryLater(o, now):
			o.status = deliveryFailed
			o.reply = fmt.Sprintf("not tried again: %s; it may have arrived (%s)", err, s.timeUp())
		default:
			o.reply = fmt.Sprintf("%s; it may have arrived: tried again later (cut %d of at most %d times)", err, o.cuts, opts.MaxCuts)
		}
	case smtpclient.Unanswered(err) && o.job.unconfirmed:
		o.status = deliveryFailed
		o.reply = fmt.Sprintf("not tried again after %d attempts: the whole message went out and no reply came, so it may have arrived (last: %s)",
			o.attempts, err)
	case smtpclient.Unanswered(err):
		o.unconfirmed = true
		if !s.retryLater(o, now) {
			o.status = deliveryFailed
			o.reply = fmt.Sprintf("not tried again: %s; it may have arrived (%s)", err, s.timeUp())
			break
		}
		o.reply = err.Error() + "; it may have arrived: tried once more later"
	case !s.retryLater(o, now):
		o.status = deliveryFailed
		o.reply = fmt.Sprintf("failed after %d attempts (%s); the last: %s", o.attempts, s.timeUp(), err)
	default:
		o.reply = err.Error()
		return inPass(o, now)
	}
	return -1
}

// cutsSaid says how many connections were cut: "after 2 connections were cut".
func cutsSaid(n int) string {
	if n == 1 {
		return "after 1 connection was cut"
	}
	return fmt.Sprintf("after %d connections were cut", n)
}

// unreachableError means no session could be opened: the server is down,
// refuses us, or the settings are wrong.
type unreachableError struct {
	where string
	err   error
}

func (e *unreachableError) Error() string {
	return "cannot reach the " + e.where + ": " + e.err.Error()
}

func (e *unreachableError) Unwrap() error { return e.err }

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
