package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The soft-bounce streak reads a client's bounced deliveries only
// (inbound/apply.go), so its index holds those alone: a full index on
// deliveries (client, run_at) cost every claimed delivery its upkeep
// (a 50,000-recipient claim took 0.27 → 0.45 CPU-seconds in a profile of
// `go run ./bench -n 50000 -workers 50 -cpuprofile`),
// for a read that runs once per soft bounce.
func init() {
	m.Register(func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		col.RemoveIndex("idx_deliveries_client")
		col.AddIndex("idx_deliveries_bounced_client", false, "client, run_at", "bounce != ''")
		return app.Save(col)
	}, func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		col.RemoveIndex("idx_deliveries_bounced_client")
		col.AddIndex("idx_deliveries_client", false, "client, run_at", "")
		return app.Save(col)
	})
}
