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
//     requests of everyone but superusers, so only the server changes it;
//   - two triggers keep the streak as deliveries are recorded, inside the
//     dispatcher's own transaction, so that no outcome can be recorded
//     without its bounce, and the dispatcher carries no code for it: a
//     delivery failed for good by a 5xx reply (its response starts with the
//     code: dispatch.ReplyError) adds one and marks the client at three; a
//     sent one resets a streak (written only when there is one, so a sent
//     message costs an index lookup, not a write). Other failures (4xx until
//     the attempts ran out, no reply, skipped) leave the streak alone;
//   - a partial index on the few bouncing clients, for the clients page's
//     filter and for taking them out of a mailing's reach;
//   - a partial index on skipped deliveries (failed without an attempt), for
//     the mailing's page to count them by reason.
//
// SQLite rewrites the triggers when a table or column is renamed, and
// refuses to drop a column they name: remove this migration's triggers first.
var bouncingTriggers = []string{
	`CREATE TRIGGER IF NOT EXISTS deliveries_bounce AFTER UPDATE OF status ON deliveries
	WHEN NEW.status = 'failed' AND OLD.status != 'failed' AND NEW.response GLOB '5[0-9][0-9]*'
	BEGIN
		UPDATE clients SET bounces = bounces + 1, bouncing = (bouncing OR bounces + 1 >= 3) WHERE id = NEW.client;
	END`,
	`CREATE TRIGGER IF NOT EXISTS deliveries_bounce_reset AFTER UPDATE OF status ON deliveries
	WHEN NEW.status = 'sent' AND OLD.status != 'sent'
	BEGIN
		UPDATE clients SET bounces = 0 WHERE id = NEW.client AND bounces > 0;
	END`,
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
		clients.AddIndex("idx_clients_bouncing", false, "owner, unsubscribed, lists", "bouncing = TRUE")
		if err := app.Save(clients); err != nil {
			return err
		}
		deliveries, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		deliveries.AddIndex("idx_deliveries_skipped", false, "run, response", "status = 'failed' AND attempts = 0")
		if err := app.Save(deliveries); err != nil {
			return err
		}
		for _, sql := range bouncingTriggers {
			if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, name := range []string{"deliveries_bounce", "deliveries_bounce_reset"} {
			if _, err := app.DB().NewQuery("DROP TRIGGER IF EXISTS " + name).Execute(); err != nil {
				return err
			}
		}
		deliveries, err := app.FindCollectionByNameOrId("deliveries")
		if err != nil {
			return err
		}
		deliveries.RemoveIndex("idx_deliveries_skipped")
		if err := app.Save(deliveries); err != nil {
			return err
		}
		clients, err := app.FindCollectionByNameOrId("clients")
		if err != nil {
			return err
		}
		clients.RemoveIndex("idx_clients_bouncing")
		clients.Fields.RemoveByName("bouncing")
		clients.Fields.RemoveByName("bounces")
		return app.Save(clients)
	})
}
