package dispatch

import (
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/lifecycle"
	"postrider/internal/schedule"
)

// Welcome mailings (DESIGN "A mailing's life"): a window of period on_join
// names a list and a delay; a client who joins that list while the window
// is open gets the mailing once, that long after joining.
//
// A join writes, in the transaction that saves it, one pending delivery
// of the window's welcome run of that day (one run per window and day of
// the owner's zone: run_at is the day's start), whose next_try_at and
// run_at are the time it is due. The dispatcher sends it then as it sends
// any pending delivery whose next try has come (retry.go), and the run's
// next_try_at, the earliest of its pending deliveries', wakes serve's
// timer (wake.go). Its give-up clock counts from that time, not from the
// run's start (retry.go giveUpAt). The unique (run, client) index and the
// check below keep it once: a client gets a window's welcome at most once,
// unless the one they had coming was cancelled because they left the list
// first (SkippedLeft), when joining again brings a new one.
//
// Leaving the list, unsubscribing, bouncing or being deleted before the
// time cancels it: the dispatcher reads the client as it sends (skip.go).

// A welcome window a join counts for.
type welcomeWindow struct {
	ID       string         `db:"id"`
	Mailing  string         `db:"mailing"`
	StartsAt types.DateTime `db:"starts_at"`
	EndsAt   types.DateTime `db:"ends_at"`
	Delay    int            `db:"delay_minutes"`
	Timezone string         `db:"timezone"`
}

// Welcome writes the welcome deliveries of the owner's clients (ids) who
// joined list at joined: one set-based statement per welcome window of
// the list open then. It must run in the transaction that saves the join
// (tx), so that a join is never saved without its welcome. It returns how
// many deliveries it wrote.
func Welcome(tx core.App, owner, list string, clients []string, joined time.Time) (int, error) {
	if list == "" || len(clients) == 0 {
		return 0, nil
	}
	joined = joined.UTC()
	var windows []welcomeWindow
	err := tx.DB().NewQuery(`
		SELECT s.id, s.mailing, s.starts_at, s.ends_at, s.delay_minutes, u.timezone
		FROM schedules s JOIN mailings m ON m.id = s.mailing JOIN users u ON u.id = m.owner
		WHERE s.list = {:list} AND s.period = '` + schedule.PeriodOnJoin + `' AND m.owner = {:owner}
		  AND m.status != '` + statusCompleted + `' AND s.starts_at <= {:joined} AND s.ends_at >= {:joined}
		ORDER BY s.id`).
		Bind(dbx.Params{"list": list, "owner": owner, "joined": dbTime(joined)}).All(&windows)
	if err != nil {
		return 0, fmt.Errorf("reading the welcome windows: %w", err)
	}
	ids := jsonIDs(clients)
	total := 0
	for _, w := range windows {
		at, ok := schedule.WelcomeAt(w.StartsAt.Time(), w.EndsAt.Time(), joined, w.Delay)
		if !ok {
			continue
		}
		n, err := welcomeWindowJoin(tx, w, list, ids, joined, at)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// welcomeWindowJoin writes one window's welcome deliveries, due at at.
func welcomeWindowJoin(tx core.App, w welcomeWindow, list, clients string, joined, at time.Time) (int, error) {
	mailing, err := tx.FindRecordById("mailings", w.Mailing)
	if err != nil {
		return 0, err
	}
	run, err := welcomeRun(tx, w, mailing, joined)
	if err != nil || run == nil {
		return 0, err
	}
	from, err := addressesOf(tx, mailing)
	if err != nil {
		return 0, err
	}
	var last string
	if err := tx.DB().NewQuery(`SELECT COALESCE(MAX(id), '') FROM deliveries WHERE run = {:run}`).
		Bind(dbx.Params{"run": run.Id}).Row(&last); err != nil {
		return 0, err
	}
	written, err := deliveryNumber(last)
	if err != nil {
		return 0, err
	}
	params := dbx.Params{
		"mailing": mailing.Id, "owner": mailing.GetString("owner"), "run": run.Id, "schedule": w.ID, "list": list,
		"clients": clients, "at": dbTime(at), "now": dbTime(time.Now()), "prefix": run.Id[:8], "written": written,
		"domain": domainOf(from.from.Address), "left": SkippedLeft,
	}
	once := ""
	if mailing.GetBool("once_per_client") {
		once = ` AND NOT EXISTS (SELECT 1 FROM _postrider_reached x WHERE x.mailing = {:mailing} AND x.client = c.id)`
	}
	// a welcome cancelled because its client left comes back to life when
	// they join again the same day (its (run, client) row is taken)
	res, err := tx.DB().NewQuery(`
		INSERT INTO deliveries (id, owner, mailing, run, schedule, client, email, run_at, status, attempts, response, message_id, sent_at, next_try_at, created, updated)
		SELECT d.id, d.owner, {:mailing}, {:run}, {:schedule}, d.client, d.email, {:at}, '` + deliveryPending + `', 0, '',
		       '<' || d.id || '@' || {:domain} || '>', '', {:at}, {:now}, {:now}
		FROM (SELECT {:prefix} || printf('%07x', {:written} + row_number() OVER (ORDER BY c.id)) AS id, c.owner, c.id AS client, c.email
		      FROM clients c
		      WHERE c.id IN (SELECT value FROM json_each({:clients})) AND c.owner = {:owner}
		        AND c.unsubscribed = FALSE AND c.bouncing = FALSE
		        AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(c.lists) THEN c.lists ELSE '[]' END) l WHERE l.value = {:list})` + once + `
		        AND NOT EXISTS (SELECT 1 FROM deliveries x JOIN runs r ON r.id = x.run
		                        WHERE x.client = c.id AND r.schedule = {:schedule}
		                          AND NOT (x.status = '` + deliveryFailed + `' AND x.response = {:left}))) d
		WHERE true
		ON CONFLICT (run, client) DO UPDATE SET status = '` + deliveryPending + `', response = '', attempts = 0,
		   run_at = excluded.run_at, next_try_at = excluded.next_try_at, updated = excluded.updated`).
		Bind(params).Execute()
	if err != nil {
		return 0, fmt.Errorf("writing the welcome deliveries: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return 0, err
	}
	if once != "" {
		_, err = tx.DB().NewQuery(`
			INSERT OR IGNORE INTO _postrider_reached (mailing, client)
			SELECT {:mailing}, client FROM deliveries
			WHERE run = {:run} AND status = '` + deliveryPending + `' AND client IN (SELECT value FROM json_each({:clients}))`).
			Bind(params).Execute()
		if err != nil {
			return 0, err
		}
	}
	if err := welcomeRunPending(tx, run); err != nil {
		return 0, err
	}
	if mailing.GetString("status") == statusCreated {
		mailing.Set("status", statusRunning)
		if err := tx.Save(mailing); err != nil {
			return 0, err
		}
	}
	return int(n), nil
}

// welcomeRun finds or makes the window's welcome run of joined's day in
// the owner's zone; nil when its owner cancelled it (nothing more goes
// out of it, so a join that day is not welcomed).
func welcomeRun(tx core.App, w welcomeWindow, mailing *core.Record, joined time.Time) (*core.Record, error) {
	day := dbTime(schedule.WelcomeDay(joined, schedule.Zone(w.Timezone)))
	run, err := tx.FindFirstRecordByFilter("runs", "schedule = {:schedule} && run_at = {:day}", dbx.Params{"schedule": w.ID, "day": day})
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, err
	case run.GetString("status") == runCancelled:
		return nil, nil
	default:
		return run, nil
	}
	runs, err := tx.FindCachedCollectionByNameOrId("runs")
	if err != nil {
		return nil, err
	}
	run = core.NewRecord(runs)
	run.Load(map[string]any{
		"owner": mailing.GetString("owner"), "mailing": mailing.Id, "schedule": w.ID, "run_at": day,
		"status": runSending, "started_at": dbTime(joined), "kind": lifecycle.RunWelcome,
	})
	if err := tx.Save(run); err != nil {
		return nil, fmt.Errorf("creating the welcome run: %w", err)
	}
	return run, nil
}

// welcomeRunPending brings a welcome run's total, status and next try in
// line with its deliveries once one was written: a finished run that gets
// a new joiner goes back to sending, its next try the earliest due.
func welcomeRunPending(tx core.App, run *core.Record) error {
	var total int
	if err := tx.DB().NewQuery(`SELECT COUNT(*) FROM deliveries WHERE run = {:run}`).
		Bind(dbx.Params{"run": run.Id}).Row(&total); err != nil {
		return err
	}
	run.Set("total", total)
	if err := syncWelcome(tx, run); err != nil {
		return err
	}
	return tx.Save(run)
}

// syncWelcome sets, on a welcome run that sends or is done, the status
// and next try its pending deliveries give it: read in the transaction
// that saves it, so that a join saved while a pass finishes the run is
// never left pending in a run marked done.
func syncWelcome(tx core.App, run *core.Record) error {
	status := run.GetString("status")
	if run.GetString("kind") != lifecycle.RunWelcome || (status != runSending && status != runDone) {
		return nil
	}
	pending, next, err := pendingOf(tx, run.Id)
	if err != nil {
		return err
	}
	if pending == 0 {
		return nil
	}
	if status == runDone {
		run.Set("status", runSending)
		run.Set("finished_at", "")
		run.Set("note", "")
	}
	run.Set("next_try_at", next)
	return nil
}

// welcomeListOf is the list of a welcome run's window; "" for a run of
// another kind. A welcome whose window lost its list (the list deleted)
// has its clients leave it.
func welcomeListOf(app core.App, run *core.Record) (string, error) {
	if run.GetString("kind") != lifecycle.RunWelcome {
		return "", nil
	}
	var list string
	err := app.DB().NewQuery(`SELECT COALESCE((SELECT list FROM schedules WHERE id = {:id}), '')`).
		Bind(dbx.Params{"id": run.GetString("schedule")}).Row(&list)
	if err != nil {
		return "", err
	}
	if list == "" {
		list = "-" // no list any more: nobody is in it
	}
	return list, nil
}

// openWelcome marks a welcome window open once its start has come: it has
// no occurrence to claim, but its mailing is running from then on (and
// completes after its end, once nothing of it is pending: updateStatuses).
// Its next_run_at, its start until then, wakes the pass that opens it.
func openWelcome(app core.App, d dueSchedule, now time.Time, log *slog.Logger) error {
	return app.RunInTransaction(func(tx core.App) error {
		res, err := tx.DB().NewQuery(`
			UPDATE schedules SET next_run_at = '', last_run_at = starts_at, updated = {:now}
			WHERE id = {:id} AND next_run_at = {:seen}`).
			Bind(dbx.Params{"id": d.ID, "seen": d.NextRunAt.String(), "now": dbTime(now)}).Execute()
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errAlreadyClaimed
		}
		mailing, err := tx.FindRecordById("mailings", d.Mailing)
		if err != nil {
			return err
		}
		log.Info("Welcome window open", slog.String("mailing", d.Mailing), slog.String("schedule", d.ID))
		if mailing.GetString("status") != statusCreated || now.After(d.EndsAt.Time()) {
			return nil
		}
		mailing.Set("status", statusRunning)
		return tx.Save(mailing)
	})
}
