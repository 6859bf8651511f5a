package hooks

import (
	"log/slog"

	"github.com/pocketbase/pocketbase/core"
)

func bindOptimize(app core.App) {
	// SQLite's statistics at start: the migrations' own PRAGMA optimize ran
	// on empty tables, and until PocketBase's nightly one the planner read a
	// mailing's log through the owner's index (a million rows) instead of
	// the mailing's (twenty thousand). SQLite's advice for a long-lived
	// process: optimize at start, over every table (0x10000), with
	// analysis_limit so that ANALYZE samples and holds the write lock for
	// milliseconds, not seconds.
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		optimize(se.App)
		return se.Next()
	})
}

// optimize refreshes SQLite's statistics where they are stale: at start and
// after a large import.
func optimize(app core.App) {
	_, err := app.NonconcurrentDB().NewQuery("PRAGMA optimize = 0x10002").Execute()
	if err != nil {
		app.Logger().Warn("PRAGMA optimize failed", slog.String("error", err.Error()))
	}
}
