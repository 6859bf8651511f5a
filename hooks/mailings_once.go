package hooks

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/lifecycle"
)

// A mailing sent once per client (mailings.once_per_client) skips the
// clients who have had it, as _postrider_reached records them at each
// claim. Switched on after runs went out, the clients those runs reached
// are recorded in the same transaction as the change, so that no claim in
// between sends them the mailing again.
func bindOncePerClient(app core.App) {
	app.OnRecordUpdateRequest("mailings").BindFunc(func(e *core.RecordRequestEvent) error {
		if !e.Record.GetBool("once_per_client") || e.Record.Original().GetBool("once_per_client") {
			return e.Next()
		}
		return e.App.RunInTransaction(func(tx core.App) error {
			_, err := tx.DB().NewQuery(`
				INSERT OR IGNORE INTO _postrider_reached (mailing, client)
				SELECT DISTINCT mailing, client FROM deliveries INDEXED BY idx_deliveries_mailing_outcome
				WHERE mailing = {:mailing} AND (status = '` + lifecycle.DeliverySent + `' OR status = '` + lifecycle.DeliveryPending + `' OR attempts > 0)`).
				Bind(dbx.Params{"mailing": e.Record.Id}).Execute()
			if err != nil {
				return err
			}
			e.App = tx
			return e.Next()
		})
	})
}
