package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The clients table sorts by email whatever its capitals (the web app asks
// for `sort=email:lower`, the one case-insensitive order PocketBase's sort
// can express: it becomes ORDER BY LOWER(email)). This index serves that
// order within one owner's clients, so a page of 50 reads 50 index entries
// instead of sorting every client of the owner. The unique index on
// (owner, email COLLATE NOCASE) cannot: its collation is not LOWER().
func init() {
	const name = "idx_clients_owner_email_lower"
	m.Register(func(app core.App) error {
		clients, err := app.FindCollectionByNameOrId("clients")
		if err != nil {
			return err
		}
		clients.AddIndex(name, false, "owner, LOWER(email)", "")
		return app.Save(clients)
	}, func(app core.App) error {
		clients, err := app.FindCollectionByNameOrId("clients")
		if err != nil {
			return err
		}
		clients.RemoveIndex(name)
		return app.Save(clients)
	})
}
