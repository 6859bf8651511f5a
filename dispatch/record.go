package dispatch

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/pocketbase/dbx"

	"postrider/internal/lifecycle"
)

// record writes outcomes to the database in small transactions (all that
// arrive while one is open, of any run), then releases their workers. A
// transaction opens with the first outcome and each outcome is written
// into it as it arrives, so that the recorder writes while it waits for
// more instead of after: a worker waits for its outcome's commit before it
// ends its next message, and that wait is most of a message's time. The
// runs' counters move in memory and reach the run records a few times a
// second, for the web app to follow live; a run over is settled as soon as
// its last outcome is in.
func (p *pass) record(ctx context.Context, cancel context.CancelCauseFunc, outcomes <-chan *outcome) error {
	batch := make([]*outcome, 0, p.opts.Workers)
	// a commit costs about as much as many updates: wait a moment for the
	// workers' next outcomes (they are busy sending their next message
	// meanwhile) so that one commit records most of them
	target := max(1, p.opts.Workers/2)
	for first := range outcomes {
		batch = append(batch[:0], first)
		rec, err := p.beginRecording()
		if err == nil {
			err = rec.write(first)
		}
		linger := time.NewTimer(lingerFor)
	collect:
		for len(batch) < target {
			select {
			case o, ok := <-outcomes:
				if !ok {
					break collect
				}
				batch = append(batch, o)
				if err == nil {
					err = rec.write(o)
				}
			case <-linger.C:
				break collect
			}
		}
		linger.Stop()
		if err == nil {
			err = p.commitRecording(rec, batch)
		}
		if err != nil && rec != nil {
			rec.tx.Rollback()
		}
		if err != nil && isBusy(err) {
			err = p.saveWaiting(batch) // another process writes: wait it out
		}
		if err != nil {
			p.releaseAll(batch)
		}
		for _, o := range batch {
			if !o.last {
				o.done <- err
			}
		}
		if err != nil {
			err = &recordError{err: err}
			cancel(err)
			return err
		}
		for _, o := range batch {
			if !o.last {
				o.sender.count(o)
				o.sender.check()
			}
		}
		for _, o := range batch {
			s := o.sender
			switch {
			case o.last:
				s.err = s.end(ctx)
			case !s.ended && time.Since(s.lastSave) >= counterInterval:
				s.saveCounters()
				s.lastSave = time.Now()
			}
		}
	}
	return nil
}

// saveWaiting is save, waiting out a database busy with another writer
// (an import, the web app) for up to busyWait beyond SQLite's own timeout,
// instead of abandoning the pass; the worker whose outcome it holds sends
// nothing meanwhile.
func (p *pass) saveWaiting(batch []*outcome) error {
	deadline := time.Now().Add(busyWait)
	for {
		err := p.save(batch)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		p.log.Warn("The database is busy; recording waits", slog.String("error", err.Error()))
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
func (p *pass) save(batch []*outcome) error {
	rec, err := p.beginRecording()
	if err != nil {
		return err
	}
	for _, o := range batch {
		if err = rec.write(o); err != nil {
			break
		}
	}
	if err == nil {
		err = p.commitRecording(rec, batch)
	}
	if err != nil {
		rec.tx.Rollback()
	}
	return err
}

// recording is one open transaction of the recorder on the app's writing
// database, with its UPDATE prepared once for the database, not once a
// transaction (prepared.go).
type recording struct {
	tx     *sql.Tx
	update *sql.Stmt
	now    string
}

// recordUpdate writes one outcome, by rowid: the table's own key, one
// B-tree walk instead of two. A message in flight when its run was
// cancelled (held.go) is logged as it went, over the cancel, unless it is
// to be tried again.
const recordUpdate = `
	UPDATE deliveries SET status = ?1, attempts = ?2, response = ?3,
	       unconfirmed = ?4, cuts = ?5, sent_at = ?6, relay = ?7, next_try_at = ?8, updated = ?9
	WHERE rowid = ?10 AND id = ?11 AND (status = '` + deliveryPending + `'
	      OR ?1 != '` + deliveryPending + `' AND status = '` + deliveryFailed + `' AND response = '` + lifecycle.CancelledReply + `')`

func (p *pass) beginRecording() (*recording, error) {
	db, ok := p.app.NonconcurrentDB().(*dbx.DB)
	if !ok {
		return nil, errors.New("recording outcomes needs the app's database, not a transaction")
	}
	prep, err := prepared(p.app, db, recordUpdate)
	if err != nil {
		return nil, err
	}
	tx, err := db.DB().Begin()
	if err != nil {
		return nil, err
	}
	// prepared on this connection already (the writing pool has one), so
	// the transaction uses it as it is
	return &recording{tx: tx, update: tx.Stmt(prep), now: dbTime(time.Now())}, nil
}

// write writes one outcome into the transaction.
func (r *recording) write(o *outcome) error {
	if o.last {
		return nil
	}
	sentAt := ""
	if o.status == deliverySent {
		sentAt = dbTime(o.sentAt)
	}
	_, err := r.update.Exec(o.status, o.attempts, clip(o.reply, 2000), o.unconfirmed, o.cuts, sentAt, o.relay, dbTime(o.nextTry), r.now, o.rowid, o.id)
	return err
}

// commitRecording adds the batch's messages to their owners' days (for
// their daily limits, quota.go) and commits.
func (p *pass) commitRecording(r *recording, batch []*outcome) error {
	for key, n := range daysCounted(batch) {
		if _, err := r.tx.Exec(addDailySends, key[0], key[1], n); err != nil {
			return err
		}
	}
	return p.commitCounted(batch, r.tx.Commit)
}

// How long the recorder waits for more outcomes to commit together, and how
// often the run's counters are saved while it sends.
const (
	lingerFor       = time.Millisecond
	counterInterval = 250 * time.Millisecond
)
