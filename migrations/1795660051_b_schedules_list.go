package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// schedules.list (DESIGN "A mailing's life"): the list whose joiners a
// welcome (on_join) window sends to; the owner's own (hooks/schedules.go).
// Indexed for the join, which looks up the windows of the list joined.
func init() {
	m.Register(func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("schedules")
		if err != nil {
			return err
		}
		lists, err := app.FindCollectionByNameOrId("lists")
		if err != nil {
			return err
		}
		col.Fields.Add(&core.RelationField{Name: "list", CollectionId: lists.Id, MaxSelect: 1})
		col.AddIndex("idx_schedules_list", false, "list", "list != ''")
		return app.Save(col)
	}, func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("schedules")
		if err != nil {
			return err
		}
		col.RemoveIndex("idx_schedules_list")
		col.Fields.RemoveByName("list")
		return app.Save(col)
	})
}
