package dispatch

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/benchkit"
	"postrider/internal/sqlitedb"
	_ "postrider/migrations"
)

// BenchmarkClientCheck weighs a worker's second look at a client (skip.go's
// clientSkip, for a job read more than fresh ago): reading a client's state
// by its id among 100,000, through SQLite's C library as the binary uses it
// (internal/sqlitedb). cpu-µs/op is the process's CPU time a check, which other
// work on the machine disturbs less than wall time.
func BenchmarkClientCheck(b *testing.B) {
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: b.TempDir(), EncryptionEnv: "pb_test_env",
		DBConnect: sqlitedb.Connect})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(app.Cleanup)
	const clients = 100000
	now := types.NowDateTime().String()
	for _, q := range []string{
		`INSERT INTO users (id, email, password, tokenKey, verified, emailVisibility, name, avatar, role, blocked, timezone, created, updated)
		 VALUES ('benchowner0001', 'owner@bench.test', 'x', 'benchtokenkeybenchtokenkeybenchtokenkey', 1, 0, '', '', 'user', 0, 'UTC', {:now}, {:now})`,
		`INSERT INTO clients (id, owner, email, name, comment, lists, unsubscribed, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {:clients} - 1)
		 SELECT printf('c%014d', i), 'benchowner0001', printf('c%d@bench.test', i), '', '', '[]', i % 100 = 0, {:now}, {:now} FROM seq`,
	} {
		if _, err := app.NonconcurrentDB().NewQuery(q).Bind(dbx.Params{"now": now, "clients": clients}).Execute(); err != nil {
			b.Fatal(err)
		}
	}
	ids := make([]string, 4096)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%014d", rand.IntN(clients))
	}
	p := &pass{app: app}
	cpu := benchkit.CPUTime()
	for i := 0; b.Loop(); i++ {
		if _, err := p.clientSkip(ids[i%len(ids)], ""); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((benchkit.CPUTime()-cpu).Nanoseconds())/1e3/float64(b.N), "cpu-µs/op")
}
