package hooks_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

// A mailing sent once per client reaches in the calendar only the clients
// it has not reached yet; a welcome window is one item, "when a client
// joins" its list, at its start, not a row per day; bob sees neither.
func TestCalendarShowsNewcomersAndWelcomes(t *testing.T) {
	auth := func(who string) map[string]string { return map[string]string{"Authorization": tokens[who]} }
	onceReachedOne := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		updateRecord(t, app, "mailings", aliceMailing, map[string]any{"once_per_client": true})
		if _, err := app.DB().NewQuery(`INSERT INTO _postrider_reached (mailing, client) VALUES ({:m}, {:c})`).
			Bind(map[string]any{"m": aliceMailing, "c": aliceClient}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	starts := time.Now().UTC().AddDate(0, 0, 3).Truncate(time.Minute)
	welcome := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		col, _ := app.FindCollectionByNameOrId("schedules")
		w := core.NewRecord(col)
		w.Load(map[string]any{"mailing": aliceMailing, "starts_at": starts, "ends_at": starts.AddDate(0, 0, 60),
			"next_run_at": starts, "period": "on_join", "list": aliceList, "delay_minutes": 90})
		if err := app.Save(w); err != nil {
			t.Fatal(err)
		}
	}
	welcomes := func(t testing.TB, res *http.Response) []string {
		var days []string
		for _, it := range readCalendar(t, res).Items {
			if it.Window.Period == "on_join" {
				days = append(days, it.Day)
			}
		}
		return days
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "alice: her once-per-client mailing reaches the one client it has not had",
			URL:  calendarURL(""), Headers: auth("alice"), TestAppFactory: newTestApp, BeforeTestFunc: onceReachedOne,
			ExpectedStatus: 200, ExpectedContent: []string{`"recipients":1`},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				a := readCalendar(t, res)
				if got := perMailing(a); got[aliceMailing] != 5 {
					t.Fatalf("occurrences per mailing: %v", got)
				}
				for i, it := range a.Items {
					if it.Mailing.Recipients != 1 {
						t.Errorf("occurrence %d reaches %d, want 1 (2 in its audience, 1 reached)", i, it.Mailing.Recipients)
					}
				}
			},
		},
		{
			Name: "a moderator's all=1: the same reach for alice's once-per-client mailing",
			URL:  calendarURL("&all=1"), Headers: auth("mod"), TestAppFactory: newTestApp, BeforeTestFunc: onceReachedOne,
			ExpectedStatus: 200, ExpectedContent: []string{`"recipients":1`},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				for _, it := range readCalendar(t, res).Items {
					if it.Mailing.ID == aliceMailing && it.Mailing.Recipients != 1 {
						t.Errorf("alice's mailing reaches %d, want 1", it.Mailing.Recipients)
					}
				}
			},
		},
		{
			Name: "alice: her welcome window once, on its first day, naming its list",
			URL:  calendarURL(""), Headers: auth("alice"), TestAppFactory: newTestApp, BeforeTestFunc: welcome,
			ExpectedStatus: 200, ExpectedContent: []string{`"list_name":"alice VIP"`, `"delay_minutes":90`},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				if days := welcomes(t, res); len(days) != 1 || days[0] != starts.Format(time.DateOnly) {
					t.Errorf("the welcome window shown on %v, want once on %s", days, starts.Format(time.DateOnly))
				}
			},
		},
		{
			Name: "alice: a welcome window opened before the range, on its first day",
			URL:  calendarURL(""), Headers: auth("alice"), TestAppFactory: newTestApp,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				starts = time.Now().UTC().AddDate(0, 0, -3).Truncate(time.Minute)
				welcome(t, app, e)
				// the dispatcher opened it: its next_run_at is cleared
				if _, err := app.DB().NewQuery(`UPDATE schedules SET next_run_at = '' WHERE period = 'on_join'`).Execute(); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"period":"on_join"`},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				today := time.Now().UTC().Format(time.DateOnly)
				if days := welcomes(t, res); len(days) != 1 || days[0] != today {
					t.Errorf("the open welcome window shown on %v, want once on %s", days, today)
				}
			},
		},
		{
			Name: "bob: not alice's welcome window",
			URL:  calendarURL(""), Headers: auth("bob"), TestAppFactory: newTestApp, BeforeTestFunc: welcome,
			ExpectedStatus: 200, NotExpectedContent: []string{`"on_join"`, "alice VIP", aliceMailing},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
