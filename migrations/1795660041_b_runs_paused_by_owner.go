package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// runs.paused_by_owner: a paused run its owner (or a superuser) paused.
// Only their resume sends it again; a run the dispatcher paused (its
// mailing stopped, its owner blocked, a restored data dir) goes on once
// its mailing may send.
func init() {
	m.Register(func(app core.App) error {
		runs, err := app.FindCollectionByNameOrId("runs")
		if err != nil {
			return err
		}
		runs.Fields.Add(&core.BoolField{Name: "paused_by_owner"})
		return app.Save(runs)
	}, func(app core.App) error {
		runs, err := app.FindCollectionByNameOrId("runs")
		if err != nil {
			return err
		}
		runs.Fields.RemoveByName("paused_by_owner")
		return app.Save(runs)
	})
}
