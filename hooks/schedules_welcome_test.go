package hooks_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// welcomeWindow is the body of a welcome window of alice's mailing.
func welcomeWindow(list string, delay string) string {
	return `{"mailing":"` + aliceMailing + `","starts_at":"` + when(time.Minute) + `","ends_at":"` + when(48*time.Hour) +
		`","period":"on_join","list":"` + list + `","delay_minutes":` + delay + `}`
}

// A welcome window names one of its mailing owner's own lists (PocketBase
// checks only that the id exists), and a delay from 0 to a year; other
// windows name neither. Each refusal is a 400 naming the field, and
// nothing is saved; a superuser is held to the owner's lists too.
func TestWelcomeWindowsNameTheOwnersList(t *testing.T) {
	const url = "/api/collections/schedules/records"
	scenarios := []tests.ApiScenario{
		refused("another user's list", http.MethodPost, url, "alice", welcomeWindow(bobList, "60"), "schedules", "list"),
		refused("another user's list, by a superuser", http.MethodPost, url, "superuser", welcomeWindow(bobList, "60"), "schedules", "list"),
		refused("no list", http.MethodPost, url, "alice", welcomeWindow("", "60"), "schedules", "list"),
		refused("a delay past a year", http.MethodPost, url, "alice", welcomeWindow(aliceList, "525601"), "schedules", "delay_minutes"),
		refused("a negative delay", http.MethodPost, url, "alice", welcomeWindow(aliceList, "-1"), "schedules", "delay_minutes"),
		refused("a welcome at each recipient's own time", http.MethodPost, url, "alice",
			strings.Replace(welcomeWindow(aliceList, "60"), `"on_join"`, `"on_join","recipient_time":true`, 1), "schedules", "recipient_time"),
		refused("a list on a window that is not a welcome", http.MethodPost, url, "alice",
			strings.Replace(welcomeWindow(aliceList, "0"), `"on_join"`, `"once"`, 1), "schedules", "list"),
		refused("moving a welcome window to another user's list", http.MethodPatch, url+"/"+aliceSchedule, "alice",
			`{"period":"on_join","list":"`+bobList+`"}`, "schedules", "period"),
		refused("bob's window on alice's mailing", http.MethodPost, url, "bob", welcomeWindow(bobList, "60"), "schedules", "mailing"),
		{
			Name: "a moderator adds no window", Method: http.MethodPost, URL: url,
			Body:           strings.NewReader(welcomeWindow(aliceList, "60")),
			Headers:        map[string]string{"Authorization": tokens["mod"]},
			TestAppFactory: newTestApp, ExpectedStatus: 400, ExpectedContent: []string{`"mailing"`},
		},
		{
			Name: "anonymous adds no window", Method: http.MethodPost, URL: url,
			Body:           strings.NewReader(welcomeWindow(aliceList, "60")),
			TestAppFactory: newTestApp, ExpectedStatus: 400, ExpectedContent: []string{`"Failed to create record."`},
		},
		{
			Name: "alice's welcome window of her own list", Method: http.MethodPost, URL: url,
			Body:            strings.NewReader(welcomeWindow(aliceList, "525600")),
			Headers:         map[string]string{"Authorization": tokens["alice"]},
			TestAppFactory:  newTestApp,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"period":"on_join"`, `"list":"` + aliceList + `"`, `"delay_minutes":525600`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				w, err := app.FindFirstRecordByFilter("schedules", "period = 'on_join'")
				if err != nil {
					t.Fatal(err)
				}
				if !w.GetDateTime("next_run_at").Equal(w.GetDateTime("starts_at")) {
					t.Errorf("next_run_at %s, want its start (when the dispatcher opens it)", w.GetDateTime("next_run_at"))
				}
			},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// openWelcome gives alice's mailing a welcome window of her list, open
// since a minute ago, delay minutes after joining.
func openWelcome(t testing.TB, app *tests.TestApp, delay int) {
	col, err := app.FindCollectionByNameOrId("schedules")
	if err != nil {
		t.Fatal(err)
	}
	w := core.NewRecord(col)
	w.Load(map[string]any{
		"mailing": aliceMailing, "starts_at": time.Now().Add(-time.Minute), "ends_at": time.Now().Add(time.Hour),
		"period": "on_join", "list": aliceList, "delay_minutes": delay,
	})
	if err := app.Save(w); err != nil {
		t.Fatal(err)
	}
	m, err := app.FindRecordById("mailings", aliceMailing)
	if err != nil {
		t.Fatal(err)
	}
	m.Set("status", "running")
	if err := app.Save(m); err != nil {
		t.Fatal(err)
	}
}

// welcomes lists the pending welcome deliveries of alice's mailing by email.
func welcomes(t testing.TB, app *tests.TestApp) []string {
	var out []string
	err := app.DB().NewQuery(`SELECT d.email FROM deliveries d JOIN runs r ON r.id = d.run
		WHERE r.kind = 'welcome' AND d.status = 'pending' ORDER BY d.email`).Column(&out)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A client who joins the list through the REST API (created in it, or
// added to it) gets a welcome pending for the delay; another user's
// attempt to add alice's client to her list changes nothing, and a save
// that joins no list writes none.
func TestAJoinThroughTheAPIWritesItsWelcome(t *testing.T) {
	const url = "/api/collections/clients/records"
	joined := func(want ...string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			got := welcomes(t, app)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("pending welcomes %v, want %v", got, want)
			}
		}
	}
	before := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { openWelcome(t, app, 60) }
	scenarios := []tests.ApiScenario{
		{
			Name: "a client made in the list", Method: http.MethodPost, URL: url,
			Body:           strings.NewReader(`{"owner":"` + aliceID + `","email":"new@example.org","lists":["` + aliceList + `"]}`),
			Headers:        map[string]string{"Authorization": tokens["alice"]},
			TestAppFactory: newTestApp, BeforeTestFunc: before, ExpectedStatus: 200,
			ExpectedContent: []string{`"email":"new@example.org"`}, AfterTestFunc: joined("new@example.org"),
		},
		{
			Name: "a client made outside it", Method: http.MethodPost, URL: url,
			Body:           strings.NewReader(`{"owner":"` + aliceID + `","email":"new@example.org"}`),
			Headers:        map[string]string{"Authorization": tokens["alice"]},
			TestAppFactory: newTestApp, BeforeTestFunc: before, ExpectedStatus: 200,
			ExpectedContent: []string{`"email":"new@example.org"`}, AfterTestFunc: joined(),
		},
		{
			Name: "alice adding her client to her list", Method: http.MethodPatch, URL: url + "/" + aliceClient2,
			Body:           strings.NewReader(`{"lists":["` + aliceList + `"]}`),
			Headers:        map[string]string{"Authorization": tokens["alice"]},
			TestAppFactory: newTestApp, BeforeTestFunc: before, ExpectedStatus: 200,
			ExpectedContent: []string{`"lists":["` + aliceList + `"]`}, AfterTestFunc: joined("alice-client2@example.com"),
		},
		{
			Name: "bob adding alice's client to her list", Method: http.MethodPatch, URL: url + "/" + aliceClient2,
			Body:           strings.NewReader(`{"lists":["` + aliceList + `"]}`),
			Headers:        map[string]string{"Authorization": tokens["bob"]},
			TestAppFactory: newTestApp, BeforeTestFunc: before, ExpectedStatus: 404,
			ExpectedContent: []string{`"status":404`}, AfterTestFunc: joined(),
		},
		{
			Name: "a moderator adding alice's client to her list", Method: http.MethodPatch, URL: url + "/" + aliceClient2,
			Body:           strings.NewReader(`{"lists":["` + aliceList + `"]}`),
			Headers:        map[string]string{"Authorization": tokens["mod"]},
			TestAppFactory: newTestApp, BeforeTestFunc: before, ExpectedStatus: 404,
			ExpectedContent: []string{`"status":404`}, AfterTestFunc: joined(),
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// An import counts as joining only when its welcome field says so: then
// its new clients and those it puts into the list get the welcome, those
// in the list already do not; a welcome with no list is refused by name.
func TestAnImportWelcomesOnlyWhenAsked(t *testing.T) {
	const file = "email\nnew1@example.org\nalice-client@example.com\nalice-client2@example.com\nnew2@example.org\n"
	before := func(s tests.ApiScenario) tests.ApiScenario {
		s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { openWelcome(t, app, 0) }
		return s
	}
	pending := func(want ...string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if got := welcomes(t, app); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("pending welcomes %v, want %v", got, want)
			}
		}
	}
	scenarios := []tests.ApiScenario{
		before(importScenario(t, "welcome on", "alice", file, map[string]string{"list": aliceList, "welcome": "true"}, 200,
			[]string{`"added":2`}, pending("alice-client2@example.com", "new1@example.org", "new2@example.org"))),
		before(importScenario(t, "welcome off (the default)", "alice", file, map[string]string{"list": aliceList}, 200,
			[]string{`"added":2`}, pending())),
		before(importScenario(t, "welcome with no list", "alice", file, map[string]string{"welcome": "true"}, 400,
			[]string{`"list":{"code":"validation_required"`}, pending())),
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
