package dispatch

import (
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"
	"postrider/internal/sqlitedb"
)

// BenchmarkDailyLimitRead weighs a read of an owner's day for the daily
// limit (quota.go's quotaOf: the user's limit and zone, and the day's
// count), which a pass does at most once every fresh (100 ms) per owner,
// or after a save: one row of _postrider_daily_sends among 1,000 owners'
// year of days (365,000 rows), whatever the number of deliveries. A
// worker's admit between reads is arithmetic under a lock
// (BenchmarkDailyLimitAdmit).
func BenchmarkDailyLimitRead(b *testing.B) {
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: b.TempDir(), EncryptionEnv: "pb_test_env",
		DBConnect: sqlitedb.Connect})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(app.Cleanup)
	now := types.NowDateTime().String()
	for _, q := range []string{
		`INSERT INTO users (id, email, password, tokenKey, verified, emailVisibility, name, avatar, role, blocked, timezone, daily_limit, created, updated)
		 VALUES ('benchowner0001', 'owner@bench.test', 'x', 'benchtokenkeybenchtokenkeybenchtokenkey', 1, 0, '', '', 'user', 0, 'Europe/Moscow', 1000, {:now}, {:now})`,
		`INSERT INTO _postrider_daily_sends (owner, day, sent)
		 WITH RECURSIVE o(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM o WHERE i < 999),
		      d(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM d WHERE j < 364)
		 SELECT CASE WHEN i = 0 THEN 'benchowner0001' ELSE printf('owner%010d', i) END, date('now', printf('-%d days', j)), 500 FROM o, d`,
	} {
		if _, err := app.NonconcurrentDB().NewQuery(q).Bind(dbx.Params{"now": now}).Execute(); err != nil {
			b.Fatal(err)
		}
	}
	p := &pass{app: app}
	p.quotas.owners = map[string]*quota{}
	at := time.Now()
	for b.Loop() {
		q, err := p.quotaOf("benchowner0001", at, true)
		if err != nil || q.limit != 1000 {
			b.Fatalf("%+v %v", q, err)
		}
	}
}

// BenchmarkDailyLimitAdmit weighs what a worker pays before each first
// try between two reads: the reservation, under the quotas' lock.
func BenchmarkDailyLimitAdmit(b *testing.B) {
	p := &pass{opts: Options{Now: time.Now}}
	loc := time.UTC
	p.quotas.owners = map[string]*quota{"o": {limit: 1 << 30, loc: loc, day: dayOf(time.Now(), loc), read: time.Now().Add(time.Hour)}}
	col := core.NewBaseCollection("runs")
	col.Fields.Add(&core.TextField{Name: "owner"})
	run := core.NewRecord(col)
	s := &runSender{p: p, run: run}
	run.Set("owner", "o")
	for b.Loop() {
		j := job{}
		if !s.admit(&j) {
			b.Fatal("refused")
		}
		s.release(j)
	}
}
