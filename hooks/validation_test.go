package hooks_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// when formats a time as the API takes it.
func when(d time.Duration) string {
	return time.Now().UTC().Add(d).Format("2006-01-02 15:04:05.000Z")
}

// refused builds a scenario that must answer 400 naming field and leave the
// collection's record count as it was.
func refused(name, method, url, token, body, collection, field string) tests.ApiScenario {
	var before int64
	return tests.ApiScenario{
		Name:            name,
		Method:          method,
		URL:             url,
		Body:            strings.NewReader(body),
		Headers:         map[string]string{"Authorization": tokens[token]},
		TestAppFactory:  newTestApp,
		ExpectedStatus:  400,
		ExpectedContent: []string{`"data":{"` + field + `":{"code":`},
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			before, _ = app.CountRecords(collection)
		},
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if after, _ := app.CountRecords(collection); after != before {
				t.Fatalf("%s: %d records before, %d after", collection, before, after)
			}
		},
	}
}

// withList gives alice a list called name before the scenario.
func withList(s tests.ApiScenario, name string) tests.ApiScenario {
	before := s.BeforeTestFunc
	s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		col, err := app.FindCollectionByNameOrId("lists")
		if err != nil {
			t.Fatal(err)
		}
		r := core.NewRecord(col)
		r.Load(map[string]any{"owner": aliceID, "name": name})
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
		before(t, app, e)
	}
	return s
}

// unchanged asserts, after the scenario, that field of the record still holds want.
func unchanged(s tests.ApiScenario, collection, id, field, want string) tests.ApiScenario {
	after := s.AfterTestFunc
	s.AfterTestFunc = func(t testing.TB, app *tests.TestApp, res *http.Response) {
		if after != nil {
			after(t, app, res)
		}
		r, err := app.FindRecordById(collection, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(r.Get(field)); got != want {
			t.Fatalf("%s %s: %s is %q, want it unchanged %q", collection, id, field, got, want)
		}
	}
	return s
}

func TestSchedulesRefuseBadWindows(t *testing.T) {
	const url = "/api/collections/schedules/records"
	window := func(start, end string) string {
		return `{"mailing":"` + aliceMailing + `","starts_at":"` + start + `","ends_at":"` + end + `","period":"daily"}`
	}
	scenarios := []tests.ApiScenario{
		refused("a window that starts in the past", http.MethodPost, url, "alice", window(when(-time.Hour), when(time.Hour)), "schedules", "starts_at"),
		refused("a window that ends before it starts", http.MethodPost, url, "alice", window(when(2*time.Hour), when(time.Hour)), "schedules", "ends_at"),
		refused("a window that ends when it starts", http.MethodPost, url, "alice", window(when(time.Hour), when(time.Hour)), "schedules", "ends_at"),
		refused("a window on another user's mailing", http.MethodPost, url, "alice",
			`{"mailing":"`+bobMailing+`","starts_at":"`+when(time.Hour)+`","ends_at":"`+when(2*time.Hour)+`","period":"once"}`, "schedules", "mailing"),
		refused("a window with an unknown period", http.MethodPost, url, "alice",
			`{"mailing":"`+aliceMailing+`","starts_at":"`+when(time.Hour)+`","ends_at":"`+when(2*time.Hour)+`","period":"hourly"}`, "schedules", "period"),
		unchanged(refused("moving a window's start to the past", http.MethodPatch, url+"/"+aliceSchedule, "alice",
			`{"starts_at":"`+when(-time.Hour)+`"}`, "schedules", "starts_at"), "schedules", aliceSchedule, "period", "weekly"),
		unchanged(refused("moving a window's end before its start", http.MethodPatch, url+"/"+aliceSchedule, "alice",
			`{"ends_at":"`+when(time.Hour)+`"}`, "schedules", "ends_at"), "schedules", aliceSchedule, "period", "weekly"),
		refused("setting the next run by hand", http.MethodPatch, url+"/"+aliceSchedule, "alice",
			`{"next_run_at":"`+when(time.Hour)+`"}`, "schedules", "next_run_at"),
		refused("moving a window to another mailing", http.MethodPatch, url+"/"+aliceSchedule, "alice",
			`{"mailing":"`+bobMailing+`"}`, "schedules", "mailing"),
		{
			Name:            "a window that starts 30 s ago is within the grace",
			Method:          http.MethodPost,
			URL:             url,
			Body:            strings.NewReader(window(when(-30*time.Second), when(time.Hour))),
			Headers:         map[string]string{"Authorization": tokens["alice"]},
			TestAppFactory:  newTestApp,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"period":"daily"`},
		},
		{
			Name:            "moving the start later moves the next run with it",
			Method:          http.MethodPatch,
			URL:             url + "/" + aliceSchedule,
			Body:            strings.NewReader(`{"starts_at":"` + when(72*time.Hour) + `"}`),
			Headers:         map[string]string{"Authorization": tokens["alice"]},
			TestAppFactory:  newTestApp,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"id":"` + aliceSchedule + `"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				r, _ := app.FindRecordById("schedules", aliceSchedule)
				if !r.GetDateTime("next_run_at").Equal(r.GetDateTime("starts_at")) {
					t.Fatalf("next_run_at %v, starts_at %v", r.GetDateTime("next_run_at"), r.GetDateTime("starts_at"))
				}
			},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestRelationsNameOnlyTheOwnersRecords(t *testing.T) {
	scenarios := []tests.ApiScenario{
		refused("a mailing with another user's list", http.MethodPost, "/api/collections/mailings/records", "alice",
			`{"subject":"s","body":"<p>b</p>","lists":["`+bobList+`"]}`, "mailings", "lists"),
		refused("a mailing with another user's client", http.MethodPost, "/api/collections/mailings/records", "alice",
			`{"subject":"s","body":"<p>b</p>","clients":["`+aliceClient+`","`+bobClient+`"]}`, "mailings", "clients"),
		refused("a client in another user's list", http.MethodPost, "/api/collections/clients/records", "alice",
			`{"email":"new@example.com","lists":["`+bobList+`"]}`, "clients", "lists"),
		unchanged(refused("adding another user's list to a mailing", http.MethodPatch, "/api/collections/mailings/records/"+aliceMailing, "alice",
			`{"lists+":["`+bobList+`"]}`, "mailings", "lists"), "mailings", aliceMailing, "lists", "["+aliceList+"]"),
		unchanged(refused("putting a client into another user's list", http.MethodPatch, "/api/collections/clients/records/"+aliceClient2, "alice",
			`{"lists":["`+bobList+`"]}`, "clients", "lists"), "clients", aliceClient2, "lists", "[]"),
		unchanged(refused("giving a list away", http.MethodPatch, "/api/collections/lists/records/"+aliceList, "alice",
			`{"owner":"`+bobID+`"}`, "lists", "owner"), "lists", aliceList, "owner", aliceID),
		unchanged(refused("setting a mailing's status", http.MethodPatch, "/api/collections/mailings/records/"+aliceMailing, "alice",
			`{"status":"completed"}`, "mailings", "status"), "mailings", aliceMailing, "status", "created"),
		refused("a second client with the same email in other case", http.MethodPost, "/api/collections/clients/records", "alice",
			`{"email":"ALICE-client@Example.com"}`, "clients", "email"),
		refused("a second list with the same name", http.MethodPost, "/api/collections/lists/records", "alice",
			`{"name":"alice vip"}`, "lists", "name"),
		withList(refused("a list name alice has in other case, in Cyrillic", http.MethodPost, "/api/collections/lists/records", "alice",
			`{"name":"КЛИЕНТЫ"}`, "lists", "name"), "Клиенты"),
		refused("a subject of two lines", http.MethodPost, "/api/collections/mailings/records", "alice",
			`{"subject":"one\ntwo","body":"<p>b</p>","lists":["`+aliceList+`"]}`, "mailings", "subject"),
		refused("a mailing without a body", http.MethodPost, "/api/collections/mailings/records", "alice",
			`{"subject":"s","lists":["`+aliceList+`"]}`, "mailings", "body"),
		refused("a client without a valid email", http.MethodPost, "/api/collections/clients/records", "alice",
			`{"email":"not-an-email"}`, "clients", "email"),
		{
			Name:            "another user may have a client with the same email",
			Method:          http.MethodPost,
			URL:             "/api/collections/clients/records",
			Body:            strings.NewReader(`{"email":"alice-client@example.com","lists":["` + bobList + `"]}`),
			Headers:         map[string]string{"Authorization": tokens["bob"]},
			TestAppFactory:  newTestApp,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"owner":"` + bobID + `"`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// Hand-picked clients are capped with a message that points to lists; the
// cap is the schema's own MaxSelect.
func TestPickedClientsAreCapped(t *testing.T) {
	app := newTestApp(t)
	col, err := app.FindCollectionByNameOrId("mailings")
	app.Cleanup()
	if err != nil {
		t.Fatal(err)
	}
	max := col.Fields.GetByName("clients").(*core.RelationField).MaxSelect
	if max < 1000 || max > 5000 {
		t.Fatalf("the cap is %d: a few thousand is what a relation field carries well", max)
	}
	ids := make([]string, max+1)
	for i := range ids {
		ids[i] = fmt.Sprintf(`"%015d"`, i)
	}
	s := refused("one client past the cap", http.MethodPost, "/api/collections/mailings/records", "alice",
		`{"subject":"s","body":"<p>b</p>","clients":[`+strings.Join(ids, ",")+`]}`, "mailings", "clients")
	s.ExpectedContent = append(s.ExpectedContent, fmt.Sprintf("at most %d clients", max), "list")
	s.Test(t)
}

// Deleting a mailing takes its windows, runs and delivery log with it.
func TestDeletingAMailingDropsItsLog(t *testing.T) {
	(&tests.ApiScenario{
		Name:           "alice deletes her mailing",
		Method:         http.MethodDelete,
		URL:            "/api/collections/mailings/records/" + aliceMailing,
		Headers:        map[string]string{"Authorization": tokens["alice"]},
		TestAppFactory: newTestApp,
		ExpectedStatus: 204,
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			for _, c := range []string{"schedules", "runs", "deliveries"} {
				left, _ := app.CountRecords(c, dbx.HashExp{"mailing": aliceMailing})
				if left != 0 {
					t.Errorf("%d %s of the deleted mailing are left", left, c)
				}
			}
			if n, _ := app.CountRecords("deliveries", dbx.HashExp{"mailing": bobMailing}); n != 1 {
				t.Errorf("bob's log lost records: %d left", n)
			}
		},
	}).Test(t)
}

// An edited window that already ran moves its next run to its first
// occurrence after the last one, under the new period and end.
func TestEditingAWindowMovesItsNextRun(t *testing.T) {
	ranOnce := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		w, _ := app.FindRecordById("schedules", aliceSchedule)
		start := w.GetDateTime("starts_at")
		w.Set("last_run_at", start)
		w.Set("next_run_at", start.Add(7*24*time.Hour))
		if err := app.Save(w); err != nil {
			t.Fatal(err)
		}
	}
	nextIs := func(want func(start time.Time) time.Time) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			w, _ := app.FindRecordById("schedules", aliceSchedule)
			got, start := w.GetDateTime("next_run_at").Time(), w.GetDateTime("starts_at").Time()
			if !got.Equal(want(start)) {
				t.Fatalf("next_run_at %v, want %v", got, want(start))
			}
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name:   "weekly becomes daily after a run",
			Method: http.MethodPatch, URL: "/api/collections/schedules/records/" + aliceSchedule,
			Body:           strings.NewReader(`{"period":"daily"}`),
			Headers:        map[string]string{"Authorization": tokens["alice"]},
			TestAppFactory: newTestApp, BeforeTestFunc: ranOnce,
			ExpectedStatus: 200, ExpectedContent: []string{`"period":"daily"`},
			AfterTestFunc: nextIs(func(start time.Time) time.Time { return start.Add(24 * time.Hour) }),
		},
		{
			Name:   "the end moved before the next occurrence closes the window",
			Method: http.MethodPatch, URL: "/api/collections/schedules/records/" + aliceSchedule,
			Body:           strings.NewReader(`{"ends_at":"` + when(3*24*time.Hour) + `"}`),
			Headers:        map[string]string{"Authorization": tokens["alice"]},
			TestAppFactory: newTestApp, BeforeTestFunc: ranOnce,
			ExpectedStatus: 200, ExpectedContent: []string{`"next_run_at":""`},
			AfterTestFunc: nextIs(func(time.Time) time.Time { return time.Time{} }),
		},
	}
	completed := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		m, _ := app.FindRecordById("mailings", aliceMailing)
		m.Set("status", "completed")
		if err := app.Save(m); err != nil {
			t.Fatal(err)
		}
	}
	add := refused("a window on a completed mailing", http.MethodPost, "/api/collections/schedules/records", "alice",
		`{"mailing":"`+aliceMailing+`","starts_at":"`+when(time.Hour)+`","ends_at":"`+when(2*time.Hour)+`","period":"once"}`, "schedules", "mailing")
	add.ExpectedContent = append(add.ExpectedContent, "create a new mailing")
	move := refused("moving a window of a completed mailing", http.MethodPatch, "/api/collections/schedules/records/"+aliceSchedule, "alice",
		`{"ends_at":"`+when(90*24*time.Hour)+`"}`, "schedules", "mailing")
	countAfter := move.AfterTestFunc
	move.AfterTestFunc = func(t testing.TB, app *tests.TestApp, res *http.Response) {
		countAfter(t, app, res)
		w, _ := app.FindRecordById("schedules", aliceSchedule)
		if w.GetDateTime("ends_at").Time().After(time.Now().Add(60 * 24 * time.Hour)) {
			t.Fatalf("the window moved to end at %v", w.GetDateTime("ends_at"))
		}
	}
	for _, s := range []tests.ApiScenario{add, move} {
		count := s.BeforeTestFunc
		s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) { completed(t, app, e); count(t, app, e) }
		scenarios = append(scenarios, s)
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// The logs page's chart counts the caller's own messages per day, in their
// time zone, and nobody else's: the runs' counters (kept by the
// dispatcher), each run on the day it started.
func TestDailyDeliveries(t *testing.T) {
	// alice's run of the fixture (its one message sent) started when it was
	// due, tomorrow; a run of today failed its one message
	started := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		run, _ := app.FindRecordById("runs", aliceRun)
		run.Set("started_at", run.GetDateTime("run_at"))
		if err := app.Save(run); err != nil {
			t.Fatal(err)
		}
	}
	addFailed := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		started(t, app, e)
		col, _ := app.FindCollectionByNameOrId("runs")
		r := core.NewRecord(col)
		r.Load(map[string]any{"owner": aliceID, "mailing": aliceMailing, "run_at": time.Now(), "status": "done",
			"total": 1, "failed": 1, "started_at": time.Now(), "finished_at": time.Now()})
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
		col, _ = app.FindCollectionByNameOrId("deliveries")
		d := core.NewRecord(col)
		d.Load(map[string]any{"owner": aliceID, "mailing": aliceMailing, "run": r.Id, "client": aliceClient2,
			"email": "alice-client2@example.com", "run_at": time.Now(), "status": "failed", "response": "550 no"})
		if err := app.Save(d); err != nil {
			t.Fatal(err)
		}
	}
	tomorrow := time.Now().UTC().Add(24 * time.Hour).Format("2006-01-02")
	today := time.Now().UTC().Format("2006-01-02")
	inZone := func(zone string) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
		return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			alice, _ := app.FindRecordById("users", aliceID)
			alice.Set("timezone", zone)
			if err := app.Save(alice); err != nil {
				t.Fatal(err)
			}
		}
	}
	scenarios := []tests.ApiScenario{
		{Name: "anonymous", Method: http.MethodGet, URL: "/api/postrider/deliveries/daily", TestAppFactory: newTestApp, ExpectedStatus: 401,
			ExpectedContent: []string{`"data":{}`}},
		{Name: "alice sees her sent and failed messages by day", Method: http.MethodGet, URL: "/api/postrider/deliveries/daily",
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp, BeforeTestFunc: addFailed,
			ExpectedStatus:  200,
			ExpectedContent: []string{`{"day":"` + today + `","sent":0,"failed":1}`, `{"day":"` + tomorrow + `","sent":1,"failed":0}`}},
		{Name: "a date range keeps the days inside it", Method: http.MethodGet, URL: "/api/postrider/deliveries/daily?from=" + tomorrow + "&to=" + tomorrow,
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp, BeforeTestFunc: addFailed,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`{"day":"` + tomorrow + `","sent":1,"failed":0}`},
			NotExpectedContent: []string{today}},
		{Name: "a bad date is refused by name", Method: http.MethodGet, URL: "/api/postrider/deliveries/daily?from=March",
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp,
			ExpectedStatus: 400, ExpectedContent: []string{`"from":{"code":"validation_invalid_date"`}},
		{Name: "the widest range keeps every day", Method: http.MethodGet, URL: "/api/postrider/deliveries/daily?from=0001-01-01&to=9999-12-31",
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp, BeforeTestFunc: addFailed,
			ExpectedStatus:  200,
			ExpectedContent: []string{`{"day":"` + today + `","sent":0,"failed":1}`, `{"day":"` + tomorrow + `","sent":1,"failed":0}`}},
		{Name: "the last day, west of UTC, ends after every delivery", Method: http.MethodGet, URL: "/api/postrider/deliveries/daily?to=9999-12-31",
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				started(t, app, e)
				inZone("America/Los_Angeles")(t, app, e)
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"sent":1`}},
		{Name: "a day that does not exist is refused by name", Method: http.MethodGet, URL: "/api/postrider/deliveries/daily?to=2027-02-30",
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp,
			ExpectedStatus: 400, ExpectedContent: []string{`"to":{"code":"validation_invalid_date"`}},
		{Name: "a five-digit year is refused by name", Method: http.MethodGet, URL: "/api/postrider/deliveries/daily?from=10000-01-01",
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp,
			ExpectedStatus: 400, ExpectedContent: []string{`"from":{"code":"validation_invalid_date"`}},
		{Name: "the moderator sees no one else's", Method: http.MethodGet, URL: "/api/postrider/deliveries/daily",
			Headers: map[string]string{"Authorization": tokens["mod"]}, TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`[]`}},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// A name is one line of text: the REST API refuses control characters in
// it, and the import puts a name cell's line breaks on one line.
func TestNamesAreOneLine(t *testing.T) {
	const users, clients = "/api/collections/users/records", "/api/collections/clients/records"
	nameIs := func(collection, filter, want string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			r, err := app.FindFirstRecordByFilter(collection, filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.GetString("name"); got != want {
				t.Fatalf("name %q, want %q", got, want)
			}
		}
	}
	// an account saved before the check, with a line break in its name
	oldName := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		bob, _ := app.FindRecordById("users", bobID)
		bob.Set("name", "Bob\nOld")
		if err := app.SaveNoValidate(bob); err != nil {
			t.Fatal(err)
		}
	}
	scenarios := []tests.ApiScenario{
		refused("sign-up with a line break in the name", "POST", users, "",
			`{"email":"nl@example.com","password":"a long password","passwordConfirm":"a long password","name":"New\nComer"}`, "users", "name"),
		unchanged(refused("a user's name with CR LF", "PATCH", users+"/"+aliceID, "alice", `{"name":"Alice\r\nBcc: x@example.com"}`, "users", "name"),
			"users", aliceID, "name", aliceID),
		unchanged(refused("a user's name with NUL", "PATCH", users+"/"+aliceID, "alice", `{"name":"Alice\u0000"}`, "users", "name"),
			"users", aliceID, "name", aliceID),
		refused("a client's name with a line break", "POST", clients, "alice", `{"email":"nl@example.com","name":"Jane\nDoe"}`, "clients", "name"),
		unchanged(refused("a client's name with a tab", "PATCH", clients+"/"+aliceClient, "alice", `{"name":"alice\tclient"}`, "clients", "name"),
			"clients", aliceClient, "name", "alice client"),
		{Name: "an older name with a line break does not stop a block", Method: http.MethodPatch, URL: users + "/" + bobID,
			Headers: map[string]string{"Authorization": tokens["mod"]}, Body: strings.NewReader(`{"blocked":true,"blocked_reason":"Spam"}`),
			TestAppFactory: newTestApp, BeforeTestFunc: oldName, ExpectedStatus: 200, ExpectedContent: []string{`"blocked":true`}},
		importScenario(t, "the import puts a name cell's line breaks on one line", "alice",
			"email,name\nivanov@example.org,\"Ivanov \r\n Ivan\"\nvtab@example.org,\"Petrov\vPetr\"\n", nil, 200,
			[]string{`"added":2`, `"refused":0`}, func(t testing.TB, app *tests.TestApp, res *http.Response) {
				nameIs("clients", "email = 'ivanov@example.org'", "Ivanov Ivan")(t, app, res)
				nameIs("clients", "email = 'vtab@example.org'", "Petrov Petr")(t, app, res)
			}),
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// A daily window may name its days of the week: it is first due on the
// first of them, a window none of them falls in is refused, and only a
// daily window takes them.
func TestDailyWindowsKeepTheirDaysOfTheWeek(t *testing.T) {
	const url = "/api/collections/schedules/records"
	// a Saturday 09:00 UTC (alice's zone) at least two days ahead
	sat := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2).Add(9 * time.Hour)
	for sat.Weekday() != time.Saturday {
		sat = sat.AddDate(0, 0, 1)
	}
	at := func(t time.Time) string { return t.Format("2006-01-02 15:04:05.000Z") }
	window := func(period string, end time.Time, days string) string {
		return `{"mailing":"` + aliceMailing + `","starts_at":"` + at(sat) + `","ends_at":"` + at(end) + `","period":"` + period + `","weekdays":` + days + `}`
	}
	weekend := refused("weekdays only, in a window of one weekend", http.MethodPost, url, "alice",
		window("daily", sat.Add(36*time.Hour), `["mon","tue","wed","thu","fri"]`), "schedules", "weekdays")
	weekend.ExpectedContent = append(weekend.ExpectedContent, "validation_no_kept_day")
	scenarios := []tests.ApiScenario{
		refused("days of the week on a weekly window", http.MethodPost, url, "alice",
			window("weekly", sat.AddDate(0, 0, 30), `["mon"]`), "schedules", "weekdays"),
		refused("a day that is none", http.MethodPost, url, "alice",
			window("daily", sat.AddDate(0, 0, 30), `["someday"]`), "schedules", "weekdays"),
		weekend,
		{
			Name: "Mondays only, from a Saturday: first due on Monday at the same time", Method: http.MethodPost, URL: url,
			Body:    strings.NewReader(window("daily", sat.AddDate(0, 0, 30), `["mon"]`)),
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"weekdays":["mon"]`, `"next_run_at":"` + at(sat.AddDate(0, 0, 2)) + `"`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// An address past RFC 5321's lengths (64 octets before the @, 254 in all)
// is refused wherever one is kept: servers refuse it at RCPT TO, and its
// header could pass a line's 998 octets. An older one still saves.
func TestAddressesFitRFC5321(t *testing.T) {
	const users, clients, senders = "/api/collections/users/records", "/api/collections/clients/records", "/api/collections/senders/records"
	long := strings.Repeat("x", 65) + "@example.com"
	longDomain := "a@" + strings.Repeat("d", 250) + ".example"
	fits := strings.Repeat("x", 64) + "@example.com"
	tooLong := func(s tests.ApiScenario) tests.ApiScenario {
		s.ExpectedContent = append(s.ExpectedContent, "validation_email_too_long")
		return s
	}
	// a client saved before the check with a long address
	oldAddress := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		c, _ := app.FindRecordById("clients", aliceClient)
		c.Set("email", long)
		if err := app.SaveNoValidate(c); err != nil {
			t.Fatal(err)
		}
	}
	scenarios := []tests.ApiScenario{
		tooLong(refused("sign-up with 65 octets before the @", "POST", users, "",
			`{"email":"`+long+`","password":"a long password","passwordConfirm":"a long password"}`, "users", "email")),
		tooLong(refused("a client with 65 octets before the @", "POST", clients, "alice", `{"email":"`+long+`"}`, "clients", "email")),
		tooLong(refused("a client over 254 octets", "POST", clients, "alice", `{"email":"`+longDomain+`"}`, "clients", "email")),
		unchanged(tooLong(refused("a client's address made too long", "PATCH", clients+"/"+aliceClient, "alice", `{"email":"`+long+`"}`, "clients", "email")),
			"clients", aliceClient, "email", "alice-client@example.com"),
		tooLong(refused("a sender with 65 octets before the @", "POST", senders, "alice", `{"name":"Desk","email":"`+long+`"}`, "senders", "email")),
		tooLong(refused("a sender's reply-to over 254 octets", "POST", senders, "alice", `{"name":"Desk","email":"d@desk.example","reply_to":"`+longDomain+`"}`, "senders", "reply_to")),
		{Name: "a client with 64 octets before the @ is kept", Method: http.MethodPost, URL: clients,
			Headers: map[string]string{"Authorization": tokens["alice"]}, Body: strings.NewReader(`{"email":"` + fits + `"}`),
			TestAppFactory: newTestApp, ExpectedStatus: 200, ExpectedContent: []string{`"email":"` + fits + `"`}},
		{Name: "an older long address does not stop a rename", Method: http.MethodPatch, URL: clients + "/" + aliceClient,
			Headers: map[string]string{"Authorization": tokens["alice"]}, Body: strings.NewReader(`{"name":"Renamed"}`),
			TestAppFactory: newTestApp, BeforeTestFunc: oldAddress, ExpectedStatus: 200, ExpectedContent: []string{`"name":"Renamed"`}},
		importScenario(t, "the import refuses a row with a long address, naming why", "alice",
			"email\n"+long+"\n"+fits+"\n", nil, 200,
			[]string{`"added":1`, `"refused":1`, `{"line":2,"email":"` + long + `","reason":"the email address is too long (at most 254 characters, 64 before the @)"}`}, nil),
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
