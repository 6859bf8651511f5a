package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// mailings.once_per_client (DESIGN "A mailing's life"): a client gets the
// mailing at most once over all its runs, so a recurring one reaches only
// newcomers. Who has had it is kept in _postrider_reached (mailing,
// client), written by the claim of such a mailing's runs: the log cannot
// serve, as its retention deletes old rows, and finding a client among
// every run of a mailing would probe each run once per recipient. Rows go
// with their mailing or client.
func init() {
	m.Register(func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("mailings")
		if err != nil {
			return err
		}
		col.Fields.Add(&core.BoolField{Name: "once_per_client"})
		if err := app.Save(col); err != nil {
			return err
		}
		_, err = app.DB().NewQuery(`
			CREATE TABLE IF NOT EXISTS _postrider_reached (
				mailing TEXT NOT NULL,
				client  TEXT NOT NULL,
				PRIMARY KEY (mailing, client)
			) WITHOUT ROWID;
			CREATE INDEX IF NOT EXISTS idx_postrider_reached_client ON _postrider_reached (client);
			CREATE TRIGGER IF NOT EXISTS postrider_reached_mailing AFTER DELETE ON mailings
			BEGIN DELETE FROM _postrider_reached WHERE mailing = OLD.id; END;
			CREATE TRIGGER IF NOT EXISTS postrider_reached_client AFTER DELETE ON clients
			BEGIN DELETE FROM _postrider_reached WHERE client = OLD.id; END;`).Execute()
		return err
	}, func(app core.App) error {
		_, err := app.DB().NewQuery(`
			DROP TRIGGER IF EXISTS postrider_reached_mailing;
			DROP TRIGGER IF EXISTS postrider_reached_client;
			DROP TABLE IF EXISTS _postrider_reached;`).Execute()
		if err != nil {
			return err
		}
		col, err := app.FindCollectionByNameOrId("mailings")
		if err != nil {
			return err
		}
		col.Fields.RemoveByName("once_per_client")
		return app.Save(col)
	})
}
