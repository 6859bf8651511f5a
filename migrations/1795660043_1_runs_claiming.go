package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// A claim in chunks (dispatch/claim_chunks.go): the run is created first,
// then its deliveries are written a chunk of the owner's clients at a time,
// each chunk its own short transaction.
//   - runs.claiming (bool): the claim is still writing the run's
//     deliveries; its total only counts those written so far;
//   - runs.claimed_to (text, hidden): the id of the last client the claim
//     has read; the next chunk starts after it. Runs claimed before this
//     step have claiming false: all their deliveries were written at once.
func init() {
	m.Register(func(app core.App) error {
		runs, err := app.FindCollectionByNameOrId("runs")
		if err != nil {
			return err
		}
		runs.Fields.Add(
			&core.BoolField{Name: "claiming"},
			&core.TextField{Name: "claimed_to", Hidden: true},
		)
		return app.Save(runs)
	}, func(app core.App) error {
		runs, err := app.FindCollectionByNameOrId("runs")
		if err != nil {
			return err
		}
		runs.Fields.RemoveByName("claiming")
		runs.Fields.RemoveByName("claimed_to")
		return app.Save(runs)
	})
}
