package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// runs.retry_of: the run a retry run sends again (POST
// /api/postrider/runs/{id}/retry). Unique where set, so that a run is
// retried once: the index decides between two requests at the same time.
// The retry keeps its history when the run it retried is deleted.
func init() {
	m.Register(func(app core.App) error {
		runs, err := app.FindCollectionByNameOrId("runs")
		if err != nil {
			return err
		}
		runs.Fields.Add(&core.RelationField{Name: "retry_of", CollectionId: runs.Id, MaxSelect: 1})
		runs.AddIndex("idx_runs_retry_of", true, "retry_of", "retry_of != ''")
		return app.Save(runs)
	}, func(app core.App) error {
		runs, err := app.FindCollectionByNameOrId("runs")
		if err != nil {
			return err
		}
		runs.RemoveIndex("idx_runs_retry_of")
		runs.Fields.RemoveByName("retry_of")
		return app.Save(runs)
	})
}
