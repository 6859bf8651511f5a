package benchkit

import (
	"database/sql"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/pocketbase/dbx"
)

// sqliteDriver is sqlite_cgo.go's driver under another name (package main
// registers the binary's own): SQLite's C library with PocketBase's pragmas.
const sqliteDriver = "bench_sqlite3"

func init() {
	sql.Register(sqliteDriver, &sqlite3.SQLiteDriver{
		ConnectHook: func(conn *sqlite3.SQLiteConn) error {
			_, err := conn.Exec(`PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
				PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32000;`, nil)
			return err
		},
	})
	dbx.BuilderFuncMap[sqliteDriver] = dbx.BuilderFuncMap["sqlite3"]
}

// SQLite opens a benchmark's test app's database as the binary does, through
// SQLite's C library (for core.BaseAppConfig.DBConnect).
func SQLite(path string) (*dbx.DB, error) { return dbx.Open(sqliteDriver, path) }

// CPUTime is the CPU time the process used so far, user and system: a
// benchmark's cost that other work on the machine disturbs less than wall time.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
