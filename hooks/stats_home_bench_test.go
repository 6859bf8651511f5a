package hooks_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"
)

// The scale of the home page's target (issue 8): 100,000 clients and
// 1,000,000 deliveries, of 100 users with 1,000 clients in one list each,
// 10 mailings each and 1,000 runs of 1,000 messages over the last 60 days.
const (
	benchUsers      = 100
	benchClients    = 1000 // per user
	benchMailings   = 10   // per user
	benchRunsPerDay = 1000 / 60
)

// seedScale writes the data with bulk SQL and returns a moderator's token
// and that of the first user.
func seedScale(b *testing.B, app *tests.TestApp) (mod, user string) {
	now := types.NowDateTime()
	steps := []string{
		`INSERT INTO users (id, email, password, tokenKey, verified, name, role, blocked, timezone, created, updated) ` + benchSeq("{:users}") +
			`SELECT printf('u%014d', i), printf('user%d@bench.test', i), 'x', printf('key%040d', i), 1, printf('User %d', i), 'user', i % 10 = 9, 'UTC', {:now}, {:now} FROM seq`,
		`INSERT INTO lists (id, owner, name, created, updated) ` + benchSeq("{:users}") +
			`SELECT printf('l%014d', i), printf('u%014d', i), 'All', {:now}, {:now} FROM seq`,
		`INSERT INTO clients (id, owner, email, name, lists, unsubscribed, created, updated) ` + benchSeq("{:users} * {:clients}") +
			`SELECT printf('c%014d', i), printf('u%014d', i / {:clients}), printf('c%d@example.com', i), 'Client', 
			        '["' || printf('l%014d', i / {:clients}) || '"]', i % 50 = 0, {:now}, {:now} FROM seq`,
		`INSERT INTO mailings (id, owner, subject, body, lists, clients, status, stopped, created, updated) ` + benchSeq("{:users} * {:mailings}") +
			`SELECT printf('m%014d', i), printf('u%014d', i / {:mailings}), printf('News %d', i), '<p>news</p>',
			        '["' || printf('l%014d', i / {:mailings}) || '"]', '[]', 'running', i % 7 = 0, {:now}, {:now} FROM seq`,
		`INSERT INTO schedules (id, mailing, starts_at, ends_at, period, next_run_at, created, updated) ` + benchSeq("{:users} * {:mailings}") +
			`SELECT printf('s%014d', i), printf('m%014d', i), {:past}, {:end}, 'daily', {:tomorrow}, {:now}, {:now} FROM seq`,
		// run i: mailing i % 1000, started i / runsPerDay days ago, 1,000
		// messages of which the user's share fails (user k fails k per mille)
		`INSERT INTO runs (id, owner, mailing, schedule, run_at, status, total, sent, failed, started_at, finished_at, created, updated) ` + benchSeq("1000") +
			`SELECT printf('r%014d', i), printf('u%014d', (i % 1000) / {:mailings}), printf('m%014d', i % 1000), printf('s%014d', i % 1000),
			        strftime('%Y-%m-%d %H:%M:%fZ', 'now', printf('-%d days', i / {:perDay})), 'done', 1000,
			        1000 - (i % 1000) / {:mailings}, (i % 1000) / {:mailings},
			        strftime('%Y-%m-%d %H:%M:%fZ', 'now', printf('-%d days', i / {:perDay})), '', {:now}, {:now} FROM seq`,
		`INSERT INTO deliveries (id, owner, mailing, run, schedule, client, email, run_at, status, attempts, sent_at, created, updated) ` + benchSeq("1000000") +
			`SELECT printf('d%014d', i), printf('u%014d', ((i / 1000) % 1000) / {:mailings}), printf('m%014d', (i / 1000) % 1000),
			        printf('r%014d', i / 1000), printf('s%014d', (i / 1000) % 1000), printf('c%014d', i % 1000), 'c@example.com',
			        {:now}, 'sent', 1, {:now}, {:now}, {:now} FROM seq`,
	}
	params := dbx.Params{
		"users": benchUsers, "clients": benchClients, "mailings": benchMailings, "perDay": benchRunsPerDay,
		"now": now.String(), "past": now.Add(-90 * 24 * time.Hour).String(),
		"tomorrow": now.Add(24 * time.Hour).String(), "end": now.Add(90 * 24 * time.Hour).String(),
	}
	for _, q := range steps {
		if _, err := app.NonconcurrentDB().NewQuery(q).Bind(params).Execute(); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	if _, err := app.NonconcurrentDB().NewQuery("ANALYZE").Execute(); err != nil {
		b.Fatal(err)
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
	if _, err := app.NonconcurrentDB().Update("users", dbx.Params{"role": "moderator"}, dbx.HashExp{"id": "u00000000000001"}).Execute(); err != nil {
		b.Fatal(err)
	}
	return token("u00000000000001"), token("u00000000000000")
}

// BenchmarkStats times GET /api/postrider/stats at the target's scale
// (target: under 50 ms): a user's numbers, and a moderator's with the
// whole service's.
func BenchmarkStats(b *testing.B) {
	app := newBenchApp(b)
	mod, user := seedScale(b, app)
	api := newAPI(b, app)
	for _, c := range []struct{ name, token, url string }{
		{"user", user, "/api/postrider/stats"},
		{"moderator", mod, "/api/postrider/stats"},
		{"moderation-users", mod, "/api/postrider/moderation/users"},
		{"moderation-mailings", mod, "/api/postrider/moderation/mailings"},
		// a page of the queue: 30 mailings waiting of 30 owners, each
		// rendered and counted (approval.go)
		{"moderation-approvals", mod, "/api/postrider/moderation/approvals"},
	} {
		if c.name == "moderation-approvals" {
			if _, err := app.NonconcurrentDB().NewQuery(`UPDATE mailings SET approval = 'pending' WHERE id IN (SELECT id FROM mailings WHERE id LIKE '%0' ORDER BY id LIMIT 30)`).Execute(); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				if status, out := api.do(http.MethodGet, c.url, c.token, ""); status != 200 {
					b.Fatalf("%d %s", status, out)
				}
			}
		})
	}
}
