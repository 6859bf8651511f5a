package hooks_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/benchkit"
)

// BenchmarkCalendar times GET /api/postrider/calendar at the scale of
// issue 27's target (under 50 ms): a sender with 100,000 clients in 10
// lists and 50 mailings, each of a list and a few hand-picked clients,
// with a daily window (weekdays only for every other one) and a weekly
// one; a month asked for, about 2,000 occurrences. Also the moderator's
// all=1 over the same service. Through SQLite's C library, as the binary
// talks to it (internal/sqlitedb); cpu-ms/op is the process's CPU time a
// request, which other work on the machine disturbs less than wall time.
func BenchmarkCalendar(b *testing.B) {
	app := newBenchApp(b)
	now := types.NowDateTime()
	steps := append(benchSender("Europe/Berlin"),
		`INSERT INTO clients (id, owner, email, name, lists, unsubscribed, bouncing, created, updated) `+benchSeq("100000")+
			`SELECT printf('c%014d', i), 'u00000000000000', printf('c%d@example.com', i), 'Client',
			        '["' || printf('l%014d', i % 10) || '"]', i % 50 = 0, i % 97 = 0, {:now}, {:now} FROM seq`,
		`INSERT INTO mailings (id, owner, subject, body, lists, clients, status, created, updated) `+benchSeq("50")+
			`SELECT printf('m%014d', i), 'u00000000000000', printf('News %d', i), '<p>news</p>',
			        '["' || printf('l%014d', i % 10) || '"]', printf('["c%014d","c%014d","c%014d"]', i * 7 + 1, i * 7 + 2, i * 7 + 3),
			        'running', {:now}, {:now} FROM seq`,
		`INSERT INTO schedules (id, mailing, starts_at, ends_at, period, weekdays, next_run_at, created, updated) `+benchSeq("50")+
			`SELECT printf('s%014d', i), printf('m%014d', i), {:start}, {:end}, 'daily',
			        CASE WHEN i % 2 = 0 THEN '["mon","tue","wed","thu","fri"]' ELSE '[]' END, {:start}, {:now}, {:now} FROM seq`,
		`INSERT INTO schedules (id, mailing, starts_at, ends_at, period, weekdays, next_run_at, created, updated) `+benchSeq("50")+
			`SELECT printf('w%014d', i), printf('m%014d', i), {:start}, {:end}, 'weekly', '[]', {:start}, {:now}, {:now} FROM seq`,
		`ANALYZE`,
	)
	start := now.Add(time.Hour)
	params := dbx.Params{"now": now.String(), "start": start.String(), "end": now.Add(90 * 24 * time.Hour).String()}
	for _, q := range steps {
		if _, err := app.NonconcurrentDB().NewQuery(q).Bind(params).Execute(); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	token := func(id string) string {
		r, err := app.FindRecordById("users", id)
		if err != nil {
			b.Fatal(err)
		}
		t, err := r.NewAuthToken()
		if err != nil {
			b.Fatal(err)
		}
		return t
	}
	api := newAPI(b, app)
	month := "from=" + now.Time().Format(time.DateOnly) + "&to=" + now.Time().AddDate(0, 1, 0).Format(time.DateOnly)
	for _, c := range []struct{ name, token, url string }{
		{"sender", token("u00000000000000"), "/api/postrider/calendar?" + month},
		{"moderator-all", token("u00000000000001"), "/api/postrider/calendar?all=1&" + month},
	} {
		b.Run(c.name, func(b *testing.B) {
			var answer struct{ Items []any }
			_, out := api.do(http.MethodGet, c.url, c.token, "")
			if err := json.Unmarshal([]byte(out), &answer); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(answer.Items)), "occurrences")
			cpu := benchkit.CPUTime()
			for range b.N {
				if status, out := api.do(http.MethodGet, c.url, c.token, ""); status != 200 {
					b.Fatalf("%d %s", status, out)
				}
			}
			b.ReportMetric(float64((benchkit.CPUTime()-cpu).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
		})
	}
}
