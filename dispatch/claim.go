package dispatch

import (
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/dbutils"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/lifecycle"
	"postrider/internal/schedule"
)

// dueSchedule is a window whose next occurrence has come, of a mailing that
// may send (lifecycle.MaySend).
type dueSchedule struct {
	ID        string                  `db:"id"`
	Mailing   string                  `db:"mailing"`
	Subject   string                  `db:"subject"`
	Owner     string                  `db:"owner"`
	Timezone  string                  `db:"timezone"`
	Period    string                  `db:"period"`
	StartsAt  types.DateTime          `db:"starts_at"`
	EndsAt    types.DateTime          `db:"ends_at"`
	NextRunAt types.DateTime          `db:"next_run_at"`
	Weekdays  types.JSONArray[string] `db:"weekdays"`
	// sent at each recipient's own time: due (next_run_at) when the first
	// zone reaches the occurrence (schedule.FirstRecipient)
	RecipientTime bool `db:"recipient_time"`
}

// sendableWindows are the windows with an occurrence to come, of mailings
// that may send (lifecycle.MaySend): findDue takes those due, and serve's
// timer (wake.go) the soonest. Both must agree, or the timer would fire for
// a window no pass claims.
const sendableWindows = `
		FROM schedules s
		JOIN mailings m ON m.id = s.mailing
		JOIN users u ON u.id = m.owner
		WHERE s.next_run_at != '' AND ` + lifecycle.MaySend

// findDue lists the due windows, oldest first. The query walks the
// next_run_at index: with nothing due it reads nothing.
func findDue(app core.App, now time.Time) ([]dueSchedule, error) {
	var due []dueSchedule
	err := app.DB().NewQuery(`
		SELECT s.id, s.mailing, s.period, s.starts_at, s.ends_at, s.next_run_at, s.weekdays, s.recipient_time,
		       m.subject, m.owner, u.timezone` + sendableWindows + `
		  AND s.next_run_at <= {:now}
		ORDER BY s.next_run_at`).
		Bind(dbx.Params{"now": dbTime(now)}).All(&due)
	return due, err
}

// occurrence works out which occurrence a due window sends now (the latest
// one that has come: missed ones are skipped, not sent in a burst) and when
// the window is due next (zero when never again).
func (d dueSchedule) occurrence(now time.Time) (runAt, next time.Time, inWindow bool) {
	loc := schedule.Zone(d.Timezone)
	start, end := d.StartsAt.Time(), d.EndsAt.Time()
	days, _ := schedule.ParseWeekdays(d.Weekdays) // the field allows only the names
	if d.RecipientTime {
		return d.recipientOccurrence(now, loc, days)
	}
	runAt, ok := schedule.LatestAtOrBeforeOn(start, d.Period, loc, now, days)
	next = schedule.NextAfterOn(start, d.Period, loc, now, days)
	if !next.IsZero() && next.After(end) {
		next = time.Time{}
	}
	// inside the window: the occurrence has come and the window is still open
	inWindow = ok && !now.After(end) && !runAt.After(end)
	return runAt, next, inWindow
}

// recipientOccurrence is occurrence for a window sent at each recipient's
// own time: the occurrence some zone has reached (schedule.DueAtRecipients),
// and when the first zone reaches the next one. Each client's delivery
// waits for its own moment (recipient_time.go); the run is in its window
// while some moment of it may be.
func (d dueSchedule) recipientOccurrence(now time.Time, loc *time.Location, days schedule.Weekdays) (runAt, next time.Time, inWindow bool) {
	start, end := d.StartsAt.Time(), d.EndsAt.Time()
	runAt, ok := schedule.DueAtRecipients(start, d.Period, loc, d.NextRunAt.Time(), now, days)
	after := runAt
	if !ok {
		after = start.Add(-time.Nanosecond)
	}
	if o := schedule.NextAfterOn(start, d.Period, loc, after, days); !o.IsZero() {
		next = schedule.FirstRecipient(o, loc)
	}
	if !next.IsZero() && next.After(end) {
		next = time.Time{}
	}
	inWindow = ok && !now.After(end) && !schedule.FirstRecipient(runAt, loc).After(end)
	return runAt, next, inWindow
}

// errAlreadyClaimed means another dispatcher moved the window first.
var errAlreadyClaimed = errors.New("already claimed")

// claim turns one due occurrence into a run, in one short transaction: the
// window moves to its next occurrence (only if nobody moved it since we read
// it), and the run is created, claiming (the unique (schedule, run_at) index
// refuses a second claim of the same occurrence). Its deliveries are written
// afterwards, a chunk at a time, while it sends (claim_chunks.go). It
// returns the run, or nil when the window had ended and was only closed.
func claim(app core.App, d dueSchedule, now time.Time, log *slog.Logger) (*core.Record, error) {
	runAt, next, inWindow := d.occurrence(now)
	var run *core.Record
	err := app.RunInTransaction(func(tx core.App) error {
		res, err := tx.DB().NewQuery(`
			UPDATE schedules SET next_run_at = {:next}, last_run_at = CASE WHEN {:sent} THEN {:runAt} ELSE last_run_at END, updated = {:now}
			WHERE id = {:id} AND next_run_at = {:seen}`).
			Bind(dbx.Params{
				"id": d.ID, "seen": d.NextRunAt.String(), "next": dbTime(next), "sent": inWindow,
				"runAt": dbTime(runAt), "now": dbTime(now),
			}).Execute()
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errAlreadyClaimed
		}
		if !inWindow {
			return nil
		}

		mailing, err := tx.FindRecordById("mailings", d.Mailing)
		if err != nil {
			return err
		}
		runs, err := tx.FindCachedCollectionByNameOrId("runs")
		if err != nil {
			return err
		}
		run = core.NewRecord(runs)
		run.Load(map[string]any{
			"owner": d.Owner, "mailing": d.Mailing, "schedule": d.ID, "run_at": dbTime(runAt),
			"status": runSending, "started_at": dbTime(now), "kind": lifecycle.RunScheduled, "claiming": true, "claimed_to": "",
		})
		if err := tx.Save(run); err != nil {
			return fmt.Errorf("creating the run: %w", err)
		}
		if mailing.GetString("status") == statusCreated {
			mailing.Set("status", statusRunning)
			return tx.Save(mailing)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if run != nil {
		log.Info("Run claimed", slog.String("mailing", d.Mailing), slog.String("schedule", d.ID),
			slog.String("run", run.Id), slog.String("run_at", dbTime(runAt)))
	} else {
		log.Info("Window ended before its occurrence was sent; closed", slog.String("mailing", d.Mailing), slog.String("schedule", d.ID))
	}
	return run, nil
}

// recipients selects, from clients c, the recipients of a mailing: the
// owner's clients in any of its lists or picked by hand, each once, minus
// the unsubscribed (and, for a mailing sent once per client, those who
// have had it). The ids go in as bound lists (a relation holds at most
// a few thousand), which SQLite checks faster than a JSON array.
func recipients(mailing *core.Record) (where string, params dbx.Params) {
	params = dbx.Params{"owner": mailing.GetString("owner")}
	in := func(name string, ids []string) string {
		if len(ids) == 0 {
			return "NULL"
		}
		names := make([]string, len(ids))
		for i, id := range ids {
			names[i] = fmt.Sprintf("{:%s%d}", name, i)
			params[fmt.Sprintf("%s%d", name, i)] = id
		}
		return strings.Join(names, ", ")
	}
	where = `
		WHERE c.owner = {:owner} AND c.unsubscribed = FALSE AND (
		      c.id IN (` + in("picked", mailing.GetStringSlice("clients")) + `)
		   OR EXISTS (SELECT 1 FROM ` + dbutils.JSONEach("c.lists") + ` l
		              WHERE l.value IN (` + in("list", mailing.GetStringSlice("lists")) + `))
		)`
	if mailing.GetBool("once_per_client") {
		params["reachedMailing"] = mailing.Id
		where += `
		  AND NOT EXISTS (SELECT 1 FROM _postrider_reached x WHERE x.mailing = {:reachedMailing} AND x.client = c.id)`
	}
	return where, params
}

// countRecipients is what a claim would write, for --dry-run.
func countRecipients(app core.App, mailingID string) (int, error) {
	mailing, err := app.FindRecordById("mailings", mailingID)
	if err != nil {
		return 0, err
	}
	return CountRecipients(app, mailing)
}

// CountRecipients is a mailing's reach now: how many clients a run would
// send to, the bouncing ones left out (the moderators' mailing list shows it).
func CountRecipients(app core.App, mailing *core.Record) (int, error) {
	where, params := recipients(mailing)
	var n int
	err := app.DB().NewQuery(`SELECT COUNT(*) FROM clients c ` + where + ` AND c.bouncing = FALSE`).Bind(params).Row(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}
