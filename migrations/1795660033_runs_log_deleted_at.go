package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// runs.log_deleted_at: when the nightly retention (POSTRIDER_LOG_RETENTION_DAYS,
// dispatch/retention.go) deleted the run's deliveries. The run keeps its
// counters; the log's total leaves such runs out, as their rows are gone.
func init() {
	m.Register(func(app core.App) error {
		runs, err := app.FindCollectionByNameOrId("runs")
		if err != nil {
			return err
		}
		runs.Fields.Add(&core.DateField{Name: "log_deleted_at"})
		return app.Save(runs)
	}, func(app core.App) error {
		runs, err := app.FindCollectionByNameOrId("runs")
		if err != nil {
			return err
		}
		runs.Fields.RemoveByName("log_deleted_at")
		return app.Save(runs)
	})
}
