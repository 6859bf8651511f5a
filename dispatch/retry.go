package dispatch

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// A delivery that meets a temporary failure (a 4xx reply, a connection
// lost, a cut after the whole message, no reply) is tried again on a
// schedule of its own, as an MTA's queue does: its next try is written
// beside it (deliveries.next_try_at), after the back-off of
// Options.RetryDelays for the try it just had (the last delay repeating),
// and no pass tries it before then, however many other windows fall due.
// It is tried until Options.RetryFor has passed since its run began (its
// last try is at that moment), then failed with the last reply.
//
// The first short back-offs are waited out inside the pass when it is
// still sending (queue.go): a greylisting server or a dropped connection
// is over in seconds. Longer ones end the run's turn in the pass; the
// run's own next_try_at, the earliest of its deliveries', wakes a pass
// then (wake.go), or a pass still sending starts it again (send.go).

// The back-offs waited out inside a pass: at most inPassTries of them for
// one delivery, each no longer than inPassWait.
const (
	inPassTries = 2
	inPassWait  = 5 * time.Second
)

// retryDelay is the back-off after a delivery's attempts-th try.
func (o Options) retryDelay(attempts int) time.Duration {
	i := min(max(attempts-1, 0), len(o.RetryDelays)-1)
	return o.RetryDelays[i]
}

// giveUpAt is when a delivery is tried for the last time: RetryFor after
// its run began or, when it was due later, after it was due (a welcome,
// due delay_minutes after its client joined: welcome.go; a run sent at
// each recipient's own time: recipient_time.go).
func (s *runSender) giveUpAt(j job) time.Time {
	began := s.run.GetDateTime("started_at").Time()
	if began.IsZero() {
		began = s.run.GetDateTime("created").Time()
	}
	if j.due.After(began) {
		began = j.due
	}
	return began.Add(s.p.opts.RetryFor)
}

// retryLater sets when a delivery that met a temporary failure at now is
// tried next, and returns false when its time is up: it is failed instead.
func (s *runSender) retryLater(o *outcome, now time.Time) bool {
	last := s.giveUpAt(o.job)
	if !now.Before(last) {
		return false
	}
	o.status = deliveryPending
	o.nextTry = now.Add(s.p.opts.retryDelay(o.attempts))
	if o.nextTry.After(last) {
		o.nextTry = last
	}
	// stored to the millisecond: rounded up, never a moment early
	o.nextTry = o.nextTry.Add(time.Millisecond - 1).Truncate(time.Millisecond)
	return true
}

// inPass is the back-off to wait out inside this pass for a delivery whose
// next try was just set, or -1 when a later pass tries it.
func inPass(o *outcome, now time.Time) time.Duration {
	wait := o.nextTry.Sub(now)
	if o.job.retries >= inPassTries || wait > inPassWait {
		return -1
	}
	return max(wait, 0)
}

// timeUp says why a delivery is tried no more: "tried for 5 days since the run began"
// ("since it was due" for a welcome or a run at each recipient's own time).
func (s *runSender) timeUp() string {
	if s.list != "" || s.rt != nil {
		return "tried for " + spanSaid(s.p.opts.RetryFor) + " since it was due"
	}
	return "tried for " + spanSaid(s.p.opts.RetryFor) + " since the run began"
}

// spanSaid says a duration as people do: "5 days", "36 hours", "90m0s".
func spanSaid(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d >= 2*time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return d.String()
}

// retriesDue reads the sending runs that have something to try at now:
// their earliest next try has come, or they have none (left by a process
// that ended, or resumed). A run this pass sends now is left to its
// sender; one it sent already goes again only for a try that fell due
// since (so a pass whose clock stands still ends), and only while another
// run still sends: a pass with nothing else to do ends, and the run's
// next_try_at wakes the next one (wake.go). Which pass tries it again
// then depends on the back-off alone, not on how the pass's goroutines
// were scheduled.
func (p *pass) retriesDue(now time.Time) ([]*core.Record, error) {
	runs, err := p.app.FindRecordsByFilter("runs", "status = '"+runSending+"' && (next_try_at = '' || next_try_at <= {:now})",
		"run_at", 0, 0, dbx.Params{"now": dbTime(now)})
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	busy := false
	for _, on := range p.sending {
		busy = busy || on
	}
	due := runs[:0]
	for _, run := range runs {
		began, sent := p.began[run.Id]
		if p.sending[run.Id] || (sent && (!busy || run.GetString("next_try_at") <= dbTime(began))) {
			continue
		}
		due = append(due, run)
	}
	return due, nil
}

// beginSending notes that this pass sends a run from now on; false when it
// does already.
func (p *pass) beginSending(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sending[id] {
		return false
	}
	p.sending[id] = true
	p.began[id] = p.opts.Now()
	return true
}

// endSending notes that a run's sender ended (its next try saved).
func (p *pass) endSending(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sending[id] = false
}
