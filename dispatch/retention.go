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
// its rows whatever their age.

// RetentionJobID names the nightly job in PocketBase's cron (GET /api/crons).
const RetentionJobID = "postriderLogRetention"

// retentionBatch is how many deliveries one statement deletes: with the
// log's indexes, a batch holds the write lock a few milliseconds.
const retentionBatch = 500

// BindRetention adds the nightly job when days is above 0.
func BindRetention(app core.App, days int) {
	if days <= 0 {
		return
	}
	app.Cron().MustAdd(RetentionJobID, "17 3 * * *", func() {
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
