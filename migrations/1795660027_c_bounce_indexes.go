package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Indexes for what bounces do and show:
//   - a client's deliveries in order (client, run_at): whether its last five
//     messages all bounced soft (inbound/apply.go). Both columns are set when
//     a run is claimed and never change, so recording an outcome does not
//     touch it;
//   - the bounced deliveries alone (partial: the dispatcher never sets
//     bounce, so its writes skip them), by mailing for the mailing's page
//     and by owner and time for the home page and the moderators' 7-day
//     rates.
var bounceIndexes = []struct{ name, columns, where string }{
	{"idx_deliveries_client", "client, run_at", ""},
	{"idx_deliveries_bounced_mailing", "mailing, bounce", "bounce != ''"},
	{"idx_deliveries_bounced_owner", "owner, bounced_at", "bounce != ''"},
}

func init() {
	m.Register(func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		for _, ix := range bounceIndexes {
			col.AddIndex(ix.name, false, ix.columns, ix.where)
		}
		return app.Save(col)
	}, func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		for _, ix := range bounceIndexes {
			col.RemoveIndex(ix.name)
		}
		return app.Save(col)
	})
}
