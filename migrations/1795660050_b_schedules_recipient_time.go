package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// schedules.recipient_time (DESIGN "A mailing's life"): each client gets
// the window's occurrence at its wall-clock time in the client's own zone
// (clients.timezone; the owner's where empty), inside the window.
func init() {
	m.Register(func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("schedules")
		if err != nil {
			return err
		}
		col.Fields.Add(&core.BoolField{Name: "recipient_time"})
		return app.Save(col)
	}, func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("schedules")
		if err != nil {
			return err
		}
		col.Fields.RemoveByName("recipient_time")
		return app.Save(col)
	})
}
