package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// clients.timezone (DESIGN "A mailing's life"): the client's IANA zone
// name, optional; a window sent at each recipient's own time reaches the
// client at its wall-clock time there (the owner's zone where empty).
// Checked on save (hooks/clients_timezone.go).
func init() {
	m.Register(func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("clients")
		if err != nil {
			return err
		}
		col.Fields.Add(&core.TextField{Name: "timezone", Max: 64})
		return app.Save(col)
	}, func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("clients")
		if err != nil {
			return err
		}
		col.Fields.RemoveByName("timezone")
		return app.Save(col)
	})
}
