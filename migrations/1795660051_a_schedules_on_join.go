package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// schedules.period on_join (DESIGN "A mailing's life"): a welcome window,
// which sends to each client who joins its list while it is open. Down
// takes the value off the field; windows saved with it stay as they are
// and claim nothing (the dispatcher reads no welcome window without it).
func init() {
	m.Register(func(app core.App) error {
		return setPeriods(app, []string{"once", "daily", "weekly", "monthly", "on_join"})
	}, func(app core.App) error {
		return setPeriods(app, []string{"once", "daily", "weekly", "monthly"})
	})
}

func setPeriods(app core.App, values []string) error {
	col, err := app.FindCollectionByNameOrId("schedules")
	if err != nil {
		return err
	}
	col.Fields.GetByName("period").(*core.SelectField).Values = values
	return app.Save(col)
}
