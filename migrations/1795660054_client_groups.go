package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// _postrider_client_groups: how many clients each owner has with exactly
// these lists (clients.lists as written), subscribed or not, bouncing or
// not. Triggers on clients keep it in the transaction of every write, by
// whatever path (the API, the import, the dispatcher's bounces, a cascade
// from a deleted list), so a mailing's reach and the lists' counts read a
// few rows instead of every client's (hooks/mailings_reach.go): at
// 1,000,000 clients the index of clients by (owner, unsubscribed, lists)
// took 200 ms to read, and the moderators' mailing list counted each row
// on its own (issue 29). A plain table, not a collection: no API serves it.
func init() {
	const key = `owner = OLD.owner AND lists = COALESCE(OLD.lists, '[]')
		AND unsubscribed = (OLD.unsubscribed IS TRUE) AND bouncing = (OLD.bouncing IS TRUE)`
	const add = `INSERT INTO _postrider_client_groups (owner, lists, unsubscribed, bouncing, n)
		VALUES (NEW.owner, COALESCE(NEW.lists, '[]'), NEW.unsubscribed IS TRUE, NEW.bouncing IS TRUE, 1)
		ON CONFLICT DO UPDATE SET n = n + 1;`
	const remove = `UPDATE _postrider_client_groups SET n = n - 1 WHERE ` + key + `;
		DELETE FROM _postrider_client_groups WHERE ` + key + ` AND n <= 0;`
	m.Register(func(app core.App) error {
		_, err := app.DB().NewQuery(`
			CREATE TABLE _postrider_client_groups (
				owner        TEXT NOT NULL,
				lists        TEXT NOT NULL,
				unsubscribed INTEGER NOT NULL,
				bouncing     INTEGER NOT NULL,
				n            INTEGER NOT NULL,
				PRIMARY KEY (owner, lists, unsubscribed, bouncing)
			) WITHOUT ROWID;
			INSERT INTO _postrider_client_groups (owner, lists, unsubscribed, bouncing, n)
				SELECT owner, COALESCE(lists, '[]'), unsubscribed IS TRUE, bouncing IS TRUE, COUNT(*) FROM clients GROUP BY 1, 2, 3, 4;
			CREATE TRIGGER postrider_client_groups_insert AFTER INSERT ON clients BEGIN ` + add + ` END;
			CREATE TRIGGER postrider_client_groups_delete AFTER DELETE ON clients BEGIN ` + remove + ` END;
			CREATE TRIGGER postrider_client_groups_update AFTER UPDATE OF owner, lists, unsubscribed, bouncing ON clients
			WHEN OLD.owner IS NOT NEW.owner OR OLD.lists IS NOT NEW.lists
			  OR (OLD.unsubscribed IS TRUE) != (NEW.unsubscribed IS TRUE) OR (OLD.bouncing IS TRUE) != (NEW.bouncing IS TRUE)
			BEGIN ` + remove + add + ` END;`).Execute()
		return err
	}, func(app core.App) error {
		_, err := app.DB().NewQuery(`
			DROP TRIGGER IF EXISTS postrider_client_groups_insert;
			DROP TRIGGER IF EXISTS postrider_client_groups_delete;
			DROP TRIGGER IF EXISTS postrider_client_groups_update;
			DROP TABLE IF EXISTS _postrider_client_groups;`).Execute()
		return err
	})
}
