package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// deliveries.cuts: how many tries of the delivery went out whole and lost
// their connection before the server's reply (a cut, not a timeout). Each
// cut is an event of its own: the delivery is tried again on a later pass,
// up to the dispatcher's cap (dispatch.Options.MaxCuts), and these tries
// do not use up the attempts a temporary refusal is allowed.
func init() {
	m.Register(func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		col.Fields.Add(&core.NumberField{Name: "cuts", OnlyInt: true})
		return app.Save(col)
	}, func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		col.Fields.RemoveByName("cuts")
		return app.Save(col)
	})
}
