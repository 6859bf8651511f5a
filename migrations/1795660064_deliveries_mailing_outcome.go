package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// idx_deliveries_mailing_outcome: a mailing's log is read in the log's
// order (-sent_at,-updated, then the newest row: hooks/deliveries_log.go).
// With only (mailing, created), SQLite read all of a mailing's deliveries
// and sorted them for each page: 364 ms for the first page of a mailing
// with 200,000 deliveries (`go run ./bench pages -deliveries 10000000`).
// In this index's order a page is a read from its end, and a date filter
// of one mailing an index range. It takes the place of (mailing, created):
// every lookup of a mailing's deliveries uses either, and nothing reads
// them in created order (521 MiB at 11,000,000 deliveries saved).
func init() {
	m.Register(func(app core.App) error {
		deliveries, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		deliveries.RemoveIndex("idx_deliveries_mailing_time")
		deliveries.AddIndex("idx_deliveries_mailing_outcome", false, "mailing, sent_at, updated", "")
		return app.Save(deliveries)
	}, func(app core.App) error {
		deliveries, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		deliveries.RemoveIndex("idx_deliveries_mailing_outcome")
		deliveries.AddIndex("idx_deliveries_mailing_time", false, "mailing, created", "")
		return app.Save(deliveries)
	})
}
