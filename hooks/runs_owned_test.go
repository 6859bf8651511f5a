package hooks_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

const alicePendingDelivery = "alicedelivery02"

// aliceSending makes alice's run one that is sending: one message sent,
// one pending (to her second client, tried once already).
func aliceSending(t testing.TB, app *tests.TestApp) {
	set("runs", aliceRun, map[string]any{"status": "sending", "total": 2, "sent": 1, "finished_at": ""})(t, app)
	d := core.NewRecord(mustCollection(t, app, "deliveries"))
	d.Id = alicePendingDelivery
	d.Load(map[string]any{"owner": aliceID, "mailing": aliceMailing, "run": aliceRun, "schedule": aliceSchedule,
		"client": aliceClient2, "email": "alice-client2@example.com", "run_at": "2030-01-01 10:00:00.000Z",
		"status": "pending", "attempts": 1, "response": "451 4.3.0 try later"})
	if err := app.Save(d); err != nil {
		t.Fatal(err)
	}
}

func mustCollection(t testing.TB, app *tests.TestApp, name string) *core.Collection {
	c, err := app.FindCollectionByNameOrId(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A run's pause, resume and cancel: its owner's alone. Another user finds
// no such run, a moderator is told to stop the mailing instead, a blocked
// user's old token and a visitor are refused, and a superuser's token is
// refused on these user routes (TestEveryRouteRefusesWhomItsAccessLeavesOut);
// a run that is over has nothing to pause or cancel.
func TestRunPauseResumeCancel(t *testing.T) {
	untouched := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		fieldIs("runs", aliceRun, "status", "sending")(t, app, res)
		fieldIs("deliveries", alicePendingDelivery, "status", "pending")(t, app, res)
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "the owner pauses her sending run", Method: "POST", URL: "/api/postrider/runs/" + aliceRun + "/pause",
			Headers:         map[string]string{"Authorization": tokens["alice"]},
			BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { aliceSending(t, app) },
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"paused"`, `"note":"paused by its owner"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				fieldIs("runs", aliceRun, "status", "paused")(t, app, res)
				fieldIs("runs", aliceRun, "paused_by_owner", true)(t, app, res)
				fieldIs("deliveries", alicePendingDelivery, "status", "pending")(t, app, res)
			},
		},
		{
			Name: "the owner resumes the run she paused", Method: "POST", URL: "/api/postrider/runs/" + aliceRun + "/resume",
			Headers: map[string]string{"Authorization": tokens["alice"]},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				aliceSending(t, app)
				set("runs", aliceRun, map[string]any{"status": "paused", "paused_by_owner": true, "note": "paused by its owner"})(t, app)
			},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"sending"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				fieldIs("runs", aliceRun, "status", "sending")(t, app, res)
				fieldIs("runs", aliceRun, "paused_by_owner", false)(t, app, res)
				fieldIs("runs", aliceRun, "note", "")(t, app, res)
			},
		},
		{
			Name: "a run paused while its mailing is stopped is resumed with the mailing", Method: "POST", URL: "/api/postrider/runs/" + aliceRun + "/resume",
			Headers: map[string]string{"Authorization": tokens["alice"]},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				aliceSending(t, app)
				set("runs", aliceRun, map[string]any{"status": "paused", "paused_by_owner": true})(t, app)
				set("mailings", aliceMailing, map[string]any{"stopped": true})(t, app)
			},
			ExpectedStatus:  400,
			ExpectedContent: []string{"resume the mailing"},
			AfterTestFunc:   fieldIs("runs", aliceRun, "status", "paused"),
		},
		{
			Name: "the owner cancels her run: the pending one is logged failed", Method: "POST", URL: "/api/postrider/runs/" + aliceRun + "/cancel",
			Headers:         map[string]string{"Authorization": tokens["alice"]},
			BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { aliceSending(t, app) },
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"cancelled"`, `"sent":1`, `"failed":1`, `"total":2`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				fieldIs("runs", aliceRun, "status", "cancelled")(t, app, res)
				fieldIs("runs", aliceRun, "failed", 1)(t, app, res)
				fieldIs("deliveries", alicePendingDelivery, "status", "failed")(t, app, res)
				fieldIs("deliveries", alicePendingDelivery, "response", "cancelled by its owner")(t, app, res)
				fieldIs("deliveries", alicePendingDelivery, "attempts", 1)(t, app, res)
				fieldIs("deliveries", aliceDelivery, "status", "sent")(t, app, res)
			},
		},
		{
			Name: "a done run has nothing to pause", Method: "POST", URL: "/api/postrider/runs/" + aliceRun + "/pause",
			Headers:         map[string]string{"Authorization": tokens["alice"]},
			ExpectedStatus:  400,
			ExpectedContent: []string{"nothing left to pause"},
			AfterTestFunc:   fieldIs("runs", aliceRun, "status", "done"),
		},
		{
			Name: "a done run has nothing to cancel", Method: "POST", URL: "/api/postrider/runs/" + aliceRun + "/cancel",
			Headers:         map[string]string{"Authorization": tokens["alice"]},
			ExpectedStatus:  400,
			ExpectedContent: []string{"nothing left to cancel"},
			AfterTestFunc:   fieldIs("runs", aliceRun, "status", "done"),
		},
		{
			Name: "another user finds no such run", Method: "POST", URL: "/api/postrider/runs/" + aliceRun + "/cancel",
			Headers:         map[string]string{"Authorization": tokens["bob"]},
			BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { aliceSending(t, app) },
			ExpectedStatus:  404,
			ExpectedContent: []string{"No such run of yours."},
			AfterTestFunc:   untouched,
		},
		{
			Name: "a moderator stops the mailing instead", Method: "POST", URL: "/api/postrider/runs/" + aliceRun + "/pause",
			Headers:         map[string]string{"Authorization": tokens["mod"]},
			BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { aliceSending(t, app) },
			ExpectedStatus:  403,
			ExpectedContent: []string{"Moderators stop the mailing instead"},
			AfterTestFunc:   untouched,
		},
		{
			Name: "a blocked user's old token is refused", Method: "POST", URL: "/api/postrider/runs/" + aliceRun + "/cancel",
			Headers:         map[string]string{"Authorization": tokens["bellaOld"]},
			BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { aliceSending(t, app) },
			ExpectedStatus:  403,
			ExpectedContent: []string{"account_blocked"},
			AfterTestFunc:   untouched,
		},
		{
			Name: "a visitor is refused", Method: "POST", URL: "/api/postrider/runs/" + aliceRun + "/cancel",
			BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { aliceSending(t, app) },
			ExpectedStatus:  401,
			ExpectedContent: []string{`"status":401`},
			AfterTestFunc:   untouched,
		},
		{
			Name: "a superuser's token is refused (the dashboard edits runs)", Method: "POST", URL: "/api/postrider/runs/" + aliceRun + "/pause",
			Headers:         map[string]string{"Authorization": tokens["superuser"]},
			BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { aliceSending(t, app) },
			ExpectedStatus:  403,
			ExpectedContent: []string{`"status":403`},
			AfterTestFunc:   untouched,
		},
		{
			Name: "a superuser cancels a run in the dashboard: the same as its owner's cancel", Method: "PATCH", URL: "/api/collections/runs/records/" + aliceRun,
			Headers:         map[string]string{"Authorization": tokens["superuser"]},
			Body:            strings.NewReader(`{"status":"cancelled"}`),
			BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { aliceSending(t, app) },
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"cancelled"`, `"failed":1`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				fieldIs("deliveries", alicePendingDelivery, "response", "cancelled by its owner")(t, app, res)
			},
		},
		{
			Name: "a superuser pauses a run in the dashboard: it holds like its owner's pause", Method: "PATCH", URL: "/api/collections/runs/records/" + aliceRun,
			Headers:         map[string]string{"Authorization": tokens["superuser"]},
			Body:            strings.NewReader(`{"status":"paused"}`),
			BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { aliceSending(t, app) },
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"paused"`, `"paused_by_owner":true`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}
