package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// job is one pending delivery handed to a worker.
type job struct {
	id       string
	email    string
	attempts int
	rowid    int64
}

// outcome is what became of one job; the worker waits on done until it is
// in the database before it sends the next message, so that a crash can
// repeat at most the one message each connection had in flight.
type outcome struct {
	job
	status    string // sent, failed, or pending (a temporary failure: try again next pass)
	reply     string
	messageID string
	sentAt    time.Time
	done      chan error
}

// runSender sends the pending deliveries of one run.
type runSender struct {
	p        *pass
	run      *core.Record
	mailing  *core.Record
	tmpl     *template
	from     string
	cancel   context.CancelCauseFunc
	sent     int
	failed   int
	tried    int // outcomes this pass, for the failure threshold
	lastFail string
	// the run's counts before this pass
	baseSent, baseFailed int
}

// errPaused stops a run's sending when too many messages are refused.
var errPaused = errors.New("paused")

// sendRun sends every pending delivery of run through p's transport. It
// returns when they are all sent or failed, when the run is paused, or with
// an error when the transport cannot be used (the deliveries stay pending).
func (p *pass) sendRun(ctx context.Context, run *core.Record) error {
	mailing, err := p.app.FindRecordById("mailings", run.GetString("mailing"))
	if err != nil {
		return err
	}
	settings := p.app.Settings()
	from := mail.Address{Name: settings.Meta.SenderName, Address: settings.Meta.SenderAddress}
	tmpl, err := newTemplate(from, mailing.GetString("subject"), mailing.GetString("body"))
	if err != nil {
		return err
	}
	parent := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	s := &runSender{p: p, run: run, mailing: mailing, tmpl: tmpl, from: from.Address, cancel: cancel}
	if s.baseSent, s.baseFailed, err = countDone(p.app, run.Id); err != nil {
		return err
	}

	jobs := make(chan job, 256)
	outcomes := make(chan *outcome, 256)

	var producerErr error
	go func() {
		defer close(jobs)
		producerErr = s.produce(ctx, jobs)
	}()

	// the first worker that cannot reach the server stops the others; its
	// error is the one reported (theirs only say they were cancelled)
	var workers sync.WaitGroup
	var workerErr error
	var firstErr sync.Once
	for range p.opts.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			if err := s.work(ctx, jobs, outcomes); err != nil {
				firstErr.Do(func() { workerErr = err })
				cancel(err)
			}
		}()
	}
	go func() {
		workers.Wait()
		close(outcomes)
	}()

	recordErr := s.record(outcomes)
	// drain what is left if the recorder stopped early
	for o := range outcomes {
		o.done <- errors.New("not recorded")
	}

	p.summary.Sent += s.sent
	p.summary.Failed += s.failed
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, errPaused):
		return s.pause()
	case errors.Is(cause, errStopped):
		return s.stopped(strings.TrimPrefix(cause.Error(), errStopped.Error()+": "))
	case parent.Err() != nil: // the process is stopping: the rest waits for the next pass
		s.saveCounters()
		return parent.Err()
	}
	if err := errors.Join(recordErr, producerErr, workerErr); err != nil {
		s.saveCounters()
		return err
	}
	return s.finish()
}

// produce feeds the run's pending deliveries to the workers in client
// order, a page at a time (walking the run's unique (run, client) index),
// and stops early when the mailing is stopped or its owner blocked.
func (s *runSender) produce(ctx context.Context, jobs chan<- job) error {
	after := ""
	for {
		if stop, why := s.p.mustStop(s.mailing.Id); stop {
			s.cancel(fmt.Errorf("%w: %s", errStopped, why))
			return nil
		}
		var page []struct {
			RowID    int64  `db:"rowid"`
			ID       string `db:"id"`
			Client   string `db:"client"`
			Email    string `db:"email"`
			Attempts int    `db:"attempts"`
		}
		// through the write connection: one page cache for the whole pass
		// instead of one per pooled reader, and no stale pages to drop
		err := s.p.app.NonconcurrentDB().NewQuery(`
			SELECT rowid, id, client, email, attempts FROM deliveries
			WHERE run = {:run} AND client > {:after} AND status = 'pending'
			ORDER BY client LIMIT 1000`).
			Bind(dbx.Params{"run": s.run.Id, "after": after}).All(&page)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, d := range page {
			select {
			case jobs <- job{id: d.ID, email: d.Email, attempts: d.Attempts, rowid: d.RowID}:
			case <-ctx.Done():
				return nil
			}
		}
		after = page[len(page)-1].Client
	}
}

// errStopped ends a run's sending because its mailing was stopped.
var errStopped = errors.New("stopped")

// work sends jobs over one session, reopening it when it breaks; temporary
// failures are retried with back-off, then left pending for the next pass.
// Each message's envelope is exchanged while the previous outcome is being
// recorded, but the message itself goes out only once that outcome is in
// the database: a crash can repeat at most the one message a connection had
// in flight.
// It returns an error only when the transport cannot be reached at all.
func (s *runSender) work(ctx context.Context, jobs <-chan job, outcomes chan<- *outcome) error {
	var sess session
	defer func() {
		if sess != nil {
			sess.close() // a message begun and not ended is discarded by the server
		}
	}()
	buf := make([]byte, 0, 64*1024)
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

	for j := range jobs {
		if ctx.Err() != nil {
			return nil
		}
		o := &outcome{job: j, done: done, messageID: s.tmpl.messageID(j.id)}
		buf = s.tmpl.render(buf[:0], j.email, o.messageID)
		for try := 0; ; try++ {
			if sess == nil || sess.broken() {
				if sess != nil {
					sess.close()
				}
				var err error
				if sess, err = s.p.transport.open(ctx); err != nil {
					sess = nil
					return &unreachableError{where: s.p.transport.String(), err: err}
				}
			}
			if err := s.p.limiter.wait(ctx); err != nil {
				return nil
			}
			err := sess.begin(s.from, j.email, buf)
			if !recorded() {
				return nil // the recorder failed: this message stays unfinished and pending
			}
			var reply string
			if err == nil {
				reply, err = sess.end()
			}
			o.attempts = j.attempts + try + 1
			o.sentAt = time.Now().UTC()
			if err == nil {
				o.status, o.reply = deliverySent, reply
				break
			}
			o.reply = err.Error()
			if permanent(err) {
				o.status = deliveryFailed
				break
			}
			if try >= len(s.p.opts.RetryDelays) {
				o.status = deliveryPending // try again on the next pass
				if o.attempts >= s.p.opts.MaxAttempts {
					o.status = deliveryFailed
				}
				break
			}
			select {
			case <-time.After(s.p.opts.RetryDelays[try]):
			case <-ctx.Done():
				return nil
			}
		}
		outcomes <- o
		recording = true
	}
	return nil
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

// record writes outcomes to the database in small transactions (all that
// arrived while the previous one committed), then releases their workers.
// The run's counters move in memory and reach the run record a few times
// a second, for the web app to follow live.
func (s *runSender) record(outcomes <-chan *outcome) error {
	batch := make([]*outcome, 0, s.p.opts.Workers)
	lastSave := time.Now()
	// a commit costs about as much as many updates: wait a moment for the
	// workers' next outcomes (they are busy sending their next message
	// meanwhile) so that one commit records most of them
	target := max(1, s.p.opts.Workers/2)
	for first := range outcomes {
		batch = append(batch[:0], first)
		linger := time.NewTimer(lingerFor)
	collect:
		for len(batch) < target {
			select {
			case o, ok := <-outcomes:
				if !ok {
					break collect
				}
				batch = append(batch, o)
			case <-linger.C:
				break collect
			}
		}
		linger.Stop()
		err := s.save(batch)
		for _, o := range batch {
			o.done <- err
		}
		if err != nil {
			s.cancel(err)
			return fmt.Errorf("recording deliveries: %w", err)
		}
		for _, o := range batch {
			s.tried++
			switch o.status {
			case deliverySent:
				s.sent++
			case deliveryFailed:
				s.failed++
				s.lastFail = o.reply
			case deliveryPending:
				s.lastFail = o.reply
			}
		}
		if s.tried >= pauseAfter && (s.tried-s.sent)*2 > s.tried {
			s.cancel(errPaused)
		}
		if time.Since(lastSave) >= counterInterval {
			s.saveCounters()
			lastSave = time.Now()
		}
	}
	return nil
}

// save records a batch of outcomes in one transaction.
func (s *runSender) save(batch []*outcome) error {
	return s.p.app.RunInTransaction(func(tx core.App) error {
		// by rowid: the table's own key, one B-tree walk instead of two
		q := tx.DB().NewQuery(`
			UPDATE deliveries SET status = {:status}, attempts = {:attempts}, response = {:response},
			       sent_at = {:sentAt}, updated = {:now}
			WHERE rowid = {:rowid} AND id = {:id} AND status = 'pending'`).Prepare()
		defer q.Close()
		now := dbTime(time.Now())
		for _, o := range batch {
			sentAt := ""
			if o.status == deliverySent {
				sentAt = dbTime(o.sentAt)
			}
			_, err := q.Bind(dbx.Params{
				"rowid": o.rowid, "id": o.id, "status": o.status, "attempts": o.attempts,
				"response": clip(o.reply, 2000), "sentAt": sentAt, "now": now,
			}).Execute()
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// How often the run's counters are saved while it sends, and after how many
// outcomes a run where most messages fail is paused.
const (
	lingerFor       = time.Millisecond
	counterInterval = 250 * time.Millisecond
	pauseAfter      = 20
)

// saveCounters writes the run's sent and failed counts (through the record,
// so that realtime subscribers see them move).
func (s *runSender) saveCounters() {
	s.run.Set("sent", s.baseSent+s.sent)
	s.run.Set("failed", s.baseFailed+s.failed)
	if err := s.p.app.Save(s.run); err != nil {
		s.p.log.Error("Failed to save a run's counters", slog.String("run", s.run.Id), slog.String("error", err.Error()))
	}
}

// finish closes the run when nothing is left pending; deliveries left
// pending after temporary failures keep it open for the next pass.
func (s *runSender) finish() error {
	pending, err := countPending(s.p.app, s.run.Id)
	if err != nil {
		return err
	}
	if pending == 0 {
		s.run.Set("status", runDone)
		s.run.Set("finished_at", dbTime(time.Now()))
		s.run.Set("note", "")
	} else {
		s.run.Set("note", fmt.Sprintf("%d messages met a temporary failure and will be tried again on the next pass (last reply: %s)",
			pending, clip(s.lastFail, 300)))
	}
	s.saveCounters()
	return nil
}

// pause stops a run that fails for most recipients, and stops its mailing so
// that nothing hammers a broken server until the owner resumes it.
func (s *runSender) pause() error {
	note := fmt.Sprintf("Paused: %d of the %d messages tried failed (last reply: %s). Resume the mailing to try the rest.",
		s.tried-s.sent, s.tried, clip(s.lastFail, 300))
	s.run.Set("status", runPaused)
	s.run.Set("note", note)
	s.saveCounters()
	s.p.log.Warn("Run paused: most messages fail", slog.String("run", s.run.Id), slog.String("mailing", s.mailing.Id),
		slog.String("last_reply", s.lastFail))
	mailing, err := s.p.app.FindRecordById("mailings", s.mailing.Id)
	if err != nil {
		return err
	}
	mailing.Set("stopped", true)
	return s.p.app.Save(mailing)
}

// stopped parks a run whose mailing was stopped (or whose owner was
// blocked) while it sent; it resumes when the mailing may send again.
func (s *runSender) stopped(why string) error {
	pending, err := countPending(s.p.app, s.run.Id)
	if err != nil {
		return err
	}
	s.run.Set("status", runPaused)
	s.run.Set("note", fmt.Sprintf("%s: %d messages wait until it can send again.", why, pending))
	s.saveCounters()
	return nil
}

func countPending(app core.App, runID string) (int, error) {
	var n int
	err := app.DB().Select("COUNT(*)").From("deliveries").
		Where(dbx.HashExp{"run": runID, "status": deliveryPending}).Row(&n)
	return n, err
}

// countDone reads how many of a run's deliveries are sent and failed, so
// that the counters are right after a crash too.
func countDone(app core.App, runID string) (sent, failed int, err error) {
	var rows []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	err = app.DB().Select("status", "COUNT(*) AS n").From("deliveries").
		Where(dbx.HashExp{"run": runID}).GroupBy("status").All(&rows)
	for _, r := range rows {
		switch r.Status {
		case deliverySent:
			sent = r.N
		case deliveryFailed:
			failed = r.N
		}
	}
	return sent, failed, err
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
