package migrations

import (
	"encoding/json"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/dbutils"
)

// idx_deliveries_pending holds only the deliveries still to be sent, by
// run: what the dispatcher counts when a run ends (how many are left and
// when the next may be tried) and after every pass (what is left in the
// runs not over). Each count read every delivery of its runs, the pass's
// every delivery there is: at the end of a 100,000-message run, 0.3 s of
// the process's 9 s; on 10,000,000 deliveries, seconds a pass. A delivery
// enters the index when it is claimed and leaves it when its outcome is
// recorded, so the index stays as small as the queue.
//
// It is built alone: saving the collection (app.Save) drops and builds
// again every index of deliveries, which took 321 s and 3 GB of memory at
// 10,000,000 deliveries for this one.
func init() {
	const name = "idx_deliveries_pending"
	m.Register(func(app core.App) error {
		deliveries, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		deliveries.AddIndex(name, false, "run, next_try_at", "status = 'pending'")
		for _, idx := range deliveries.Indexes {
			if dbutils.ParseIndex(idx).IndexName == name {
				if _, err := app.DB().NewQuery(idx).Execute(); err != nil {
					return err
				}
			}
		}
		return saveIndexesAlone(app, deliveries)
	}, func(app core.App) error {
		deliveries, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		deliveries.RemoveIndex(name)
		if _, err := app.DB().NewQuery("DROP INDEX IF EXISTS " + name).Execute(); err != nil {
			return err
		}
		return saveIndexesAlone(app, deliveries)
	})
}

// saveIndexesAlone writes a collection's list of indexes, which the
// caller has made true of the database already, without app.Save's
// rebuild of every index of its table.
func saveIndexesAlone(app core.App, c *core.Collection) error {
	list, err := json.Marshal(c.Indexes)
	if err != nil {
		return err
	}
	_, err = app.DB().NewQuery("UPDATE _collections SET indexes = {:indexes} WHERE id = {:id}").
		Bind(dbx.Params{"indexes": string(list), "id": c.Id}).Execute()
	if err != nil {
		return err
	}
	return app.ReloadCachedCollections()
}
