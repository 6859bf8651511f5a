package hooks_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/dispatch"
)

const (
	bellaClient   = "bellaclient0001"
	bellaRun      = "bellarun0000001"
	tempFailure   = "failed after 3 attempts (tried for 5 days since the run began); the last: 421 4.7.0 Try again later"
	hardFailure   = "550 5.1.1 No such user (in reply to RCPT TO: the address was refused)"
	retryURLAlice = "/api/postrider/runs/" + aliceRun + "/retry"
)

// saveRecord creates or updates a record of the test app, or fails the test.
func saveRecord(t testing.TB, app core.App, collection, id string, data map[string]any) {
	t.Helper()
	r, err := app.FindRecordById(collection, id)
	if err != nil {
		col, err := app.FindCollectionByNameOrId(collection)
		if err != nil {
			t.Fatal(err)
		}
		r = core.NewRecord(col)
		r.Id = id
	}
	r.Load(data)
	if err := app.Save(r); err != nil {
		t.Fatalf("%s %s: %v", collection, id, err)
	}
}

// aliceFailed gives alice's finished run a failed delivery to her second
// client, with this response.
func aliceFailed(response string) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		saveRecord(t, app, "deliveries", "alicefailed0001", map[string]any{
			"owner": aliceID, "mailing": aliceMailing, "run": aliceRun, "schedule": aliceSchedule, "client": aliceClient2,
			"email": "alice-client2@example.com", "run_at": types.NowDateTime(), "status": "failed", "attempts": 3, "response": response,
		})
	}
}

// then runs the steps in order.
func then(steps ...func(testing.TB, *tests.TestApp, *core.ServeEvent)) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		for _, s := range steps {
			s(t, app, e)
		}
	}
}

// retries counts the runs that retry alice's run.
func retries(t testing.TB, app core.App) int {
	n, err := app.CountRecords("runs", nil)
	if err != nil {
		t.Fatal(err)
	}
	return int(n) - 2 // alice's and bob's runs of the fixture
}

func noRetry(t testing.TB, app *tests.TestApp, _ *http.Response) {
	if n := retries(t, app); n != 0 {
		t.Fatalf("%d retry runs made, want none", n)
	}
}

// A finished run is sent again, once, by its owner only, to its failures
// that may pass; everyone else gets the answer of a run they do not own.
func TestRetryRun(t *testing.T) {
	tempFailed := aliceFailed(tempFailure)
	auth := func(who string) map[string]string { return map[string]string{"Authorization": tokens[who]} }
	body := func(s string) *strings.Reader { return strings.NewReader(s) }
	json := map[string]string{"Content-Type": "application/json"}
	with := func(a, b map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range a {
			out[k] = v
		}
		for k, v := range b {
			out[k] = v
		}
		return out
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "the owner sends her run again to the temporary failure", Method: "POST", URL: retryURLAlice,
			Body: body(`{"unconfirmed": false}`), Headers: with(auth("alice"), json), BeforeTestFunc: tempFailed,
			ExpectedStatus: 200, ExpectedContent: []string{`"kind":"retry"`, `"retry_of":"` + aliceRun + `"`, `"status":"sending"`, `"total":1`},

			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				retry, err := app.FindFirstRecordByData("runs", "retry_of", aliceRun)
				if err != nil {
					t.Fatal(err)
				}
				ds, err := app.FindAllRecords("deliveries")
				if err != nil {
					t.Fatal(err)
				}
				var mine []*core.Record
				for _, d := range ds {
					if d.GetString("run") == retry.Id {
						mine = append(mine, d)
					}
				}
				// pending, or sent already by serve's dispatcher (to the outbox)
				if len(mine) != 1 || mine[0].GetString("client") != aliceClient2 || mine[0].GetString("status") == "failed" {
					t.Fatalf("the retry's deliveries: %v", mine)
				}
			},
		},
		{
			Name: "the owner reads what a retry would send, and nothing changes", Method: "GET", URL: retryURLAlice,
			Headers: auth("alice"), BeforeTestFunc: tempFailed,
			ExpectedStatus: 200, ExpectedContent: []string{`"temporary":1`, `"unconfirmed":0`, `"retry":""`},
			ExpectedEvents: map[string]int{"*": 0}, AfterTestFunc: noRetry,
		},
		{
			Name: "unconfirmed failures are counted apart, and sent again only when asked", Method: "POST", URL: retryURLAlice,
			Body: body(`{}`), Headers: with(auth("alice"), json),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				aliceFailed("not tried again: EOF; it may have arrived (tried for 5 days since the run began)")(t, app, e)
				saveRecord(t, app, "deliveries", "alicefailed0001", map[string]any{"unconfirmed": true})
			},
			ExpectedStatus: 400, ExpectedContent: []string{"nothing to send again"}, AfterTestFunc: noRetry,
		},
		{
			Name: "another user's run is not found", Method: "POST", URL: retryURLAlice,
			Body: body(`{}`), Headers: with(auth("bob"), json), BeforeTestFunc: tempFailed,
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, AfterTestFunc: noRetry,
		},
		{
			Name: "another user's run is not found by a moderator either", Method: "POST", URL: retryURLAlice,
			Body: body(`{}`), Headers: with(auth("mod"), json), BeforeTestFunc: tempFailed,
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, AfterTestFunc: noRetry,
		},
		{
			Name: "another user's run is not counted", Method: "GET", URL: retryURLAlice,
			Headers: auth("bob"), BeforeTestFunc: tempFailed, ExpectedStatus: 404, NotExpectedContent: []string{"temporary"},
		},
		{
			Name: "a blocked user cannot send her own run again", Method: "POST", URL: "/api/postrider/runs/" + bellaRun + "/retry",
			Body: body(`{}`), Headers: with(auth("bellaOld"), json),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				saveRecord(t, app, "clients", bellaClient, map[string]any{"owner": bellaID, "email": "bella-client@example.com"})
				saveRecord(t, app, "runs", bellaRun, map[string]any{"owner": bellaID, "mailing": bellaMailing, "run_at": types.NowDateTime(), "status": "done", "total": 1, "failed": 1})
				saveRecord(t, app, "deliveries", "bellafailed0001", map[string]any{
					"owner": bellaID, "mailing": bellaMailing, "run": bellaRun, "client": bellaClient, "email": "bella-client@example.com",
					"run_at": types.NowDateTime(), "status": "failed", "attempts": 3, "response": tempFailure,
				})
			},
			ExpectedStatus: 403, ExpectedContent: []string{"account_blocked"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if n := retries(t, app); n != 1 { // bella's own run, no retry
					t.Fatalf("%d runs made, want bella's only", n)
				}
			},
		},
		{
			Name: "a visitor must sign in", Method: "POST", URL: retryURLAlice, Body: body(`{}`), Headers: json,
			BeforeTestFunc: tempFailed, ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, AfterTestFunc: noRetry,
		},
		{
			Name: "a superuser has no runs of their own", Method: "POST", URL: retryURLAlice,
			Body: body(`{}`), Headers: with(auth("superuser"), json), BeforeTestFunc: tempFailed,
			ExpectedStatus: 403, ExpectedContent: []string{`"status":403`}, AfterTestFunc: noRetry,
		},
		{
			Name: "a hard refusal is not sent again: nothing to retry", Method: "POST", URL: retryURLAlice,
			Body: body(`{"unconfirmed": true}`), Headers: with(auth("alice"), json), BeforeTestFunc: aliceFailed(hardFailure),
			ExpectedStatus: 400, ExpectedContent: []string{"nothing to send again"}, AfterTestFunc: noRetry,
		},
		{
			Name: "a client unsubscribed since is not sent again", Method: "POST", URL: retryURLAlice,
			Body: body(`{}`), Headers: with(auth("alice"), json),
			BeforeTestFunc: then(tempFailed, func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				saveRecord(t, app, "clients", aliceClient2, map[string]any{"unsubscribed": true})
			}),
			ExpectedStatus: 400, ExpectedContent: []string{"nothing to send again"}, AfterTestFunc: noRetry,
		},
		{
			Name: "a run still sending is not sent again", Method: "POST", URL: retryURLAlice,
			Body: body(`{}`), Headers: with(auth("alice"), json),
			BeforeTestFunc: then(tempFailed, func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				saveRecord(t, app, "runs", aliceRun, map[string]any{"status": "sending"})
			}),
			ExpectedStatus: 400, ExpectedContent: []string{"not finished yet"}, AfterTestFunc: noRetry,
		},
		{
			Name: "a run of a stopped mailing is not sent again", Method: "POST", URL: retryURLAlice,
			Body: body(`{}`), Headers: with(auth("alice"), json),
			BeforeTestFunc: then(tempFailed, func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				saveRecord(t, app, "mailings", aliceMailing, map[string]any{"stopped": true})
			}),
			ExpectedStatus: 400, ExpectedContent: []string{"cannot send now"}, AfterTestFunc: noRetry,
		},
		{
			Name: "the last run of a completed mailing is sent again", Method: "POST", URL: retryURLAlice,
			Body: body(`{}`), Headers: with(auth("alice"), json),
			BeforeTestFunc: then(tempFailed, func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				saveRecord(t, app, "mailings", aliceMailing, map[string]any{"status": "completed"})
			}),
			ExpectedStatus: 200, ExpectedContent: []string{`"kind":"retry"`},
		},
		{
			Name: "a run is sent again once: the second ask answers 409", Method: "POST", URL: retryURLAlice,
			Body: body(`{}`), Headers: with(auth("alice"), json),
			BeforeTestFunc: then(tempFailed, func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				if _, err := dispatch.Retry(app, aliceRun, false, time.Now()); err != nil {
					t.Fatal(err)
				}
			}),
			ExpectedStatus: 409, ExpectedContent: []string{"retried once"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if n := retries(t, app); n != 1 {
					t.Fatalf("%d retry runs, want 1", n)
				}
			},
		},
		{
			Name: "a body that is no JSON object is refused", Method: "POST", URL: retryURLAlice,
			Body: body(`[1`), Headers: with(auth("alice"), json), BeforeTestFunc: tempFailed,
			ExpectedStatus: 400, ExpectedContent: []string{"must be JSON"}, AfterTestFunc: noRetry,
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}
