package hooks_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/config"
	"postrider/hooks"
	"postrider/internal/sqlitedb"
)

// newBenchApp is an empty test app for a benchmark, through SQLite's C
// library as the binary talks to it (internal/sqlitedb), with every Postrider
// hook bound and the rate limits off: the routes are timed, not the
// limiter, which a fast loop reaches.
func newBenchApp(b *testing.B) *tests.TestApp {
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: b.TempDir(), EncryptionEnv: "pb_test_env",
		DBConnect: sqlitedb.Connect})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(app.Cleanup)
	hooks.Register(app, config.Config{})
	app.Settings().RateLimits.Enabled = false
	if err := app.Save(app.Settings()); err != nil {
		b.Fatal(err)
	}
	return app
}

// benchSeq is a WITH clause of seq(i), i from 0 to n-1 (n an SQL
// expression), for seeding by SQL.
func benchSeq(n string) string {
	return "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < " + n + " - 1) "
}

// benchSender is what the benchmarks seed first by SQL: a sender
// (u00000000000000, in zone tz) with 10 lists (l%014d of 0 to 9) and a
// moderator (u00000000000001); {:now} is bound when they run.
func benchSender(tz string) []string {
	return []string{
		`INSERT INTO users (id, email, password, tokenKey, verified, name, role, timezone, created, updated)
			VALUES ('u00000000000000', 'sender@bench.test', 'x', 'key0', 1, 'Sender', 'user', '` + tz + `', {:now}, {:now}),
			       ('u00000000000001', 'mod@bench.test', 'x', 'key1', 1, 'Mod', 'moderator', 'UTC', {:now}, {:now})`,
		`INSERT INTO lists (id, owner, name, created, updated) ` + benchSeq("10") +
			`SELECT printf('l%014d', i), 'u00000000000000', printf('List %d', i), {:now}, {:now} FROM seq`,
	}
}
