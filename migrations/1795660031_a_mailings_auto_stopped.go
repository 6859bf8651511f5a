package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Automatic stops (issue 26, DESIGN "Trust and limits"):
// mailings.auto_stopped (bool, set by the server only, hooks/mailings.go)
// marks a stop the server made when its owner's complaint or bounce rate
// passed its limit (internal/health); such a stop is resumed only by a
// moderator or a superuser, and the resume clears it. A partial index by
// owner holds the few such mailings, for the moderators' pages.
func init() {
	m.Register(func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("mailings")
		if err != nil {
			return err
		}
		col.Fields.Add(&core.BoolField{Name: "auto_stopped"})
		col.AddIndex("idx_mailings_auto_stopped", false, "owner", "auto_stopped = TRUE")
		return app.Save(col)
	}, func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("mailings")
		if err != nil {
			return err
		}
		col.RemoveIndex("idx_mailings_auto_stopped")
		col.Fields.RemoveByName("auto_stopped")
		return app.Save(col)
	})
}
