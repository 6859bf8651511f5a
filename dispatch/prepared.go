package dispatch

import (
	"database/sql"
	"errors"

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

// inTransaction runs fn in one transaction of app's writing database,
// with exec running query (positional ? parameters) prepared once, and
// tx for any other statement; commit commits it (given commit, it may
// do more around it).
func inTransaction(app core.App, query string, fn func(tx *sql.Tx, exec func(args ...any) error) error, commit func(commit func() error) error) error {
	db, ok := app.NonconcurrentDB().(*dbx.DB)
	if !ok {
		return errors.New("recording outcomes needs the app's database, not a transaction")
	}
	prep, err := prepared(app, db, query)
	if err != nil {
		return err
	}
	tx, err := db.DB().Begin()
	if err != nil {
		return err
	}
	// prepared on this connection already (the writing pool has one), so
	// the transaction uses it as it is
	stmt := tx.Stmt(prep)
	err = fn(tx, func(args ...any) error {
		_, err := stmt.Exec(args...)
		return err
	})
	if err == nil {
		err = commit(tx.Commit)
	}
	if err != nil {
		tx.Rollback()
		return err
	}
	return nil
}
