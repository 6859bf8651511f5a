package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// What came back about a delivery after the relay took it (issue 25, the
// inbound package): deliveries.bounce (hard, soft or complaint),
// deliveries.bounced_at (when the report arrived) and deliveries.bounce_reply
// (the remote server's diagnostic, or the complaint's feedback type).
// Written by the server only, as the rest of the log.
func init() {
	m.Register(func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		col.Fields.Add(
			&core.SelectField{Name: "bounce", MaxSelect: 1, Values: []string{"hard", "soft", "complaint"}},
			&core.DateField{Name: "bounced_at"},
			&core.TextField{Name: "bounce_reply", Max: 1000},
		)
		return app.Save(col)
	}, func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		for _, name := range []string{"bounce", "bounced_at", "bounce_reply"} {
			col.Fields.RemoveByName(name)
		}
		return app.Save(col)
	})
}
