package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The indexes of a sender's health over 7 days (internal/health), which
// each report and each run's end reads, so that it costs the rows of its
// window that count, not the sender's deliveries (measured at 1,000,000
// deliveries of one sender in BenchmarkHealthOfAMillionDeliveries):
//   - idx_deliveries_bounced_owner (the bounced deliveries alone, by owner
//     and time, migration 1795660027_c) also holds the kind of report, so
//     that counting hard bounces and complaints reads no row;
//   - idx_deliveries_sender_refused holds the refusals held against the
//     sender alone, by owner and time (their count reads those rows):
//     failed by a 5xx reply whose response the dispatcher ends with
//     ": not held against the address)" (dispatch/refused.go,
//     health.SenderRefusal). The query repeats the condition word for
//     word for SQLite to use it (health.RefusedWhere).
//
// The condition has no parenthesis: PocketBase reads an index's columns up
// to the last one in its statement (the GLOB's ? is the final ")").
const senderRefusedWhere = `status = 'failed' AND response GLOB '5[0-9][0-9]*: not held against the address?'`

func init() {
	m.Register(func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		col.RemoveIndex("idx_deliveries_bounced_owner")
		col.AddIndex("idx_deliveries_bounced_owner", false, "owner, bounced_at, bounce", "bounce != ''")
		col.AddIndex("idx_deliveries_sender_refused", false, "owner, updated", senderRefusedWhere)
		return app.Save(col)
	}, func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		col.RemoveIndex("idx_deliveries_sender_refused")
		col.RemoveIndex("idx_deliveries_bounced_owner")
		col.AddIndex("idx_deliveries_bounced_owner", false, "owner, bounced_at", "bounce != ''")
		return app.Save(col)
	})
}
