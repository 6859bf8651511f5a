package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Bounces (issue 9): three permanent failures in a row to one client mark it
// `bouncing`, and runs skip it until the owner clears the mark.
//   - clients.bouncing (bool): the mark. The owner may clear it, not set it
//     (hooks/clients_bouncing.go);
//   - clients.bounces (number, hidden): the streak, permanent failures in a
//     row across runs and mailings. Hidden fields are dropped from the
//     requests of everyone but superusers, so only the server changes it.
//     The dispatcher keeps it after each run's sending (dispatch/bounces.go);
//   - partial indexes, each holding a few rows, for that and for the pages:
//     the refused deliveries (failed by a 5xx reply, whose response starts
//     with the code) by run, for the streaks; the clients with a streak, to
//     end those that got a message; the bouncing clients, for the clients
//     page's filter and to take them out of a mailing's reach; the skipped
//     deliveries (failed without an attempt) by run, for the mailing's page
//     to count them by reason.
//
// Triggers on deliveries were tried for the streak first, and dropped: any
// trigger on an UPDATE of deliveries, even one that never fires, doubled
// the CPU time of recording an outcome (35–40 µs more an outcome, see
// BenchmarkRecordingOutcomes in the README).
var bouncingIndexes = []struct{ collection, name, columns, where string }{
	{"clients", "idx_clients_bouncing", "owner, unsubscribed, lists", "bouncing = TRUE"},
	{"clients", "idx_clients_streak", "owner", "bounces > 0"},
	{"deliveries", "idx_deliveries_refused", "run, updated", "status = 'failed' AND response GLOB '5[0-9][0-9]*'"},
	{"deliveries", "idx_deliveries_skipped", "run, response", "status = 'failed' AND attempts = 0"},
}

func init() {
	m.Register(func(app core.App) error {
		clients, err := app.FindCollectionByNameOrId("clients")
		if err != nil {
			return err
		}
		clients.Fields.Add(
			&core.BoolField{Name: "bouncing"},
			&core.NumberField{Name: "bounces", OnlyInt: true, Hidden: true},
		)
		if err := app.Save(clients); err != nil {
			return err
		}
		for _, ix := range bouncingIndexes {
			c, err := app.FindCollectionByNameOrId(ix.collection)
			if err != nil {
				return err
			}
			c.AddIndex(ix.name, false, ix.columns, ix.where)
			if err := app.Save(c); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, ix := range bouncingIndexes {
			c, err := app.FindCollectionByNameOrId(ix.collection)
			if err != nil {
				return err
			}
			c.RemoveIndex(ix.name)
			if err := app.Save(c); err != nil {
				return err
			}
		}
		clients, err := app.FindCollectionByNameOrId("clients")
		if err != nil {
			return err
		}
		clients.Fields.RemoveByName("bouncing")
		clients.Fields.RemoveByName("bounces")
		return app.Save(clients)
	})
}
