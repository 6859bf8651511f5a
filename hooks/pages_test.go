package hooks_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/dispatch"
	"postrider/hooks"
)

// The routes that feed the pages of a large sender (issue 11): the log's
// table, the lists' counts, a mailing's reach and the two streamed exports.

// aliceLog gives alice, besides her sent delivery of the fixture, a run of
// her first mailing that started two days ago with n deliveries, one a
// second: every tenth failed (no sent_at), the rest sent; the run done,
// its counters kept.
func aliceLog(n int) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		start := time.Now().UTC().AddDate(0, 0, -2).Truncate(24 * time.Hour).Add(9 * time.Hour)
		julian := float64(start.UnixMilli())/86400000.0 + 2440587.5
		at := "strftime('%Y-%m-%d %H:%M:%fZ', {:start})"
		failed := n / 10
		_, err := app.DB().NewQuery(`INSERT INTO runs (id, owner, mailing, run_at, status, total, sent, failed, started_at, finished_at, created, updated)
			VALUES ('alicerunlarge01', {:owner}, {:mailing}, ` + at + `, 'done', {:n}, {:sent}, {:failed}, ` + at + `, ` + at + `, ` + at + `, ` + at + `)`).
			Bind(dbx.Params{"owner": aliceID, "mailing": aliceMailing, "start": julian, "n": n, "sent": n - failed, "failed": failed}).Execute()
		if err != nil {
			t.Fatal(err)
		}
		_, err = app.DB().NewQuery(`INSERT INTO deliveries (id, owner, mailing, run, client, email, run_at, status, attempts, response, sent_at, created, updated)
			WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {:n} - 1),
			     d(i, at) AS (SELECT i, {:start} + i / 86400.0 FROM seq)
			SELECT printf('ad%013d', i), {:owner}, {:mailing}, 'alicerunlarge01', printf('c%d', i), printf('r%05d@example.com', i),
			       strftime('%Y-%m-%d %H:%M:%fZ', {:start}), CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'sent' END, 1,
			       CASE WHEN i % 10 = 0 THEN '550 no such user' ELSE '=250 ok' END,
			       CASE WHEN i % 10 = 0 THEN '' ELSE strftime('%Y-%m-%d %H:%M:%fZ', at) END,
			       strftime('%Y-%m-%d %H:%M:%fZ', at), strftime('%Y-%m-%d %H:%M:%fZ', at)
			FROM d`).Bind(dbx.Params{"owner": aliceID, "mailing": aliceMailing, "start": julian, "n": n}).Execute()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// countMax lowers what the log with dates counts to n for one scenario,
// then runs before.
func countMax(n int, before func(testing.TB, *tests.TestApp, *core.ServeEvent)) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		t.Cleanup(hooks.SetLogCountMax(n))
		before(t, app, e)
	}
}

func day(offset int) string { return time.Now().UTC().AddDate(0, 0, offset).Format("2006-01-02") }

type logPage struct {
	Page, PerPage, TotalItems, TotalPages int
	Items                                 []struct{ ID, Email, Status, SentAt, Updated string }
}

func logOf(t testing.TB, res *http.Response) logPage {
	var p logPage
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("not a page of the log: %v\n%s", err, raw)
	}
	return p
}

func TestDeliveriesLog(t *testing.T) {
	const url = "/api/postrider/deliveries/log"
	alice := map[string]string{"Authorization": tokens["alice"]}
	page := func(check func(testing.TB, logPage)) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, _ *tests.TestApp, res *http.Response) { check(t, logOf(t, res)) }
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "anonymous is refused", Method: http.MethodGet, URL: url, TestAppFactory: newTestApp,
			ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, NotExpectedContent: []string{aliceDelivery},
		},
		{
			Name: "alice's newest first, counted from her runs, never bob's", Method: http.MethodGet, URL: url + "?perPage=5",
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: aliceLog(100),
			ExpectedStatus: 200, ExpectedContent: []string{aliceDelivery}, NotExpectedContent: []string{bobDelivery, "bob-client"},
			AfterTestFunc: page(func(t testing.TB, p logPage) {
				// the fixture's delivery is sent tomorrow: the newest
				if p.TotalItems != 101 || p.TotalPages != 21 || len(p.Items) != 5 || p.Items[0].ID != aliceDelivery || p.Items[1].Email != "r00099@example.com" {
					t.Errorf("the first page: %+v", p)
				}
			}),
		},
		{
			Name: "the last page ends with the failed ones, newest first", Method: http.MethodGet, URL: url + "?perPage=20&page=6",
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: aliceLog(100),
			ExpectedStatus: 200, ExpectedContent: []string{`"page":6`},
			AfterTestFunc: page(func(t testing.TB, p logPage) {
				if p.TotalItems != 101 || len(p.Items) != 1 || p.Items[0].Email != "r00000@example.com" || p.Items[0].Status != "failed" {
					t.Errorf("the last page: %+v", p)
				}
			}),
		},
		{
			Name: "a run whose deliveries the retention deleted counts for nothing", Method: http.MethodGet, URL: url,
			Headers: alice, TestAppFactory: newTestApp,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				aliceLog(100)(t, app, e) // a run that finished two days ago
				if n, _, err := dispatch.PruneLog(context.Background(), app, 1, time.Now()); err != nil || n != 100 {
					t.Fatalf("pruned %d, %v", n, err)
				}
			},
			ExpectedStatus: 200, ExpectedContent: []string{aliceDelivery},
			AfterTestFunc: page(func(t testing.TB, p logPage) {
				if p.TotalItems != 1 || len(p.Items) != 1 {
					t.Errorf("total %d, %d rows; want the fixture's one", p.TotalItems, len(p.Items))
				}
			}),
		},
		{
			Name: "status failed", Method: http.MethodGet, URL: url + "?status=failed",
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: aliceLog(100),
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":10`},
			AfterTestFunc: page(func(t testing.TB, p logPage) {
				if p.TotalItems != 10 || len(p.Items) != 10 || p.Items[0].Email != "r00090@example.com" || p.Items[9].Email != "r00000@example.com" {
					t.Errorf("the failed ones: %+v", p)
				}
			}),
		},
		{
			Name: "dates: the sent ones of the range, then the failed ones, counted by index", Method: http.MethodGet,
			URL:     url + "?perPage=50&page=2&from=" + day(-3) + "&to=" + day(-1),
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: aliceLog(100),
			ExpectedStatus: 200, NotExpectedContent: []string{aliceDelivery},
			AfterTestFunc: page(func(t testing.TB, p logPage) {
				// 90 sent, then 10 failed: the second page of 50 holds the
				// last 40 sent and the 10 failed
				if p.TotalItems != 100 || len(p.Items) != 50 || p.Items[39].Email != "r00001@example.com" ||
					p.Items[40].Email != "r00090@example.com" || p.Items[49].Email != "r00000@example.com" {
					t.Errorf("the range's second page: total %d, %d rows, %+v", p.TotalItems, len(p.Items), p.Items)
				}
			}),
		},
		{
			// page 6 of 20 by the last row of page 5 (r00010, failed)
			Name: "after a row: the page that follows it, as by its number", Method: http.MethodGet,
			URL:     url + "?perPage=20&page=6&after=ad0000000000010",
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: aliceLog(100),
			ExpectedStatus: 200, ExpectedContent: []string{`"page":6`},
			AfterTestFunc: page(func(t testing.TB, p logPage) {
				if p.TotalItems != 101 || p.TotalPages != 6 || len(p.Items) != 1 || p.Items[0].Email != "r00000@example.com" {
					t.Errorf("after the last row of page 5: %+v", p)
				}
			}),
		},
		{
			Name: "after a row, one mailing, deep in the log", Method: http.MethodGet,
			URL:     url + "?perPage=3&page=2&mailing=" + aliceMailing + "&after=ad0000000000050",
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: aliceLog(100),
			ExpectedStatus: 200, NotExpectedContent: []string{aliceDelivery},
			AfterTestFunc: page(func(t testing.TB, p logPage) {
				// r00050 is failed: the sent ones are before it, then the
				// older failed ones, newest first
				if len(p.Items) != 3 || p.Items[0].Email != "r00040@example.com" || p.Items[2].Email != "r00020@example.com" {
					t.Errorf("after a failed one: %+v", p.Items)
				}
			}),
		},
		{
			Name: "after a row, with dates: the rest of the sent ones, then the failed ones", Method: http.MethodGet,
			URL:     url + "?perPage=50&page=2&from=" + day(-3) + "&to=" + day(-1) + "&after=ad0000000000045",
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: aliceLog(100),
			ExpectedStatus: 200, ExpectedContent: []string{`"page":2`},
			AfterTestFunc: page(func(t testing.TB, p logPage) {
				// 40 sent older than r00045 (r00044 … r00001 but the
				// failed ones), then the 10 failed
				if p.TotalItems != 100 || len(p.Items) != 50 || p.Items[0].Email != "r00044@example.com" ||
					p.Items[39].Email != "r00001@example.com" || p.Items[40].Email != "r00090@example.com" {
					t.Errorf("the range after r00045: total %d, %d rows, %+v", p.TotalItems, len(p.Items), p.Items)
				}
			}),
		},
		{
			// past what the log counts (lowered to 30 here, 10,000 in use)
			// the page says nothing of a total, and its rows are the same
			Name: "dates past the count: no total, the same rows", Method: http.MethodGet,
			URL:     url + "?perPage=20&page=1&from=" + day(-3) + "&to=" + day(-1),
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: countMax(30, aliceLog(100)),
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":-1`, `"totalPages":-1`},
			AfterTestFunc: page(func(t testing.TB, p logPage) {
				if len(p.Items) != 20 || p.Items[0].Email != "r00099@example.com" || p.Items[19].Email != "r00078@example.com" {
					t.Errorf("the range's first page: %d rows, %+v", len(p.Items), p.Items)
				}
			}),
		},
		{
			// page 2 of 50 by its number needs the 90 sent ones counted
			// (to know where the failed ones start): then it has its total
			Name: "dates past the count, a page by its number across the failed ones", Method: http.MethodGet,
			URL:     url + "?perPage=50&page=2&from=" + day(-3) + "&to=" + day(-1),
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: countMax(30, aliceLog(100)),
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":100`},
			AfterTestFunc: page(func(t testing.TB, p logPage) {
				if len(p.Items) != 50 || p.Items[39].Email != "r00001@example.com" || p.Items[40].Email != "r00090@example.com" {
					t.Errorf("the range's second page: %d rows, %+v", len(p.Items), p.Items)
				}
			}),
		},
		{
			Name: "dates past the count, after a row: the rest of the sent ones, then the failed ones", Method: http.MethodGet,
			URL:     url + "?perPage=50&page=2&from=" + day(-3) + "&to=" + day(-1) + "&after=ad0000000000045",
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: countMax(30, aliceLog(100)),
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":-1`},
			AfterTestFunc: page(func(t testing.TB, p logPage) {
				if len(p.Items) != 50 || p.Items[0].Email != "r00044@example.com" ||
					p.Items[39].Email != "r00001@example.com" || p.Items[40].Email != "r00090@example.com" {
					t.Errorf("the range after r00045: %d rows, %+v", len(p.Items), p.Items)
				}
			}),
		},
		{
			// bob's row is no cursor for alice: the page by its number
			Name: "after another user's row: alice's page by its number", Method: http.MethodGet,
			URL:     url + "?perPage=5&page=1&after=" + bobDelivery,
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: aliceLog(100),
			ExpectedStatus: 200, ExpectedContent: []string{aliceDelivery}, NotExpectedContent: []string{bobDelivery, "bob-client"},
		},
		{
			Name: "one mailing of bob's: nothing for alice", Method: http.MethodGet, URL: url + "?mailing=" + bobMailing,
			Headers: alice, TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`, `"items":[]`}, NotExpectedContent: []string{bobDelivery},
		},
		{
			Name: "a bad date names the field", Method: http.MethodGet, URL: url + "?from=yesterday",
			Headers: alice, TestAppFactory: newTestApp,
			ExpectedStatus: 400, ExpectedContent: []string{`"from"`, `"validation_invalid_date"`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestDailyFromRuns(t *testing.T) {
	scenarios := []tests.ApiScenario{
		{
			Name: "anonymous is refused", Method: http.MethodGet, URL: "/api/postrider/deliveries/daily", TestAppFactory: newTestApp,
			ExpectedStatus: 401, ExpectedContent: []string{`"status":401`},
		},
		{
			Name: "alice's days from her runs' counters, not bob's", Method: http.MethodGet, URL: "/api/postrider/deliveries/daily?from=" + day(-7),
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp, BeforeTestFunc: aliceLog(100),
			ExpectedStatus: 200, ExpectedContent: []string{`[{"day":"` + day(-2) + `","sent":90,"failed":10}]`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestListCounts(t *testing.T) {
	const url = "/api/postrider/lists/counts"
	scenarios := []tests.ApiScenario{
		{
			Name: "anonymous is refused", Method: http.MethodGet, URL: url, TestAppFactory: newTestApp,
			ExpectedStatus: 401, NotExpectedContent: []string{aliceList},
		},
		{
			// her first client is in both lists; the unsubscribed one counts
			Name: "alice's lists, each client in every list it is in", Method: http.MethodGet, URL: url,
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp, BeforeTestFunc: moreOfAlice,
			ExpectedStatus: 200, ExpectedContent: []string{`"` + aliceList + `":1`, `"` + aliceList2 + `":3`},
			NotExpectedContent: []string{bobList},
		},
		{
			Name: "bob's only", Method: http.MethodGet, URL: url,
			Headers: map[string]string{"Authorization": tokens["bob"]}, TestAppFactory: newTestApp, BeforeTestFunc: moreOfAlice,
			ExpectedStatus: 200, ExpectedContent: []string{`{"` + bobList + `":1}`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestMailingReach(t *testing.T) {
	const url = "/api/postrider/mailings/reach"
	body := func(lists, clients []string) io.Reader {
		raw, _ := json.Marshal(map[string]any{"lists": lists, "clients": clients})
		return strings.NewReader(string(raw))
	}
	alice := map[string]string{"Authorization": tokens["alice"]}
	scenarios := []tests.ApiScenario{
		{
			Name: "anonymous is refused", Method: http.MethodPost, URL: url, Body: body([]string{aliceList}, nil), TestAppFactory: newTestApp,
			ExpectedStatus: 401, ExpectedContent: []string{`"status":401`},
		},
		{
			// as the mailings page counts her two-list mailing
			Name: "two lists and picked clients, each subscribed client once", Method: http.MethodPost, URL: url,
			Body: body([]string{aliceList, aliceList2}, []string{aliceClient, aliceClient2}), Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: moreOfAlice,
			ExpectedStatus: 200, ExpectedContent: []string{`{"recipients":3}`},
		},
		{
			Name: "bob's list and client count nothing for alice", Method: http.MethodPost, URL: url,
			Body: body([]string{bobList}, []string{bobClient2}), Headers: alice, TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`{"recipients":0}`},
		},
		{
			Name: "not arrays: 400", Method: http.MethodPost, URL: url, Body: strings.NewReader(`{"lists":"x"}`),
			Headers: alice, TestAppFactory: newTestApp,
			ExpectedStatus: 400, ExpectedContent: []string{`"lists"`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// csvOf reads an export: its byte-order mark, then rows.
func csvOf(t testing.TB, res *http.Response) [][]string {
	raw, _ := io.ReadAll(res.Body)
	text, ok := strings.CutPrefix(string(raw), "\ufeff")
	if !ok {
		t.Fatalf("no byte-order mark: %q", raw[:min(len(raw), 40)])
	}
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v", err)
	}
	return rows
}

func TestDeliveriesExport(t *testing.T) {
	const url = "/api/postrider/deliveries/export"
	alice := map[string]string{"Authorization": tokens["alice"]}
	scenarios := []tests.ApiScenario{
		{
			Name: "anonymous is refused", Method: http.MethodGet, URL: url, TestAppFactory: newTestApp,
			ExpectedStatus: 401, NotExpectedContent: []string{"alice-client"},
		},
		{
			Name: "a blocked user's old token is refused", Method: http.MethodGet, URL: url,
			Headers: map[string]string{"Authorization": tokens["bellaOld"]}, TestAppFactory: newTestApp,
			ExpectedStatus: 403, ExpectedContent: []string{`"account_blocked"`},
		},
		{
			Name: "20,000 deliveries, all of alice's and in the table's order, never bob's", Method: http.MethodGet, URL: url,
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: aliceLog(20000),
			ExpectedStatus: 200, NotExpectedContent: []string{"bob-client", "bob news"},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
				rows := csvOf(t, res)
				if len(rows) != 20002 || strings.Join(rows[0], ",") != "time (UTC),mailing,email,status,attempts,response,message_id,bounce,bounce_reply" ||
					rows[1][2] != "alice-client@example.com" || rows[1][1] != "alice news" {
					t.Fatalf("%d rows, the first: %q %q", len(rows), rows[0], rows[1])
				}
				// the sent ones newest first, then the failed ones newest first
				want := []string{}
				for i := 19999; i >= 0; i-- {
					if i%10 != 0 {
						want = append(want, i2email(i))
					}
				}
				for i := 19990; i >= 0; i -= 10 {
					want = append(want, i2email(i))
				}
				for i, w := range want {
					if rows[i+2][2] != w {
						t.Fatalf("row %d is %q, not %s", i+2, rows[i+2], w)
					}
				}
				// a formula stays text; the time is the user's clock
				if r := rows[2]; r[5] != "'=250 ok" || r[3] != "sent" || len(r[0]) != len("2006-01-02 15:04:05") {
					t.Errorf("a sent row: %q", r)
				}
			},
		},
		{
			Name: "the page's filters apply: failed in a date range", Method: http.MethodGet,
			URL:     url + "?status=failed&mailing=" + aliceMailing + "&from=" + day(-3) + "&to=" + day(-1),
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: aliceLog(100),
			ExpectedStatus: 200, ExpectedContent: []string{"r00090@example.com"}, NotExpectedContent: []string{"r00091@example.com", "alice-client"},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				rows := csvOf(t, res)
				if len(rows) != 11 || rows[1][2] != "r00090@example.com" || rows[10][2] != "r00000@example.com" {
					t.Errorf("the failed ones: %q", rows)
				}
			},
		},
		{
			Name: "bob's mailing: only the header", Method: http.MethodGet, URL: url + "?mailing=" + bobMailing,
			Headers: alice, TestAppFactory: newTestApp,
			ExpectedStatus: 200, NotExpectedContent: []string{"bob-client"},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				if rows := csvOf(t, res); len(rows) != 1 {
					t.Errorf("rows: %q", rows)
				}
			},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func i2email(i int) string { return fmt.Sprintf("r%05d@example.com", i) }

func TestClientsExport(t *testing.T) {
	const url = "/api/postrider/clients/export"
	alice := map[string]string{"Authorization": tokens["alice"]}
	scenarios := []tests.ApiScenario{
		{
			Name: "anonymous is refused", Method: http.MethodGet, URL: url, TestAppFactory: newTestApp,
			ExpectedStatus: 401, NotExpectedContent: []string{"alice-client"},
		},
		{
			Name: "alice's clients by email, with their lists' names, never bob's", Method: http.MethodGet, URL: url,
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: moreOfAlice,
			ExpectedStatus: 200, NotExpectedContent: []string{"bob-client", "bob VIP"},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				got := []string{}
				for _, r := range csvOf(t, res) {
					got = append(got, strings.Join(r, "|"))
				}
				want := []string{"email|name|comment|lists|unsubscribed|timezone",
					"alice-client2@example.com|alice client two|||false|", // '2' sorts before '@'
					"alice-client@example.com|alice client||alice VIP; alice second|false|",
					"four@example.com|||alice second|false|",
					"gone@example.com|||alice second|true|"}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("the export:\n%s", strings.Join(got, "\n"))
				}
			},
		},
		{
			// 4,500 clients: three batches, each found by its cursor;
			// a cursor that skipped or repeated would show here
			Name: "an export of more than a batch has every client once, in order", Method: http.MethodGet, URL: url + "?q=bulk",
			Headers: alice, TestAppFactory: newTestApp,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				_, err := app.DB().NewQuery(`
					WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4500)
					INSERT INTO clients (id, owner, email, name, comment, lists, unsubscribed, created, updated)
					SELECT printf('bulkclient%05d', i), {:owner}, printf('Bulk%05d@example.com', 4501 - i), '', '', '[]', FALSE,
					       '2026-01-01 00:00:00.000Z', '2026-01-01 00:00:00.000Z' FROM n`).
					Bind(dbx.Params{"owner": aliceID}).Execute()
				if err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus: 200, ExpectedContent: []string{"Bulk00001@example.com", "Bulk04500@example.com"},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				rows := csvOf(t, res)[1:]
				if len(rows) != 4500 {
					t.Fatalf("%d rows, want 4,500", len(rows))
				}
				for i, r := range rows {
					if want := fmt.Sprintf("Bulk%05d@example.com", i+1); r[0] != want {
						t.Fatalf("row %d is %s, want %s", i+1, r[0], want)
					}
				}
			},
		},
		{
			Name: "the page's search and list filter apply", Method: http.MethodGet, URL: url + "?q=client&list=" + aliceList2,
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: moreOfAlice,
			ExpectedStatus: 200, ExpectedContent: []string{"alice-client@example.com"}, NotExpectedContent: []string{"four@example.com"},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				if rows := csvOf(t, res); len(rows) != 2 || rows[1][0] != "alice-client@example.com" {
					t.Errorf("rows: %q", rows)
				}
			},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestClientsPage(t *testing.T) {
	const url = "/api/postrider/clients/page"
	alice := map[string]string{"Authorization": tokens["alice"]}
	scenarios := []tests.ApiScenario{
		{
			Name: "anonymous is refused", Method: http.MethodGet, URL: url, TestAppFactory: newTestApp,
			ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, NotExpectedContent: []string{"alice-client"},
		},
		{
			Name: "alice's, by email whatever its capitals, in pages, never bob's", Method: http.MethodGet, URL: url + "?perPage=3&page=1",
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: moreOfAlice,
			ExpectedStatus: 200, NotExpectedContent: []string{"bob-client"},
			ExpectedContent: []string{`"totalItems":4`, `"totalPages":2`, `"items":[{"id":"` + aliceClient2 + `"`, `"lists":["` + aliceList + `","` + aliceList2 + `"]`},
		},
		{
			Name: "a search: the rows and their count in one pass", Method: http.MethodGet, URL: url + "?q=CLIENT",
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: moreOfAlice,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":2`, aliceClient, aliceClient2}, NotExpectedContent: []string{"four@", "bob-client"},
		},
		{
			Name: "a search past its last page still counts", Method: http.MethodGet, URL: url + "?q=client&page=3",
			Headers: alice, TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":2`, `"items":[]`},
		},
		{
			Name: "a list", Method: http.MethodGet, URL: url + "?list=" + aliceList2,
			Headers: alice, TestAppFactory: newTestApp, BeforeTestFunc: moreOfAlice,
			// (an unsubscribed client says since when)
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":3`, "four@", "gone@", `"unsubscribed":true,"unsubscribed_at":"2`}, NotExpectedContent: []string{aliceClient2},
		},
		{
			Name: "bob's list: nothing for alice", Method: http.MethodGet, URL: url + "?list=" + bobList,
			Headers: alice, TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}, NotExpectedContent: []string{"bob-client"},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
