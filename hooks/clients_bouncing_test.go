package hooks_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/dispatch"
)

// bouncingClient marks one of alice's clients as the triggers would after
// three refusals in a row.
func bouncingClient(id string) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		if _, err := app.DB().NewQuery("UPDATE clients SET bouncing = TRUE, bounces = 3 WHERE id = {:id}").
			Bind(dbx.Params{"id": id}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
}

// streakIs checks a client's mark and hidden counter as stored.
func streakIs(id string, bouncing bool, bounces int) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		c, err := app.FindRecordById("clients", id)
		if err != nil {
			t.Fatal(err)
		}
		if c.GetBool("bouncing") != bouncing || c.GetInt("bounces") != bounces {
			t.Fatalf("client %s: bouncing %v with %d bounces, want %v with %d", id, c.GetBool("bouncing"), c.GetInt("bounces"), bouncing, bounces)
		}
	}
}

func TestOnlyTheOwnerClearsTheBouncingMark(t *testing.T) {
	url := "/api/collections/clients/records/" + aliceClient
	clear := `{"bouncing":false}`
	patch := func(name, caller, body string, status int, content []string, bouncing bool, bounces int) tests.ApiScenario {
		s := tests.ApiScenario{
			Name: name, Method: http.MethodPatch, URL: url, Body: strings.NewReader(body),
			TestAppFactory: newTestApp, BeforeTestFunc: bouncingClient(aliceClient),
			ExpectedStatus: status, ExpectedContent: content,
			AfterTestFunc: streakIs(aliceClient, bouncing, bounces),
		}
		if caller != anonymous {
			s.Headers = map[string]string{"Authorization": tokens[caller]}
		}
		return s
	}
	scenarios := []tests.ApiScenario{
		patch("the owner clears the mark, and a new streak starts", "alice", clear, 200,
			[]string{`"bouncing":false`}, false, 0),
		patch("the owner cannot change the counter (hidden: dropped from the request)", "alice", `{"bounces":0}`, 200,
			[]string{`"bouncing":true`}, true, 3),
		patch("a new address clears the mark and the streak", "alice", `{"email":"alice-new@example.com"}`, 200,
			[]string{`"bouncing":false`}, false, 0),
		patch("the same address in other capitals keeps them", "alice", `{"email":"Alice-Client@example.com"}`, 200,
			[]string{`"bouncing":true`}, true, 3),
		patch("another user cannot clear alice's mark", "bob", clear, 404, []string{`"status":404`}, true, 3),
		patch("a moderator cannot clear a user's mark", "mod", clear, 404, []string{`"status":404`}, true, 3),
		patch("a blocked user's old token cannot clear it", "bellaOld", clear, 403, []string{`"status":403`}, true, 3),
		patch("an anonymous visitor cannot clear it", anonymous, clear, 404, []string{`"status":404`}, true, 3),
		patch("a superuser may set the counter", "superuser", `{"bounces":1,"bouncing":false}`, 200,
			[]string{`"bouncing":false`}, false, 0),
		{
			Name: "the owner sees the mark, not the counter", Method: http.MethodGet, URL: url,
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp,
			BeforeTestFunc: bouncingClient(aliceClient), ExpectedStatus: 200,
			ExpectedContent: []string{`"bouncing":true`}, NotExpectedContent: []string{`"bounces"`},
		},
		unchanged(refused("the owner cannot mark a client bouncing", http.MethodPatch, url, "alice",
			`{"bouncing":true}`, "clients", "bouncing"), "clients", aliceClient, "bouncing", "false"),
		refused("the owner cannot create a bouncing client", http.MethodPost, "/api/collections/clients/records", "alice",
			`{"owner":"`+aliceID+`","email":"new@example.com","bouncing":true}`, "clients", "bouncing"),
		{
			Name: "a superuser may mark a client bouncing", Method: http.MethodPatch, URL: url, Body: strings.NewReader(`{"bouncing":true}`),
			Headers: map[string]string{"Authorization": tokens["superuser"]}, TestAppFactory: newTestApp, ExpectedStatus: 200,
			ExpectedContent: []string{`"bouncing":true`}, AfterTestFunc: streakIs(aliceClient, true, 0),
		},
		{
			Name: "an owner's other change keeps the mark and the counter", Method: http.MethodPatch, URL: url,
			Body: strings.NewReader(`{"name":"Alice Client"}`), Headers: map[string]string{"Authorization": tokens["alice"]},
			TestAppFactory: newTestApp, BeforeTestFunc: bouncingClient(aliceClient), ExpectedStatus: 200,
			ExpectedContent: []string{`"bouncing":true`}, AfterTestFunc: streakIs(aliceClient, true, 3),
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestBouncingClientsShowOnTheClientsPageAndLeaveTheReach(t *testing.T) {
	both := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		bouncingClient(aliceClient)(t, app, e)
		bouncingClient(bobClient)(t, app, e)
	}
	get := func(name, caller, url string, status int, content, notContent []string) tests.ApiScenario {
		s := tests.ApiScenario{
			Name: name, Method: http.MethodGet, URL: url, TestAppFactory: newTestApp, BeforeTestFunc: both,
			ExpectedStatus: status, ExpectedContent: content, NotExpectedContent: notContent,
		}
		if caller != anonymous {
			s.Headers = map[string]string{"Authorization": tokens[caller]}
		}
		return s
	}
	scenarios := []tests.ApiScenario{
		get("the clients page marks the bouncing client", "alice", "/api/postrider/clients/page", 200,
			[]string{`"id":"` + aliceClient + `"`, `"bouncing":true`, `"id":"` + aliceClient2 + `"`, `"bouncing":false`, `"totalItems":2`},
			[]string{bobClient, `"bounces"`}),
		get("the bouncing filter lists the caller's bouncing clients only", "alice", "/api/postrider/clients/page?bouncing=1", 200,
			[]string{`"id":"` + aliceClient + `"`, `"totalItems":1`}, []string{aliceClient2, bobClient}),
		get("the filter with a search", "alice", "/api/postrider/clients/page?bouncing=1&q=client2", 200,
			[]string{`"totalItems":0`}, []string{aliceClient}),
		get("the filter for another user", "bob", "/api/postrider/clients/page?bouncing=1", 200,
			[]string{`"id":"` + bobClient + `"`, `"totalItems":1`}, []string{aliceClient}),
		get("the filter for a visitor", anonymous, "/api/postrider/clients/page?bouncing=1", 401, []string{`"status":401`}, []string{aliceClient}),
		// alice's mailing: her list (aliceClient, now bouncing) and aliceClient2 picked
		get("the mailings page leaves the bouncing client out of the reach", "alice", "/api/postrider/mailings/summary", 200,
			[]string{`"id":"` + aliceMailing + `"`, `"recipients":1,`}, nil),
		{
			Name: "the mailing form's reach leaves the bouncing client out", Method: http.MethodPost, URL: "/api/postrider/mailings/reach",
			Body:    strings.NewReader(`{"lists":["` + aliceList + `"],"clients":["` + aliceClient + `","` + aliceClient2 + `"]}`),
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp, BeforeTestFunc: both,
			ExpectedStatus: 200, ExpectedContent: []string{`{"recipients":1}`},
		},
		{
			Name: "a picked bouncing client is not in the reach", Method: http.MethodPost, URL: "/api/postrider/mailings/reach",
			Body:    strings.NewReader(`{"lists":[],"clients":["` + aliceClient + `","` + aliceClient2 + `"]}`),
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp, BeforeTestFunc: both,
			ExpectedStatus: 200, ExpectedContent: []string{`{"recipients":1}`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// skippedIn adds to alice's run two deliveries skipped as bouncing, one as
// unsubscribed and one as deleted, and one refused (a failure, not a skip).
func skippedIn(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	for i, d := range []struct{ status, response string }{
		{"failed", dispatch.SkippedBouncing}, {"failed", dispatch.SkippedBouncing},
		{"failed", dispatch.SkippedUnsubscribed}, {"failed", dispatch.SkippedDeleted}, {"failed", "550 5.1.1 No such user here"},
	} {
		attempts := 0
		if !strings.HasPrefix(d.response, "not sent") {
			attempts = 1
		}
		_, err := app.DB().NewQuery(`INSERT INTO deliveries (id, owner, mailing, run, client, email, run_at, status, attempts, response, created, updated)
			VALUES ({:id}, {:owner}, {:mailing}, {:run}, {:client}, 'x@example.com', '2027-01-01 00:00:00.000Z', {:status}, {:attempts}, {:response},
			        '2027-01-01 00:00:00.000Z', '2027-01-01 00:00:00.000Z')`).
			Bind(dbx.Params{"id": fmt.Sprintf("skippeddeliver%d", i), "owner": aliceID, "mailing": aliceMailing, "run": aliceRun,
				"client": fmt.Sprintf("skippedclient%02d", i), "status": d.status, "attempts": attempts, "response": d.response}).Execute()
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestTheMailingsPagesCountTheSkippedByReason(t *testing.T) {
	url := "/api/postrider/mailings/" + aliceMailing + "/skipped"
	get := func(name, caller, url string, status int, content, notContent []string) tests.ApiScenario {
		s := tests.ApiScenario{
			Name: name, Method: http.MethodGet, URL: url, TestAppFactory: newTestApp, BeforeTestFunc: skippedIn,
			ExpectedStatus: status, ExpectedContent: content, NotExpectedContent: notContent,
		}
		if caller != anonymous {
			s.Headers = map[string]string{"Authorization": tokens[caller]}
		}
		return s
	}
	scenarios := []tests.ApiScenario{
		get("the owner gets each run's skipped by reason", "alice", url, 200,
			[]string{`{"` + aliceRun + `":{"bouncing":2,"deleted":1,"unsubscribed":1}}`}, nil),
		get("the mailings page's last run says the same", "alice", "/api/postrider/mailings/summary", 200,
			[]string{`"skipped":{"bouncing":2,"deleted":1,"unsubscribed":1}`}, nil),
		get("a mailing with none skipped", "bob", "/api/postrider/mailings/"+bobMailing+"/skipped", 200, []string{`{}`}, nil),
		get("another user's mailing is not found", "bob", url, 404, []string{`"status":404`}, []string{"bouncing"}),
		get("a moderator does not get a user's counts", "mod", url, 404, []string{`"status":404`}, []string{"bouncing"}),
		get("a blocked user's old token is refused", "bellaOld", url, 403, []string{`"status":403`}, []string{"bouncing"}),
		get("a visitor must log in", anonymous, url, 401, []string{`"status":401`}, []string{"bouncing"}),
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
