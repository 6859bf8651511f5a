package dispatch_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/config"
	"postrider/hooks"
)

// BenchmarkRecordingOutcomes times what recording one sent message costs
// the database: the recorder's UPDATE of its delivery (as send.go's save
// writes it, in transactions of 25 as 50 workers fill them), against
// 100,000 clients, with and without the bounce triggers of migration
// 1795660011 (a sent message looks its client up to reset a streak). One op
// is one outcome; cpu-µs/op is the process's CPU time for it, which a
// machine busy with other work disturbs less than the wall time.
func BenchmarkRecordingOutcomes(b *testing.B) {
	for _, triggers := range []bool{true, false} {
		name := "with bounce triggers"
		if !triggers {
			name = "without"
		}
		b.Run(name, func(b *testing.B) { benchRecording(b, triggers) })
	}
}

func benchRecording(b *testing.B, triggers bool) {
	app, err := tests.NewTestApp(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer app.Cleanup()
	hooks.Register(app, config.Config{})
	if !triggers {
		for _, name := range []string{"deliveries_bounce", "deliveries_bounce_reset"} {
			if _, err := app.NonconcurrentDB().NewQuery("DROP TRIGGER " + name).Execute(); err != nil {
				b.Fatal(err)
			}
		}
	}
	const clients = 100000
	now := types.NowDateTime().String()
	for _, q := range []string{
		`INSERT INTO users (id, email, password, tokenKey, verified, emailVisibility, name, avatar, role, blocked, timezone, created, updated)
		 VALUES ('benchowner0001', 'owner@bench.test', 'x', 'benchtokenkeybenchtokenkeybenchtokenkey', 1, 0, '', '', 'user', 0, 'UTC', {:now}, {:now})`,
		`INSERT INTO clients (id, owner, email, name, comment, lists, unsubscribed, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {:clients} - 1)
		 SELECT printf('c%014d', i), 'benchowner0001', printf('c%d@bench.test', i), '', '', '[]', 0, {:now}, {:now} FROM seq`,
		`INSERT INTO deliveries (id, owner, mailing, run, schedule, client, email, run_at, status, attempts, response, message_id, sent_at, created, updated)
		 WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {:n} - 1)
		 SELECT printf('d%014d', i), 'benchowner0001', 'benchmailing01', 'benchrun000001', 'benchschedule1', printf('c%014d', i % {:clients}),
		        printf('c%d@bench.test', i % {:clients}), {:now}, 'pending', 0, '', '', '', {:now}, {:now} FROM seq`,
	} {
		if _, err := app.NonconcurrentDB().NewQuery(q).Bind(dbx.Params{"now": now, "clients": clients, "n": b.N}).Execute(); err != nil {
			b.Fatal(err)
		}
	}
	var rows []struct {
		RowID int64  `db:"rowid"`
		ID    string `db:"id"`
	}
	if err := app.DB().NewQuery("SELECT rowid, id FROM deliveries ORDER BY rowid").All(&rows); err != nil {
		b.Fatal(err)
	}

	cpu0 := cpuTime()
	b.ResetTimer()
	const batch = 25
	for start := 0; start < len(rows); start += batch {
		err := app.RunInTransaction(func(tx core.App) error {
			q := tx.DB().NewQuery(`
				UPDATE deliveries SET status = {:status}, attempts = {:attempts}, response = {:response},
				       unconfirmed = {:unconfirmed}, sent_at = {:sentAt}, updated = {:now}
				WHERE rowid = {:rowid} AND id = {:id} AND status = 'pending'`).Prepare()
			defer q.Close()
			at := time.Now().UTC().Format(types.DefaultDateLayout)
			for _, r := range rows[start:min(start+batch, len(rows))] {
				if _, err := q.Bind(dbx.Params{"rowid": r.RowID, "id": r.ID, "status": "sent", "attempts": 1,
					"response": "250 2.0.0 Ok: queued as 4Xk9", "unconfirmed": false, "sentAt": at, "now": at}).Execute(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// cpuTime is the CPU time the process used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
