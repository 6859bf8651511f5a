package hooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"
)

// ids is n distinct made-up ids, as a request past the cap names them.
func madeUpIDs(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%010d", prefix, i)
	}
	return out
}

func jsonOf(v any) io.Reader {
	raw, _ := json.Marshal(v)
	return strings.NewReader(string(raw))
}

// What a request about a mailing's audience may name: each id once, and
// no more than a mailing takes (1,000 lists, 2,000 hand-picked clients),
// on the reach count and the draft preview alike.
func TestAudienceRequestsAreCapped(t *testing.T) {
	alice := map[string]string{"Authorization": tokens["alice"]}
	repeated := func(id string, n int) []string { return slices.Repeat([]string{id}, n) }
	var scenarios []tests.ApiScenario
	for _, route := range []struct{ url, fields string }{
		{"/api/postrider/mailings/reach", ""},
		{"/api/postrider/mailings/preview", `"subject":"Hi","body":"<p>Hi</p>",`},
	} {
		body := func(lists, clients []string) io.Reader {
			l, _ := json.Marshal(lists)
			c, _ := json.Marshal(clients)
			return strings.NewReader(`{` + route.fields + `"lists":` + string(l) + `,"clients":` + string(c) + `}`)
		}
		scenarios = append(scenarios,
			tests.ApiScenario{
				Name: route.url + ": one id named thousands of times counts once", Method: http.MethodPost, URL: route.url,
				Body: body(repeated(aliceList, 5000), repeated(aliceClient2, 5000)), Headers: alice, TestAppFactory: newTestApp,
				ExpectedStatus: 200, ExpectedContent: []string{map[bool]string{true: `{"recipients":2}`, false: `"id":"` + aliceClient2 + `"`}[route.fields == ""]},
			},
			tests.ApiScenario{
				Name: route.url + ": 1,001 lists: 400 naming lists", Method: http.MethodPost, URL: route.url,
				Body: body(append(madeUpIDs("l", 1000), aliceList), nil), Headers: alice, TestAppFactory: newTestApp,
				ExpectedStatus: 400, ExpectedContent: []string{`"lists":{"code":"validation_too_many_lists","message":"A mailing can name at most 1000 lists."}`},
			},
			tests.ApiScenario{
				Name: route.url + ": 2,001 clients: 400 naming clients", Method: http.MethodPost, URL: route.url,
				Body: body(nil, append(madeUpIDs("c", 2000), aliceClient)), Headers: alice, TestAppFactory: newTestApp,
				ExpectedStatus: 400, ExpectedContent: []string{`"clients":{"code":"validation_too_many_clients"`, `at most 2000 clients by hand`},
			},
			tests.ApiScenario{
				Name: route.url + ": 1,000 lists and 2,000 clients are taken", Method: http.MethodPost, URL: route.url,
				Body: body(append(madeUpIDs("l", 999), aliceList), append(madeUpIDs("c", 1999), aliceClient2)), Headers: alice, TestAppFactory: newTestApp,
				ExpectedStatus: 200, ExpectedContent: []string{map[bool]string{true: `{"recipients":2}`, false: `"id":"` + aliceClient2 + `"`}[route.fields == ""]},
			},
		)
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// The draft preview offers the first recipients by email whatever the
// capitals, subscribed ones only, whether its lists hold a few clients or
// thousands, and wherever they fall in the owner's email order (each case
// read another way).
func TestPreviewPicksTheFirstRecipientsByEmail(t *testing.T) {
	for _, c := range []struct{ members, before int }{{40, 0}, {3000, 6000}, {6000, 6000}} {
		t.Run(fmt.Sprintf("%d members after %d others", c.members, c.before), func(t *testing.T) {
			app := newTestApp(t)
			defer app.Cleanup()
			// clients in no list first by email (a…), then members of
			// alice's list in a scattered order, every third in capitals,
			// the first two unsubscribed
			_, err := app.NonconcurrentDB().NewQuery(`
				INSERT INTO clients (id, owner, email, name, comment, lists, unsubscribed, created, updated)
				WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {:before} + {:members} - 1)
				SELECT printf('pick%011d', i), {:owner},
				       CASE WHEN i < {:before} THEN printf('a%05d@pick.test', i)
				            ELSE printf(CASE WHEN i % 3 = 0 THEN 'M%05d@Pick.test' ELSE 'm%05d@pick.test' END, (i * 7919) % {:members}) END,
				       '', '', CASE WHEN i < {:before} THEN '[]' ELSE json_array({:list}) END,
				       i >= {:before} AND (i * 7919) % {:members} IN (0, 1), '', ''
				FROM seq`).Bind(dbx.Params{"members": c.members, "before": c.before, "owner": aliceID, "list": aliceList}).Execute()
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			err = app.DB().NewQuery(`SELECT email FROM clients WHERE owner = {:owner} AND unsubscribed = FALSE
				AND EXISTS (SELECT 1 FROM json_each(lists) WHERE value = {:list}) ORDER BY LOWER(email) LIMIT 10`).
				Bind(dbx.Params{"owner": aliceID, "list": aliceList}).Column(&want)
			if err != nil || len(want) != 10 || want[0] != "alice-client@example.com" || !strings.EqualFold(want[1], "m00002@pick.test") {
				t.Fatalf("the first ten members: %v (%v)", want, err)
			}

			status, out := newAPI(t, app).serve(authed(httptest.NewRequest(http.MethodPost, "/api/postrider/mailings/preview",
				jsonOf(map[string]any{"subject": "Hi", "body": "<p>Hi</p>", "lists": []string{aliceList}, "clients": []string{aliceClient2}}))))
			var got struct{ Clients []struct{ Email string } }
			json.Unmarshal([]byte(out), &got)
			var emails []string
			for _, c := range got.Clients {
				emails = append(emails, c.Email)
			}
			// her hand-picked client sorts first (alice-client2@… before alice-client@…)
			if status != 200 || !slices.Equal(emails, append([]string{"alice-client2@example.com"}, want[:9]...)) {
				t.Fatalf("the preview offered %d %v, want alice-client2@example.com then %v", status, emails, want[:9])
			}
		})
	}
}

func authed(req *http.Request) *http.Request {
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", tokens["alice"])
	return req
}

// A request whose caller has gone does no more work: its queries end with
// it (here, gone before it is served), instead of running to their end.
func TestRoutesStopWhenTheCallerHasGone(t *testing.T) {
	app := newTestApp(t)
	defer app.Cleanup()
	api := newAPI(t, app)
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	for _, r := range []struct{ method, url, body string }{
		{"POST", "/api/postrider/mailings/reach", `{"lists":["` + aliceList + `"],"clients":["` + aliceClient2 + `"]}`},
		{"POST", "/api/postrider/mailings/preview", `{"subject":"Hi","body":"<p>Hi</p>","lists":["` + aliceList + `"]}`},
		{"GET", "/api/postrider/mailings/" + aliceMailing + "/preview", ""},
		{"GET", "/api/postrider/mailings/" + aliceMailing + "/skipped", ""},
		{"GET", "/api/postrider/mailings/summary", ""},
		{"GET", "/api/postrider/clients/page?page=1&perPage=50", ""},
		{"GET", "/api/postrider/deliveries/log?page=1&perPage=20", ""},
		{"GET", "/api/postrider/deliveries/daily", ""},
		{"GET", "/api/postrider/stats", ""},
		{"GET", "/api/postrider/lists/counts", ""},
	} {
		// the same request, its caller still there, is answered
		if status, out := api.serve(authed(httptest.NewRequest(r.method, r.url, strings.NewReader(r.body)))); status != 200 {
			t.Fatalf("%s %s: %d %s", r.method, r.url, status, out)
		}
		req := authed(httptest.NewRequest(r.method, r.url, strings.NewReader(r.body))).WithContext(gone)
		if status, out := api.serve(req); status == 200 {
			t.Errorf("%s %s, its caller gone: answered 200 %.200s", r.method, r.url, out)
		}
	}
}
