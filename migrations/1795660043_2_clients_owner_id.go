package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// idx_clients_owner_id: a claim reads an owner's clients in id order, a
// chunk at a time from where the last one stopped (dispatch/claim_chunks.go);
// without it each chunk would sort all the owner's clients again.
func init() {
	m.Register(func(app core.App) error {
		clients, err := app.FindCollectionByNameOrId("clients")
		if err != nil {
			return err
		}
		clients.AddIndex("idx_clients_owner_id", false, "owner, id", "")
		return app.Save(clients)
	}, func(app core.App) error {
		clients, err := app.FindCollectionByNameOrId("clients")
		if err != nil {
			return err
		}
		clients.RemoveIndex("idx_clients_owner_id")
		return app.Save(clients)
	})
}
