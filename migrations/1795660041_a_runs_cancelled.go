package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// runs.status cancelled (DESIGN.md "A mailing's life"): a run its owner
// cancelled; what was still pending is logged failed, and it never sends
// again. Down: cancelled runs become done (nothing of them is pending).
func init() {
	m.Register(func(app core.App) error {
		return setSelectValues(app, "runs", "status", "sending", "done", "paused", "waiting", "cancelled")
	}, func(app core.App) error {
		if _, err := app.DB().NewQuery(`UPDATE runs SET status = 'done' WHERE status = 'cancelled'`).Execute(); err != nil {
			return err
		}
		return setSelectValues(app, "runs", "status", "sending", "done", "paused", "waiting")
	})
}
