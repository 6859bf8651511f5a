package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// When a client unsubscribed (the web app shows the date) and whether it
// was through the link in a message (only then may the link's page undo it,
// for a day): hooks/unsubscribe.go and hooks/clients_unsubscribe.go.
func init() {
	m.Register(func(app core.App) error {
		clients, err := app.FindCollectionByNameOrId("clients")
		if err != nil {
			return err
		}
		clients.Fields.Add(
			&core.DateField{Name: "unsubscribed_at"},
			&core.BoolField{Name: "unsubscribed_by_link", Hidden: true},
		)
		return app.Save(clients)
	}, func(app core.App) error {
		clients, err := app.FindCollectionByNameOrId("clients")
		if err != nil {
			return err
		}
		clients.Fields.RemoveByName("unsubscribed_at")
		clients.Fields.RemoveByName("unsubscribed_by_link")
		return app.Save(clients)
	})
}
