package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// schedules.delay_minutes (DESIGN "A mailing's life"): how long after
// joining a welcome window's client gets it, 0 (at once) to 525600 (a
// year).
func init() {
	m.Register(func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("schedules")
		if err != nil {
			return err
		}
		col.Fields.Add(&core.NumberField{Name: "delay_minutes", OnlyInt: true, Min: types.Pointer(0.0), Max: types.Pointer(525600.0)})
		return app.Save(col)
	}, func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("schedules")
		if err != nil {
			return err
		}
		col.Fields.RemoveByName("delay_minutes")
		return app.Save(col)
	})
}
