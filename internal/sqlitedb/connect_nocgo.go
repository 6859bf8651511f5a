//go:build !cgo

package sqlitedb

import (
	"github.com/pocketbase/dbx"
	_ "modernc.org/sqlite"
)

// Without cgo, Postrider uses PocketBase's pure-Go SQLite (modernc.org/sqlite)
// with PocketBase's own pragmas (core.DefaultDBConnect).
const pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)"

// Connect opens the database at dbPath (a core.DBConnectFunc).
func Connect(dbPath string) (*dbx.DB, error) {
	return dbx.Open("sqlite", dbPath+"?"+pragmas+"&"+immediate)
}
