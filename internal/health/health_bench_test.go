package health

import (
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/config"
	_ "postrider/migrations"
)

// One sender's 1,000,000 deliveries, all in the last 7 days (the most the
// window can hold for them): 100 runs of 10,000 messages, 1 % of them hard
// bounces, 0.2 % complaints and 0.5 % refusals held against the sender.
// The figures read the runs of the window and the bounced and refused
// deliveries alone (partial indexes), never the million.
func BenchmarkHealthOfAMillionDeliveries(b *testing.B) {
	app, err := tests.NewTestApp(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer app.Cleanup()
	now := types.NowDateTime()
	seq := func(n string) string {
		return "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < " + n + " - 1) "
	}
	steps := []string{
		`INSERT INTO users (id, email, password, tokenKey, verified, name, role, timezone, created, updated)
		 VALUES ('benchuser000001', 'sender@bench.test', 'x', 'key', 1, 'Sender', 'user', 'UTC', {:now}, {:now})`,
		`INSERT INTO mailings (id, owner, subject, body, lists, clients, status, created, updated)
		 VALUES ('benchmailing001', 'benchuser000001', 'News', '<p>news</p>', '[]', '[]', 'running', {:now}, {:now})`,
		`INSERT INTO runs (id, owner, mailing, schedule, run_at, status, total, sent, failed, started_at, created, updated) ` + seq("100") +
			`SELECT printf('r%014d', i), 'benchuser000001', 'benchmailing001', printf('s%014d', i),
			        strftime('%Y-%m-%d %H:%M:%fZ', 'now', printf('-%d minutes', i * 90)), 'done', 10000, 9950, 50,
			        strftime('%Y-%m-%d %H:%M:%fZ', 'now', printf('-%d minutes', i * 90)), {:now}, {:now} FROM seq`,
		`INSERT INTO deliveries (id, owner, mailing, run, schedule, client, email, run_at, status, attempts, response, bounce, bounced_at, sent_at, created, updated) ` + seq("1000000") +
			`SELECT printf('d%014d', i), 'benchuser000001', 'benchmailing001', printf('r%014d', i / 10000), printf('s%014d', i / 10000),
			        printf('c%014d', i % 10000), 'c@example.com', {:now},
			        CASE WHEN i % 200 = 7 THEN 'failed' ELSE 'sent' END, 1,
			        CASE WHEN i % 200 = 7 THEN '554 5.7.1 Rejected as spam (in reply to end of DATA: not held against the address)' ELSE '250 ok' END,
			        CASE WHEN i % 100 = 3 THEN 'hard' WHEN i % 500 = 5 THEN 'complaint' ELSE '' END,
			        CASE WHEN i % 100 = 3 OR i % 500 = 5 THEN {:now} ELSE '' END,
			        {:now}, {:now}, {:now} FROM seq`,
		`ANALYZE`,
	}
	start := time.Now()
	for _, q := range steps {
		if _, err := app.NonconcurrentDB().NewQuery(q).Bind(dbx.Params{"now": now.String()}).Execute(); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	b.Logf("seeded 1,000,000 deliveries in %s", time.Since(start).Round(time.Second))

	f, err := Of(app, "benchuser000001", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	if f != (Figures{Sent: 995000, Hard: 10000, Complaints: 2000, Refused: 5000}) {
		b.Fatalf("figures %+v", f)
	}
	b.Logf("plan: %s", planOf(b, app))

	limits := config.Health{MaxComplaintRate: 0.003, MaxBounceRate: 0.05} // 0.2 % and 1.5 %: nothing stops
	b.Run("figures", func(b *testing.B) {
		for b.Loop() {
			if _, err := Of(app, "benchuser000001", time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("check on a report", func(b *testing.B) {
		for b.Loop() {
			if n, err := Stop(app, limits, "benchuser000001", time.Now()); err != nil || n != 0 {
				b.Fatal(n, err)
			}
		}
	})
}
