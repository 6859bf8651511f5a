package migrations

import (
	"strconv"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"postrider/internal/clientwords"
)

// _postrider_client_words: the words of every client's email, name and
// comment (internal/clientwords), by owner, for the clients page's search
// and the mailing form's picker (hooks/clients_search.go), which read a
// range of it instead of every client: a search of 1,000,000 clients for
// "client4242" took 552 ms (issue 29). Triggers on clients keep it in the
// transaction of every write, whatever made it (the API, the import's SQL).
// Because they name clients.owner, email, name and comment, SQLite refuses
// to drop or rename those columns while the triggers exist.
func init() {
	// json_each of the words of row's text, and the word of one of its rows
	split := func(row string) string { return clientwords.Each(row) + " AS j" }
	word := "substr(j.value, 1, " + strconv.Itoa(clientwords.MaxLen) + ")"
	add := `INSERT OR IGNORE INTO _postrider_client_words (owner, word, client) SELECT NEW.owner, ` + word + `, NEW.id FROM ` + split("NEW") + ` WHERE j.value != '';`
	remove := `DELETE FROM _postrider_client_words WHERE owner = OLD.owner AND word IN (SELECT ` + word + ` FROM ` + split("OLD") + `) AND client = OLD.id;`
	m.Register(func(app core.App) error {
		_, err := app.DB().NewQuery(`
			CREATE TABLE _postrider_client_words (
				owner  TEXT NOT NULL,
				word   TEXT NOT NULL,
				client TEXT NOT NULL,
				PRIMARY KEY (owner, word, client)
			) WITHOUT ROWID;
			CREATE TRIGGER postrider_client_words_insert AFTER INSERT ON clients BEGIN ` + add + ` END;
			CREATE TRIGGER postrider_client_words_delete AFTER DELETE ON clients BEGIN ` + remove + ` END;
			CREATE TRIGGER postrider_client_words_update AFTER UPDATE OF owner, email, name, comment ON clients
			WHEN OLD.owner IS NOT NEW.owner OR OLD.email IS NOT NEW.email OR OLD.name IS NOT NEW.name OR OLD.comment IS NOT NEW.comment
			BEGIN ` + remove + add + ` END;`).Execute()
		if err != nil {
			return err
		}
		// the clients already there, as the insert trigger adds them
		fill := `INSERT OR IGNORE INTO _postrider_client_words (owner, word, client) SELECT c.owner, ` + word + `, c.id FROM clients AS c, ` + split("c") + ` WHERE j.value != ''`
		_, err = app.DB().NewQuery(fill).Execute()
		return err
	}, func(app core.App) error {
		_, err := app.DB().NewQuery(`
			DROP TRIGGER IF EXISTS postrider_client_words_insert;
			DROP TRIGGER IF EXISTS postrider_client_words_delete;
			DROP TRIGGER IF EXISTS postrider_client_words_update;
			DROP TABLE IF EXISTS _postrider_client_words;`).Execute()
		return err
	})
}
