package dispatch

import (
	"database/sql"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// preparedStmt is a statement prepared once on one of the app's databases
// and kept in the app's store, so that the recorder does not parse its
// UPDATE again for every batch, nor a worker its check of a client (nor
// build a map of parameters a row, as dbx's named ones do). The statement is bound to the *sql.DB it was
// prepared on: a new database (the app bootstrapped again) prepares anew,
// and closing the database closes it.
type preparedStmt struct {
	db   *sql.DB
	stmt *sql.Stmt
}

// prepared returns query (positional ? parameters) prepared once on db.
func prepared(app core.App, db *dbx.DB, query string) (*sql.Stmt, error) {
	key := "postrider.dispatch.prepared:" + query
	cached, _ := app.Store().Get(key).(preparedStmt)
	if cached.db != db.DB() {
		stmt, err := db.DB().Prepare(query)
		if err != nil {
			return nil, err
		}
		cached = preparedStmt{db: db.DB(), stmt: stmt}
		app.Store().Set(key, cached)
	}
	return cached.stmt, nil
}
