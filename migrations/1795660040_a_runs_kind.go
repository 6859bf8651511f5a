package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// runs.kind (DESIGN "A mailing's life"): scheduled (an occurrence of a
// window, claimed by the dispatcher), retry (a finished run sent again to
// its failed deliveries) or welcome. Existing runs are scheduled; a run
// without a kind reads as scheduled (lifecycle.RunKind).
func init() {
	m.Register(func(app core.App) error {
		runs, err := app.FindCollectionByNameOrId("runs")
		if err != nil {
			return err
		}
		runs.Fields.Add(&core.SelectField{Name: "kind", MaxSelect: 1, Values: []string{"scheduled", "retry", "welcome"}})
		if err := app.Save(runs); err != nil {
			return err
		}
		_, err = app.DB().NewQuery(`UPDATE runs SET kind = 'scheduled' WHERE kind = ''`).Execute()
		return err
	}, func(app core.App) error {
		runs, err := app.FindCollectionByNameOrId("runs")
		if err != nil {
			return err
		}
		runs.Fields.RemoveByName("kind")
		return app.Save(runs)
	})
}
