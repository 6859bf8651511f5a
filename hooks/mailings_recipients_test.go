package hooks_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// welcomeOnly is a mailing of alice's that names no one of its own, with
// one welcome window of her list.
const welcomeOnly = "alicewelcome001"

func giveWelcomeOnly(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	mailings, _ := app.FindCollectionByNameOrId("mailings")
	m := core.NewRecord(mailings)
	m.Id = welcomeOnly
	m.Load(map[string]any{"owner": aliceID, "subject": "Welcome", "body": "<p>Hi</p>"})
	if err := app.Save(m); err != nil {
		t.Fatal(err)
	}
	schedules, _ := app.FindCollectionByNameOrId("schedules")
	w := core.NewRecord(schedules)
	w.Load(map[string]any{"mailing": welcomeOnly, "starts_at": time.Now().Add(time.Hour), "ends_at": time.Now().Add(48 * time.Hour),
		"period": "on_join", "list": aliceList, "delay_minutes": 60})
	if err := app.Save(w); err != nil {
		t.Fatal(err)
	}
}

// A mailing whose only windows are welcome windows names no list or client
// of its own: its audience is the window's list's joiners. A window that
// sends to the mailing's own lists and clients needs some, whoever saves
// it, and a mailing that has such a window cannot drop them all.
func TestAWelcomeOnlyMailingNeedsNoRecipients(t *testing.T) {
	const newID = "newwelcome00001"
	const mailings, schedules = "/api/collections/mailings/records", "/api/collections/schedules/records"
	as := func(who string) map[string]string { return map[string]string{"Authorization": tokens[who]} }
	mailing := batchReq("POST", mailings, map[string]any{"id": newID, "subject": "Welcome", "body": "<p>Hi</p>", "lists": []string{}})
	window := func(period string) map[string]any {
		w := map[string]any{"mailing": newID, "starts_at": when(time.Hour), "ends_at": when(48 * time.Hour), "period": period}
		if period == "on_join" {
			w["list"], w["delay_minutes"] = aliceList, 60
		}
		return batchReq("POST", schedules, w)
	}
	ownWindow := func(mailingID string) string {
		return `{"mailing":"` + mailingID + `","starts_at":"` + when(time.Hour) + `","ends_at":"` + when(48*time.Hour) + `","period":"daily"}`
	}
	windowsOf := func(id string, want int64) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if n, _ := app.CountRecords("schedules", dbx.HashExp{"mailing": id}); n != want {
				t.Errorf("the mailing has %d windows, want %d", n, want)
			}
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "alice: a new mailing naming no one with a welcome window", Method: http.MethodPost, URL: "/api/batch",
			Body: batchBody(t, mailing, window("on_join")), Headers: as("alice"), TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"id":"` + newID + `"`, `"lists":[]`, `"period":"on_join"`},
			AfterTestFunc: windowsOf(newID, 1),
		},
		counted(tests.ApiScenario{
			Name: "alice: a new mailing naming no one with a welcome and a daily window", Method: http.MethodPost, URL: "/api/batch",
			Body: batchBody(t, mailing, window("on_join"), window("daily")), Headers: as("alice"), TestAppFactory: newTestApp,
			ExpectedStatus: 400, ExpectedContent: []string{`"requests":{"2":`, `"mailing":{"code":"validation_no_recipients"`},
		}, "mailings", "schedules"),
		{
			Name: "alice: her welcome-only mailing edited, still naming no one", Method: http.MethodPatch, URL: mailings + "/" + welcomeOnly,
			Body: strings.NewReader(`{"subject":"Welcome aboard","lists":[],"clients":[]}`), Headers: as("alice"), TestAppFactory: newTestApp,
			BeforeTestFunc: giveWelcomeOnly, ExpectedStatus: 200, ExpectedContent: []string{`"subject":"Welcome aboard"`},
		},
		{
			Name: "alice: her welcome-only mailing drops the list it named", Method: http.MethodPatch, URL: mailings + "/" + welcomeOnly,
			Body: strings.NewReader(`{"lists":[]}`), Headers: as("alice"), TestAppFactory: newTestApp,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				giveWelcomeOnly(t, app, e)
				updateRecord(t, app, "mailings", welcomeOnly, map[string]any{"lists": []string{aliceList}})
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"lists":[]`},
		},
		{
			Name: "alice: a daily window on her welcome-only mailing", Method: http.MethodPost, URL: schedules,
			Body: strings.NewReader(ownWindow(welcomeOnly)), Headers: as("alice"), TestAppFactory: newTestApp,
			BeforeTestFunc: giveWelcomeOnly, ExpectedStatus: 400, ExpectedContent: []string{`"data":{"mailing":{"code":"validation_no_recipients"`},
			AfterTestFunc: windowsOf(welcomeOnly, 1),
		},
		{
			Name: "a superuser: a daily window on alice's welcome-only mailing", Method: http.MethodPost, URL: schedules,
			Body: strings.NewReader(ownWindow(welcomeOnly)), Headers: as("superuser"), TestAppFactory: newTestApp,
			BeforeTestFunc: giveWelcomeOnly, ExpectedStatus: 400, ExpectedContent: []string{`"data":{"mailing":{"code":"validation_no_recipients"`},
			AfterTestFunc: windowsOf(welcomeOnly, 1),
		},
		{
			Name: "alice: the daily window after naming a list", Method: http.MethodPost, URL: "/api/batch",
			Body: batchBody(t, batchReq("PATCH", mailings+"/"+welcomeOnly, map[string]any{"lists": []string{aliceList}}),
				batchReq("POST", schedules, map[string]any{"mailing": welcomeOnly, "starts_at": when(time.Hour), "ends_at": when(48 * time.Hour), "period": "daily"})),
			Headers: as("alice"), TestAppFactory: newTestApp, BeforeTestFunc: giveWelcomeOnly,
			ExpectedStatus: 200, ExpectedContent: []string{`"period":"daily"`}, AfterTestFunc: windowsOf(welcomeOnly, 2),
		},
		{
			Name: "alice: her weekly window removed, then her lists, and a welcome window added, as the form sends it", Method: http.MethodPost, URL: "/api/batch",
			Body: batchBody(t, batchReq("DELETE", schedules+"/"+aliceSchedule, nil),
				batchReq("PATCH", mailings+"/"+aliceMailing, map[string]any{"lists": []string{}, "clients": []string{}}),
				batchReq("POST", schedules, map[string]any{"mailing": aliceMailing, "starts_at": when(time.Hour), "ends_at": when(48 * time.Hour),
					"period": "on_join", "list": aliceList, "delay_minutes": 0})),
			Headers: as("alice"), TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"period":"on_join"`, `"lists":[]`}, AfterTestFunc: windowsOf(aliceMailing, 1),
		},
		counted(tests.ApiScenario{
			Name: "alice: her lists dropped while her weekly window stays", Method: http.MethodPost, URL: "/api/batch",
			Body: batchBody(t, batchReq("PATCH", mailings+"/"+aliceMailing, map[string]any{"lists": []string{}, "clients": []string{}}),
				batchReq("DELETE", schedules+"/"+aliceSchedule, nil)),
			Headers: as("alice"), TestAppFactory: newTestApp,
			ExpectedStatus: 400, ExpectedContent: []string{`"requests":{"0":`, `"lists":{"code":"validation_no_recipients"`},
		}, "schedules"),
		{
			Name: "bob: a window on alice's welcome-only mailing", Method: http.MethodPost, URL: schedules,
			Body: strings.NewReader(ownWindow(welcomeOnly)), Headers: as("bob"), TestAppFactory: newTestApp,
			BeforeTestFunc: giveWelcomeOnly, ExpectedStatus: 400, ExpectedContent: []string{`"data":{"mailing":{"code":"validation_not_owner"`},
			AfterTestFunc: windowsOf(welcomeOnly, 1),
		},
		{
			Name: "a moderator: naming a list on alice's welcome-only mailing", Method: http.MethodPatch, URL: mailings + "/" + welcomeOnly,
			Body: strings.NewReader(`{"lists":["` + aliceList + `"]}`), Headers: as("mod"), TestAppFactory: newTestApp,
			BeforeTestFunc: giveWelcomeOnly, ExpectedStatus: 403, ExpectedContent: []string{`"lists":{"code":"forbidden"`},
		},
		{
			Name: "a blocked user: a welcome-only mailing", Method: http.MethodPost, URL: "/api/batch",
			Body: batchBody(t, mailing, window("on_join")), Headers: as("bellaOld"), TestAppFactory: newTestApp,
			ExpectedStatus: 403, ExpectedContent: []string{`"account_blocked"`}, AfterTestFunc: windowsOf(newID, 0),
		},
		{
			Name: "anonymous: a welcome-only mailing", Method: http.MethodPost, URL: "/api/batch",
			Body: batchBody(t, mailing, window("on_join")), TestAppFactory: newTestApp,
			ExpectedStatus: 400, ExpectedContent: []string{`"requests":{"0":`}, AfterTestFunc: windowsOf(newID, 0),
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
