package dispatch

import (
	"context"
	"log/slog"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/lifecycle"
)

// The log's retention (POSTRIDER_LOG_RETENTION_DAYS, DESIGN "A mailing's
// life"): each night the deliveries of runs that finished more than that
// many days ago are deleted, a small batch per statement so that no other
// writer waits long for SQLite's one write lock; the run keeps its
// counters and gets log_deleted_at. A run still sending or paused keeps
// its rows whatever their age. The same night the daily limit's counts
// (_postrider_daily_sends) of days long past go too, whatever the days kept.

// RetentionJobID names the nightly job in PocketBase's cron (GET /api/crons).
const RetentionJobID = "postriderLogRetention"

// retentionBatch is how many deliveries one statement deletes: with the
// log's indexes, a batch holds the write lock a few milliseconds.
const retentionBatch = 500

// dailySendsKept is how many days before today (UTC) the daily limit's
// counts are kept: the limit and the home page read only the owner's
// today, which is at most a day before or after UTC's.
const dailySendsKept = 3

// BindRetention adds the nightly job: the daily counts always, the log's
// old deliveries when days is above 0.
func BindRetention(app core.App, days int) {
	app.Cron().MustAdd(RetentionJobID, "17 3 * * *", func() {
		if n, err := PruneDailySends(context.Background(), app, time.Now()); err != nil {
			app.Logger().Error("Pruning the daily counts stopped", slog.Int("deleted", n), slog.String("error", err.Error()))
		}
		if days <= 0 {
			return
		}
		n, runs, err := PruneLog(context.Background(), app, days, time.Now())
		if err != nil {
			app.Logger().Error("The log's retention stopped", slog.Int("deleted", n), slog.String("error", err.Error()))
			return
		}
		if runs > 0 {
			app.Logger().Info("Deleted old deliveries", slog.Int("deliveries", n), slog.Int("runs", runs), slog.Int("days", days))
		}
	})
}

// PruneLog deletes the deliveries of the runs over (done or cancelled) more than days before
// now and marks each such run; it tells how many deliveries and runs.
func PruneLog(ctx context.Context, app core.App, days int, now time.Time) (deleted, runs int, err error) {
	var ids []string
	err = app.DB().Select("id").From("runs").
		Where(dbx.HashExp{"status": []any{lifecycle.RunDone, lifecycle.RunCancelled}, "log_deleted_at": ""}).
		AndWhere(dbx.NewExp("finished_at != '' AND finished_at < {:cutoff}", dbx.Params{"cutoff": dbTime(now.AddDate(0, 0, -days))})).
		WithContext(ctx).Column(&ids)
	if err != nil {
		return 0, 0, err
	}
	for _, id := range ids {
		for {
			res, err := app.NonconcurrentDB().NewQuery(`
				DELETE FROM deliveries WHERE rowid IN (SELECT rowid FROM deliveries WHERE run = {:run} LIMIT {:n})`).
				Bind(dbx.Params{"run": id, "n": retentionBatch}).WithContext(ctx).Execute()
			if err != nil {
				return deleted, runs, err
			}
			n, _ := res.RowsAffected()
			deleted += int(n)
			if n < retentionBatch {
				break
			}
		}
		_, err := app.NonconcurrentDB().NewQuery(`UPDATE runs SET log_deleted_at = {:now} WHERE id = {:run}`).
			Bind(dbx.Params{"now": dbTime(now), "run": id}).WithContext(ctx).Execute()
		if err != nil {
			return deleted, runs, err
		}
		runs++
	}
	return deleted, runs, nil
}

// PruneDailySends deletes the daily limit's counts of the days more than
// dailySendsKept before now's UTC date, retentionBatch rows a statement;
// it tells how many rows.
func PruneDailySends(ctx context.Context, app core.App, now time.Time) (deleted int, err error) {
	cutoff := now.UTC().AddDate(0, 0, -dailySendsKept).Format(time.DateOnly)
	for {
		res, err := app.NonconcurrentDB().NewQuery(`
			DELETE FROM _postrider_daily_sends WHERE (owner, day) IN (
				SELECT owner, day FROM _postrider_daily_sends WHERE day < {:cutoff} LIMIT {:n})`).
			Bind(dbx.Params{"cutoff": cutoff, "n": retentionBatch}).WithContext(ctx).Execute()
		if err != nil {
			return deleted, err
		}
		n, _ := res.RowsAffected()
		deleted += int(n)
		if n < retentionBatch {
			return deleted, nil
		}
	}
}
