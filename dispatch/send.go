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

	"postrider/mailout"
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
	done    chan error
}

// runSender sends the pending deliveries of one run.
type runSender struct {
	p       *pass
	run     *core.Record
	mailing *core.Record
	tmpl    *template
	dkim    *mailout.DKIM // nil: unsigned
	from    string
	queue   *queue
	cancel  context.CancelCauseFunc

	// what this pass recorded
	sent, failed, refused int
	lastFail              string // the last reply of a failure, temporary or not
	lastRefusal           string // the last 5xx refusal, with its address
	// the run's counts before this pass, and whether its early check is over
	baseSent, baseFailed, baseRefused int
	checked                           bool
}

// Why a run's sending stops before its end: paused when most of its first
// messages are refused, stopped when its mailing is stopped meanwhile.
var (
	errPaused  = errors.New("paused")
	errStopped = errors.New("stopped")
)

// recordError means outcomes could not be written to the database: the
// pass stops, and what was not recorded stays pending.
type recordError struct{ err error }

func (e *recordError) Error() string {
	return "recording deliveries in the database failed (the messages not recorded stay pending): " + e.err.Error()
}

func (e *recordError) Unwrap() error { return e.err }

// sendRun sends every pending delivery of run through p's transport. It
// returns when they are all sent or failed (or left for a later pass after
// temporary failures), when the run is paused, or with an error when the
// transport or the database cannot be used (the deliveries stay pending).
func (p *pass) sendRun(ctx context.Context, run *core.Record) error {
	mailing, err := p.app.FindRecordById("mailings", run.GetString("mailing"))
	if err != nil {
		return err
	}
	settings := p.app.Settings()
	from := mail.Address{Name: settings.Meta.SenderName, Address: settings.Meta.SenderAddress}
	secret, err := mailout.UnsubscribeSecret(p.app.DataDir())
	if err != nil {
		return err
	}
	tmpl, err := newTemplate(mailingInfo{
		from: from, subject: mailing.GetString("subject"), body: mailing.GetString("body"),
		runID: run.Id, mailingID: mailing.Id, ownerID: mailing.GetString("owner"),
		appURL: settings.Meta.AppURL, secret: secret,
	})
	if err != nil {
		return err
	}
	signer, err := DKIMFor(p.app, p.opts)
	if err != nil {
		return err
	}
	parent := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	s := &runSender{p: p, run: run, mailing: mailing, tmpl: tmpl, dkim: signer, from: from.Address, cancel: cancel,
		checked: run.GetBool("checked")}
	since := dbTime(time.Now()) // the outcomes of this pass are updated since
	if err := s.skipExcluded(); err != nil {
		return err
	}
	if err := s.countBase(); err != nil {
		return err
	}

	jobs := make(chan job, 256)
	s.queue = &queue{fresh: jobs}
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
			if err := s.work(ctx, outcomes); err != nil {
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
	s.countBounces(since)

	p.summary.Sent += s.sent
	p.summary.Failed += s.failed
	cause := context.Cause(ctx)
	switch {
	case recordErr != nil: // said first: workers cut off by it only say they were cancelled
		return recordErr
	case errors.Is(cause, errPaused):
		return s.pause()
	case errors.Is(cause, errStopped):
		return s.stopped(strings.TrimPrefix(cause.Error(), errStopped.Error()+": "))
	case parent.Err() != nil: // the process is stopping: the rest waits for the next pass
		s.saveCounters()
		return parent.Err()
	}
	if err := errors.Join(producerErr, workerErr); err != nil {
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
			RowID       int64  `db:"rowid"`
			ID          string `db:"id"`
			Client      string `db:"client"`
			Email       string `db:"email"`
			Attempts    int    `db:"attempts"`
			Unconfirmed bool   `db:"unconfirmed"`
			Name        string `db:"name"`
			Comment     string `db:"comment"`
		}
		// through the write connection: one page cache for the whole pass
		// instead of one per pooled reader, and no stale pages to drop; the
		// client's name and comment fill the placeholders
		err := s.p.app.NonconcurrentDB().NewQuery(`
			SELECT d.rowid, d.id, d.client, d.email, d.attempts, d.unconfirmed,
			       COALESCE(c.name, '') AS name, COALESCE(c.comment, '') AS comment
			FROM deliveries d LEFT JOIN clients c ON c.id = d.client
			WHERE d.run = {:run} AND d.client > {:after} AND d.status = 'pending'
			ORDER BY d.client LIMIT 1000`).
			Bind(dbx.Params{"run": s.run.Id, "after": after}).All(&page)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, d := range page {
			j := job{id: d.ID, rowid: d.RowID, attempts: d.Attempts, unconfirmed: d.Unconfirmed,
				recipient: recipient{client: d.Client, email: d.Email, name: d.Name, comment: d.Comment}}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return nil
			}
		}
		after = page[len(page)-1].Client
	}
}

// work sends jobs over one session, reopening it when it breaks. Each
// message's envelope is exchanged while the previous outcome is being
// recorded, but the message itself goes out only once that outcome is in
// the database: a crash can repeat at most the one message a connection had
// in flight.
// It returns an error only when the transport cannot be reached at all.
func (s *runSender) work(ctx context.Context, outcomes chan<- *outcome) error {
	var sess session
	defer func() {
		if sess != nil {
			sess.close() // a message begun and not ended is discarded by the server
		}
	}()
	w := s.tmpl.newWriter()
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

	for {
		j, ok := s.queue.take(ctx)
		if !ok {
			return nil
		}
		if sess == nil || sess.broken() {
			if sess != nil {
				sess.close()
			}
			var err error
			if sess, err = s.p.transport.open(ctx); err != nil {
				sess = nil
				s.queue.done()
				if ctx.Err() != nil {
					return nil // stopped for another reason, said elsewhere
				}
				return &unreachableError{where: s.p.transport.String(), err: err}
			}
		}
		if err := s.p.limiter.wait(ctx); err != nil {
			s.queue.done()
			return nil
		}
		buf := s.tmpl.render(w, j.recipient, s.tmpl.messageID(j.id))
		buf, err := sign(s.dkim, buf) // dkim.go; a failure is temporary: nothing was begun
		if err == nil {
			err = sess.begin(s.from, j.email, buf)
		}
		if !recorded() {
			s.queue.done()
			return nil // the recorder failed: this message stays unfinished and pending
		}
		var reply string
		if err == nil {
			reply, err = sess.end()
		}
		o := &outcome{job: j, done: done, sentAt: time.Now().UTC()}
		o.attempts = j.attempts + 1
		backoff := s.judge(o, reply, err)
		outcomes <- o
		recording = true
		if backoff >= 0 {
			next := o.job
			next.retries++
			s.queue.again(next, backoff)
		} else {
			s.queue.done()
		}
	}
}

// judge sets what became of one try from the server's reply or the error,
// and returns the back-off after which it is tried again in this pass, or
// -1 when this pass is done with it:
//   - a 5xx reply fails the delivery for good;
//   - no reply after the whole message went out (a timeout, a dropped
//     connection) may mean it arrived: it is not tried again in this pass,
//     and only once more in a later one, if attempts are left;
//   - a 4xx reply or a connection lost before the end is tried again after
//     the back-off, then on a later pass, until the attempts run out.
func (s *runSender) judge(o *outcome, reply string, err error) time.Duration {
	opts := s.p.opts
	switch {
	case err == nil:
		o.status, o.reply = deliverySent, reply
	case permanent(err):
		o.status, o.reply, o.refused = deliveryFailed, err.Error(), true
	case unanswered(err) && (o.job.unconfirmed || o.attempts >= opts.MaxAttempts):
		o.status = deliveryFailed
		o.reply = fmt.Sprintf("not tried again after %d attempts: the whole message went out and no reply came, so it may have arrived (last: %s)",
			o.attempts, err)
	case unanswered(err):
		o.status, o.unconfirmed = deliveryPending, true
		o.reply = err.Error() + "; it may have arrived: tried once more on a later pass"
	case o.attempts >= opts.MaxAttempts:
		o.status = deliveryFailed
		o.reply = fmt.Sprintf("failed after %d attempts; the last: %s", o.attempts, err)
	default:
		o.status, o.reply = deliveryPending, err.Error()
		if o.job.retries < len(opts.RetryDelays) {
			return opts.RetryDelays[o.job.retries]
		}
	}
	return -1
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
		err := s.saveWaiting(batch)
		for _, o := range batch {
			o.done <- err
		}
		if err != nil {
			err = &recordError{err: err}
			s.cancel(err)
			return err
		}
		for _, o := range batch {
			switch o.status {
			case deliverySent:
				s.sent++
			case deliveryFailed:
				s.failed++
				s.lastFail = o.reply
				if o.refused {
					s.refused++
					s.lastRefusal = o.email + ": " + o.reply
				}
			case deliveryPending:
				s.lastFail = o.reply
			}
		}
		s.check()
		if time.Since(lastSave) >= counterInterval {
			s.saveCounters()
			lastSave = time.Now()
		}
	}
	return nil
}

// The run's early check: once pauseAfter of its messages have an outcome
// for good (sent or refused), a run where most were refused by the server
// (5xx) is paused, and its mailing stopped, before it fails for everyone.
// The check covers the run's first checkWithin outcomes over all passes,
// and pauses a run once at most: resuming it means the owner chose to go on.
// Temporary failures never count: they are retried, not judged.
const (
	pauseAfter  = 20
	checkWithin = 100
)

func (s *runSender) check() {
	if s.checked {
		return
	}
	decided := s.baseSent + s.baseFailed + s.sent + s.failed
	refused := s.baseRefused + s.refused
	switch {
	case decided >= pauseAfter && refused*2 > decided:
		s.checked = true
		s.cancel(errPaused)
	case decided >= checkWithin:
		s.checked = true
	}
}

// saveWaiting is save, waiting out a database busy with another writer
// (an import, the web app) for up to busyWait beyond SQLite's own timeout,
// instead of abandoning the pass; the worker whose outcome it holds sends
// nothing meanwhile.
func (s *runSender) saveWaiting(batch []*outcome) error {
	deadline := time.Now().Add(busyWait)
	for {
		err := s.save(batch)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		s.p.log.Warn("The database is busy; recording waits", slog.String("run", s.run.Id), slog.String("error", err.Error()))
		time.Sleep(busyPause)
	}
}

const (
	busyWait  = 2 * time.Minute
	busyPause = 200 * time.Millisecond
)

// isBusy tells whether err is SQLite's "database is locked" (busy).
func isBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "SQLITE_BUSY")
}

// save records a batch of outcomes in one transaction.
func (s *runSender) save(batch []*outcome) error {
	return s.p.app.RunInTransaction(func(tx core.App) error {
		// by rowid: the table's own key, one B-tree walk instead of two
		q := tx.DB().NewQuery(`
			UPDATE deliveries SET status = {:status}, attempts = {:attempts}, response = {:response},
			       unconfirmed = {:unconfirmed}, sent_at = {:sentAt}, updated = {:now}
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
				"response": clip(o.reply, 2000), "unconfirmed": o.unconfirmed, "sentAt": sentAt, "now": now,
			}).Execute()
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// How long the recorder waits for more outcomes to commit together, and how
// often the run's counters are saved while it sends.
const (
	lingerFor       = time.Millisecond
	counterInterval = 250 * time.Millisecond
)

// saveCounters writes the run's sent and failed counts (through the record,
// so that realtime subscribers see them move).
func (s *runSender) saveCounters() {
	s.run.Set("sent", s.baseSent+s.sent)
	s.run.Set("failed", s.baseFailed+s.failed)
	s.run.Set("checked", s.checked)
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

// pause stops a run most of whose first messages the server refused, and
// stops its mailing so that nothing hammers a server that refuses it until
// the owner resumes it.
func (s *runSender) pause() error {
	decided := s.baseSent + s.baseFailed + s.sent + s.failed
	note := fmt.Sprintf("Paused: the mail server refused %d of the first %d messages for good (the last: %s). "+
		"Resume the mailing to send the rest.", s.baseRefused+s.refused, decided, clip(s.lastRefusal, 300))
	s.run.Set("status", runPaused)
	s.run.Set("note", note)
	s.saveCounters()
	s.p.log.Warn("Run paused: the server refuses most messages", slog.String("run", s.run.Id), slog.String("mailing", s.mailing.Id),
		slog.String("last_refusal", s.lastRefusal))
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

// countBase reads how many of the run's deliveries are sent, failed, and
// failed by a 5xx reply (their response starts with its code), so that the
// counters and the early check are right over passes and after a crash.
func (s *runSender) countBase() error {
	return s.p.app.DB().NewQuery(`
		SELECT COALESCE(SUM(status = 'sent'), 0), COALESCE(SUM(status = 'failed'), 0),
		       COALESCE(SUM(status = 'failed' AND response LIKE '5%'), 0)
		FROM deliveries WHERE run = {:run} AND status != 'pending'`).
		Bind(dbx.Params{"run": s.run.Id}).Row(&s.baseSent, &s.baseFailed, &s.baseRefused)
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
