package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Indexes for the pages of a sender with a million deliveries (issue 11):
//   - the logs page sorts by -sent_at,-updated, of the owner's deliveries or
//     of those of one status: each order is an index, read from its end, so
//     a page of 20 reads 20 entries and the streamed export walks it by
//     cursor. They cost the dispatcher an index write more per outcome each
//     (the README's benchmark weighs it);
//   - the lists page's counts and a mailing's reach group the owner's
//     clients by their lists (and whether they unsubscribed) from an index
//     alone, without reading the rows.
var pagesIndexes = []struct{ collection, name, columns string }{
	{"deliveries", "idx_deliveries_owner_outcome", "owner, sent_at, updated"},
	{"deliveries", "idx_deliveries_owner_status", "owner, status, sent_at, updated"},
	{"clients", "idx_clients_owner_lists", "owner, unsubscribed, lists"},
}

func init() {
	m.Register(func(app core.App) error {
		for _, ix := range pagesIndexes {
			c, err := app.FindCollectionByNameOrId(ix.collection)
			if err != nil {
				return err
			}
			c.AddIndex(ix.name, false, ix.columns, "")
			if err := app.Save(c); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, ix := range pagesIndexes {
			c, err := app.FindCollectionByNameOrId(ix.collection)
			if err != nil {
				return err
			}
			c.RemoveIndex(ix.name)
			if err := app.Save(c); err != nil {
				return err
			}
		}
		return nil
	})
}
