package dispatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/config"
	"postrider/dispatch"
	"postrider/hooks"
)

// BenchmarkIdlePass times a dispatch pass over 100,000 mailings, each with a
// window that opens tomorrow: nothing is due, and the pass must not read
// them all to find that out (target: under 50 ms).
func BenchmarkIdlePass(b *testing.B) {
	app, err := tests.NewTestApp(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer app.Cleanup()
	hooks.Register(app, config.Config{})
	now := types.NowDateTime()
	tomorrow := now.Add(24 * time.Hour)
	const n = 100000
	for _, q := range []string{
		`INSERT INTO users (id, email, password, tokenKey, verified, emailVisibility, name, avatar, role, blocked, timezone, created, updated)
		 VALUES ('benchowner0001', 'owner@bench.test', 'x', 'benchtokenkeybenchtokenkeybenchtokenkey', 1, 0, '', '', 'user', 0, 'UTC', {:now}, {:now})`,
		`INSERT INTO mailings (id, owner, subject, body, lists, clients, status, stopped, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {:n})
		 SELECT printf('m%014d', i), 'benchowner0001', 'Later', '<p>later</p>', '[]', '[]', 'created', 0, {:now}, {:now} FROM seq`,
		`INSERT INTO schedules (id, mailing, starts_at, ends_at, period, next_run_at, last_run_at, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {:n})
		 SELECT printf('s%014d', i), printf('m%014d', i), {:tomorrow}, {:end}, 'daily', {:tomorrow}, '', {:now}, {:now} FROM seq`,
	} {
		_, err := app.NonconcurrentDB().NewQuery(q).Bind(dbx.Params{
			"n": n, "now": now.String(), "tomorrow": tomorrow.String(), "end": tomorrow.Add(30 * 24 * time.Hour).String(),
		}).Execute()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		s, err := dispatch.Run(context.Background(), app, dispatch.Options{})
		if err != nil || s.Runs+s.Sent+s.Skipped != 0 {
			b.Fatalf("an idle pass did something: %s, %v", s, err)
		}
	}
}
