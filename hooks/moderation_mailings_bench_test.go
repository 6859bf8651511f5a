package hooks_test

import (
	"net/http"
	"os"
	"strconv"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/benchkit"
)

// BenchmarkModerationMailings times the moderators' mailing list, a page
// of 30, at issue 29's scale (under 50 ms): one sender with 1,000,000
// clients (BENCH_CLIENTS sets another number) in 10 lists, a tenth of them
// in two, 2 % unsubscribed, 1 % bouncing, and 40 mailings, each of one or
// two lists and three picked clients, every fourth sent once per client
// to 1,000 clients already. Through SQLite's C library, as the binary
// talks to it; cpu-ms/op is the process's CPU time a request.
func BenchmarkModerationMailings(b *testing.B) {
	clients := 1000000
	if v := os.Getenv("BENCH_CLIENTS"); v != "" {
		var err error
		if clients, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	app := newBenchApp(b)
	list := func(i string) string { return `printf('"l%014d"', ` + i + `)` }
	for _, q := range append(benchSender("UTC"),
		`INSERT INTO clients (id, owner, email, name, lists, unsubscribed, bouncing, created, updated) `+benchSeq("{:clients}")+
			`SELECT printf('c%014d', i), 'u00000000000000', printf('c%d@example.com', i), 'Client',
			        CASE WHEN i % 10 = 0 THEN '[' || `+list("i % 10")+` || ',' || `+list("(i / 10) % 10")+` || ']'
			             ELSE '[' || `+list("i % 10")+` || ']' END,
			        i % 50 = 1, i % 97 = 2, {:now}, {:now} FROM seq`,
		`INSERT INTO mailings (id, owner, subject, body, lists, clients, status, once_per_client, created, updated) `+benchSeq("40")+
			`SELECT printf('m%014d', i), 'u00000000000000', printf('News %d', i), '<p>news</p>',
			        CASE WHEN i % 3 = 0 THEN '[' || `+list("i % 10")+` || ',' || `+list("(i + 5) % 10")+` || ']'
			             ELSE '[' || `+list("i % 10")+` || ']' END,
			        printf('["c%014d","c%014d","c%014d"]', i * 7 + 1, i * 7 + 2, i * 7 + 3),
			        'running', i % 4 = 0, {:now}, {:now} FROM seq`,
		`INSERT INTO _postrider_reached (mailing, client) `+benchSeq("1000")+
			`SELECT printf('m%014d', m.i * 4), printf('c%014d', seq.i * 10 + m.i) FROM seq, (`+benchSeq("10")+`SELECT i FROM seq) m`,
		`ANALYZE`,
	) {
		if _, err := app.NonconcurrentDB().NewQuery(q).Bind(dbx.Params{"now": types.NowDateTime().String(), "clients": clients}).Execute(); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	moderator, err := app.FindRecordById("users", "u00000000000001")
	if err != nil {
		b.Fatal(err)
	}
	token, err := moderator.NewAuthToken()
	if err != nil {
		b.Fatal(err)
	}
	api := newAPI(b, app)
	const url = "/api/postrider/moderation/mailings"
	cpu := benchkit.CPUTime()
	for b.Loop() {
		if status, out := api.do(http.MethodGet, url, token, ""); status != 200 {
			b.Fatalf("%d %s", status, out)
		}
	}
	b.ReportMetric(float64((benchkit.CPUTime()-cpu).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
}
