// Package sqlitedb opens Postrider's SQLite databases: the binary's
// DBConnect, and the same for the tests and benchmarks that open a data dir
// as the binary does.
package sqlitedb

// immediate makes every transaction BEGIN IMMEDIATE: it takes the write
// lock before its first read, waiting for it up to the busy timeout. A
// deferred transaction (database/sql's default) that read and then wrote
// after another process committed (serve's pause while `postrider
// dispatch` records its outcomes) failed at once with SQLITE_BUSY_SNAPSHOT
// ("database is locked (517)"), which no busy timeout waits out.
// PocketBase runs every transaction on its one writing connection
// (RunInTransaction on NonconcurrentDB), so taking the lock first costs no
// concurrency within a process.
const immediate = "_txlock=immediate"
