package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// schedules.weekdays (DESIGN "A mailing's life"): the days of the week a
// daily window sends on ("every weekday at 09:00"); empty, every day.
func init() {
	m.Register(func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("schedules")
		if err != nil {
			return err
		}
		col.Fields.Add(&core.SelectField{Name: "weekdays", MaxSelect: 7,
			Values: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}})
		return app.Save(col)
	}, func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("schedules")
		if err != nil {
			return err
		}
		col.Fields.RemoveByName("weekdays")
		return app.Save(col)
	})
}
