package dispatch_test

import (
	"os"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/config"
	"postrider/hooks"
	"postrider/internal/benchkit"
)

// BenchmarkRecordingOutcomes weighs what the bounces (migration 1795660011)
// add to recording a sent message: SQLite checks whether the delivery
// belongs in the partial indexes of refused and of skipped deliveries. It
// times the recorder's UPDATE of a delivery, as send.go's save writes it, in
// transactions of 25 as 50 workers fill them, against 100,000 clients, in
// two data dirs, one as the migrations leave it and one without those two
// indexes, taking turns a chunk at a time (each first every other chunk) so that a machine whose speed
// wanders weighs on both alike. One op is one outcome in each; cpu-µs/op is
// the process's CPU time for it, which other work on the machine disturbs
// less than wall time. Set BOUNCE_TRIGGER=1 to weigh instead the trigger
// that was tried first and dropped (it doubled the cost), SENDER_REFUSED=1
// the partial index of the refusals held against the sender alone
// (migration 1795660031_b: "without" lacks only that one).
func BenchmarkRecordingOutcomes(b *testing.B) {
	// the data dir made second runs slower here, by a fifth with the same
	// schema in both: FLIP=1 makes the other first, and the figures are the
	// mean of both orders
	var with, without *recording
	if os.Getenv("FLIP") != "" {
		without, with = newRecording(b, b.N, false), newRecording(b, b.N, true)
	} else {
		with, without = newRecording(b, b.N, true), newRecording(b, b.N, false)
	}
	var cpuWith, cpuWithout time.Duration
	b.ResetTimer()
	const chunk = 2500
	for start := 0; start < b.N; start += chunk {
		end := min(start+chunk, b.N)
		// each goes first every other chunk: the second pays for the
		// garbage the first left
		if start/chunk%2 == 0 {
			cpuWith += with.record(b, start, end)
			cpuWithout += without.record(b, start, end)
		} else {
			cpuWithout += without.record(b, start, end)
			cpuWith += with.record(b, start, end)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuWith.Nanoseconds())/1e3/float64(b.N), "cpu-µs/op-with")
	b.ReportMetric(float64(cpuWithout.Nanoseconds())/1e3/float64(b.N), "cpu-µs/op-without")
}

type recording struct {
	app  *tests.TestApp
	rows []struct {
		RowID int64  `db:"rowid"`
		ID    string `db:"id"`
	}
}

// newRecording seeds a data dir with 100,000 clients and n pending
// deliveries to them, with the bounces' partial indexes of deliveries or
// without them.
func newRecording(b *testing.B, n int, bounces bool) *recording {
	app, err := tests.NewTestApp(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(app.Cleanup)
	hooks.Register(app, config.Config{})
	var schema []string
	switch {
	case !bounces && os.Getenv("SENDER_REFUSED") != "":
		schema = []string{"DROP INDEX idx_deliveries_sender_refused"}
	case !bounces:
		schema = []string{"DROP INDEX idx_deliveries_refused", "DROP INDEX idx_deliveries_skipped"}
	case os.Getenv("BOUNCE_TRIGGER") != "":
		schema = []string{`CREATE TRIGGER deliveries_bounce_reset AFTER UPDATE OF status ON deliveries
			WHEN NEW.status = 'sent' AND OLD.status != 'sent'
			BEGIN UPDATE clients SET bounces = 0 WHERE id = NEW.client AND bounces > 0; END`}
	}
	for _, q := range schema {
		if _, err := app.NonconcurrentDB().NewQuery(q).Execute(); err != nil {
			b.Fatal(err)
		}
	}
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
		if _, err := app.NonconcurrentDB().NewQuery(q).Bind(dbx.Params{"now": now, "clients": 100000, "n": n}).Execute(); err != nil {
			b.Fatal(err)
		}
	}
	r := &recording{app: app}
	if err := app.DB().NewQuery("SELECT rowid, id FROM deliveries ORDER BY rowid").All(&r.rows); err != nil {
		b.Fatal(err)
	}
	return r
}

// record marks deliveries [start, end) sent, 25 a transaction, and returns
// the CPU time it took.
func (r *recording) record(b *testing.B, start, end int) time.Duration {
	cpu := benchkit.CPUTime()
	const batch = 25
	for from := start; from < end; from += batch {
		err := r.app.RunInTransaction(func(tx core.App) error {
			q := tx.DB().NewQuery(`
				UPDATE deliveries SET status = {:status}, attempts = {:attempts}, response = {:response},
				       unconfirmed = {:unconfirmed}, sent_at = {:sentAt}, updated = {:now}
				WHERE rowid = {:rowid} AND id = {:id} AND status = 'pending'`).Prepare()
			defer q.Close()
			at := time.Now().UTC().Format(types.DefaultDateLayout)
			for _, d := range r.rows[from:min(from+batch, end)] {
				if _, err := q.Bind(dbx.Params{"rowid": d.RowID, "id": d.ID, "status": "sent", "attempts": 1,
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
	return benchkit.CPUTime() - cpu
}
