package hooks_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/hooks"
)

type calendarAnswer struct {
	Timezone string `json:"timezone"`
	More     bool   `json:"more"`
	Items    []struct {
		At      string `json:"at"`
		Day     string `json:"day"`
		Held    string `json:"held"`
		Mailing struct {
			ID          string `json:"id"`
			Subject     string `json:"subject"`
			SenderEmail string `json:"sender_email"`
			Recipients  int    `json:"recipients"`
		} `json:"mailing"`
		Window struct {
			ID     string `json:"id"`
			Period string `json:"period"`
		} `json:"window"`
		Owner *struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"owner"`
	} `json:"items"`
}

func readCalendar(t testing.TB, res *http.Response) calendarAnswer {
	t.Helper()
	body, _ := io.ReadAll(res.Body)
	var out calendarAnswer
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return out
}

// calendarURL asks for the days from today to 30 days on, in UTC (the
// fixture's users' zone): the fixture's weekly windows start tomorrow and
// end 30 days later, five occurrences each.
func calendarURL(extra string) string {
	today := time.Now().UTC()
	return "/api/postrider/calendar?from=" + today.Format(time.DateOnly) + "&to=" + today.AddDate(0, 0, 31).Format(time.DateOnly) + extra
}

// perMailing counts the occurrences of each mailing in an answer.
func perMailing(a calendarAnswer) map[string]int {
	n := map[string]int{}
	for _, it := range a.Items {
		n[it.Mailing.ID]++
	}
	return n
}

func updateRecord(t testing.TB, app core.App, collection, id string, data map[string]any) {
	t.Helper()
	r, err := app.FindRecordById(collection, id)
	if err != nil {
		t.Fatal(err)
	}
	r.Load(data)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
}

// The calendar shows each caller their own windows' occurrences only, a
// moderator's all=1 every user's with the owner, and refuses the rest.
func TestCalendarShowsWhomItMay(t *testing.T) {
	auth := func(who string) map[string]string { return map[string]string{"Authorization": tokens[who]} }
	scenarios := []tests.ApiScenario{
		{
			Name: "alice sees her weekly window's five occurrences, with her mailing's reach and none of bob's",
			URL:  calendarURL(""), Headers: auth("alice"), TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"subject":"alice news"`}, NotExpectedContent: []string{bobMailing, "bob news", `"owner"`},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				a := readCalendar(t, res)
				if got := perMailing(a); len(got) != 1 || got[aliceMailing] != 5 {
					t.Fatalf("occurrences per mailing: %v", got)
				}
				tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
				for i, it := range a.Items {
					if want := time.Now().UTC().AddDate(0, 0, 1+7*i).Format(time.DateOnly); it.Day != want {
						t.Errorf("occurrence %d on %s, want %s (a week after %s)", i, it.Day, want, tomorrow)
					}
					// her list's client and her hand-picked one
					if it.Mailing.Recipients != 2 || it.Held != "" || it.Window.ID != aliceSchedule || it.Window.Period != "weekly" {
						t.Errorf("occurrence %d: %+v", i, it)
					}
				}
			},
		},
		{
			Name: "bob sees none of alice's",
			URL:  calendarURL(""), Headers: auth("bob"), TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"subject":"bob news"`}, NotExpectedContent: []string{aliceMailing, "alice news", "alice@example.com"},
		},
		{
			Name: "a moderator's own calendar has no one else's",
			URL:  calendarURL(""), Headers: auth("mod"), TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"items":[]`}, NotExpectedContent: []string{aliceMailing, bobMailing},
		},
		{
			Name: "a moderator's all=1 has every user's, with their owners",
			URL:  calendarURL("&all=1"), Headers: auth("mod"), TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"email":"alice@example.com"`, `"email":"bob@example.com"`},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				a := readCalendar(t, res)
				if got := perMailing(a); len(got) != 2 || got[aliceMailing] != 5 || got[bobMailing] != 5 {
					t.Fatalf("occurrences per mailing: %v", got)
				}
				for _, it := range a.Items {
					want := map[string]string{aliceMailing: aliceID, bobMailing: bobID}[it.Mailing.ID]
					if it.Owner == nil || it.Owner.ID != want {
						t.Fatalf("%s shown with owner %+v", it.Mailing.ID, it.Owner)
					}
				}
			},
		},
		{
			Name: "a plain user's all=1 is refused",
			URL:  calendarURL("&all=1"), Headers: auth("alice"), TestAppFactory: newTestApp,
			ExpectedStatus: 403, ExpectedContent: []string{`"status":403`}, NotExpectedContent: []string{aliceMailing, bobMailing},
		},
		{
			Name: "a blocked user's token is refused",
			URL:  calendarURL(""), Headers: auth("bellaOld"), TestAppFactory: newTestApp,
			ExpectedStatus: 403, ExpectedContent: []string{`"account_blocked"`}, NotExpectedContent: []string{`"items"`},
		},
		{
			Name: "a visitor gets 401", URL: calendarURL(""), TestAppFactory: newTestApp,
			ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, NotExpectedContent: []string{`"items"`},
		},
		{
			Name: "a superuser has no calendar of their own", URL: calendarURL("&all=1"), Headers: auth("superuser"), TestAppFactory: newTestApp,
			ExpectedStatus: 403, ExpectedContent: []string{`"status":403`}, NotExpectedContent: []string{`"items"`},
		},
		{
			Name: "a stopped mailing's occurrences are there, marked stopped",
			URL:  calendarURL(""), Headers: auth("alice"), TestAppFactory: newTestApp,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				updateRecord(t, app, "mailings", aliceMailing, map[string]any{"stopped": true})
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"held":"stopped"`}, NotExpectedContent: []string{`"held":""`},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				if got := perMailing(readCalendar(t, res)); got[aliceMailing] != 5 {
					t.Fatalf("occurrences per mailing: %v", got)
				}
			},
		},
		{
			Name: "a completed mailing has none",
			URL:  calendarURL(""), Headers: auth("alice"), TestAppFactory: newTestApp,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				updateRecord(t, app, "mailings", aliceMailing, map[string]any{"status": "completed"})
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"items":[]`}, NotExpectedContent: []string{aliceMailing},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// A range is two days of the caller's zone, to not before from, at most
// 62 days in all; anything else answers 400 naming the field.
func TestCalendarRefusesBadRanges(t *testing.T) {
	for _, c := range []struct{ name, query, field string }{
		{"no from", "to=2027-03-01", "from"},
		{"no to", "from=2027-03-01", "to"},
		{"from not a date", "from=tomorrow&to=2027-03-01", "from"},
		{"to not a day of the calendar", "from=2027-02-01&to=2027-02-30", "to"},
		{"to before from", "from=2027-03-02&to=2027-03-01", "to"},
		{"63 days", "from=2027-03-01&to=2027-05-02", "to"},
	} {
		s := tests.ApiScenario{
			Name: c.name, URL: "/api/postrider/calendar?" + c.query, Headers: map[string]string{"Authorization": tokens["alice"]},
			TestAppFactory: newTestApp, ExpectedStatus: 400,
			ExpectedContent: []string{`"` + c.field + `":{"code":"validation_`}, NotExpectedContent: []string{`"items"`},
		}
		s.Test(t)
	}
	ok := tests.ApiScenario{
		Name: "62 days", URL: "/api/postrider/calendar?from=2027-03-01&to=2027-05-01", Headers: map[string]string{"Authorization": tokens["alice"]},
		TestAppFactory: newTestApp, ExpectedStatus: 200, ExpectedContent: []string{`"items":[]`},
	}
	ok.Test(t)
}

// A daily 09:00 window of a user in Europe/Berlin shows 09:00 each day,
// before and after the clocks go forward at the end of March.
func TestCalendarKeepsTheWallClockAcrossDST(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	year := time.Now().Year() + 1
	start := time.Date(year, time.March, 25, 9, 0, 0, 0, berlin)
	s := tests.ApiScenario{
		Name:    "daily at 09:00 over the March change",
		URL:     "/api/postrider/calendar?from=" + start.AddDate(0, 0, -1).Format(time.DateOnly) + "&to=" + start.AddDate(0, 0, 9).Format(time.DateOnly),
		Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp,
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			updateRecord(t, app, "users", aliceID, map[string]any{"timezone": "Europe/Berlin"})
			updateRecord(t, app, "schedules", aliceSchedule, map[string]any{
				"period": "daily", "starts_at": start, "ends_at": start.AddDate(0, 1, 0), "next_run_at": start,
			})
		},
		ExpectedStatus: 200, ExpectedContent: []string{`"timezone":"Europe/Berlin"`},
		AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
			a := readCalendar(t, res)
			if len(a.Items) != 10 {
				t.Fatalf("%d occurrences, want 10 (25 March to 3 April): %+v", len(a.Items), a.Items)
			}
			utcHours := map[int]bool{}
			for i, it := range a.Items {
				at, err := time.Parse("2006-01-02 15:04:05.000Z", it.At)
				if err != nil {
					t.Fatal(err)
				}
				local := at.In(berlin)
				if want := start.AddDate(0, 0, i); local.Hour() != 9 || local.Minute() != 0 || it.Day != want.Format(time.DateOnly) {
					t.Errorf("occurrence %d at %s (day %s), want 09:00 on %s", i, local, it.Day, want.Format(time.DateOnly))
				}
				utcHours[at.Hour()] = true
			}
			if !utcHours[8] || !utcHours[7] {
				t.Errorf("the range should cross the change (08:00 then 07:00 UTC): %v", utcHours)
			}
		},
	}
	s.Test(t)
}

// A window that is due already (the dispatcher has not passed since)
// shows the one occurrence its next pass sends, the latest by now, and
// none of those it missed; a stopped mailing's due one is not shown, as
// it goes whenever the mailing is resumed. Read at a given now, on an app
// that does not serve (whose dispatcher would claim the due one).
func TestCalendarShowsADueWindowAsItsNextPassSendsIt(t *testing.T) {
	start := time.Now().UTC().Add(24 * time.Hour).Truncate(time.Minute)
	now := start.Add(72*time.Hour + time.Hour) // three occurrences after start, the dispatcher not there
	from := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 7)
	for _, c := range []struct {
		stopped bool
		first   time.Time
		n       int
		held    string
	}{
		{false, start.AddDate(0, 0, 3), 4, ""},       // the 4th day's (due), 5th, 6th, 7th
		{true, start.AddDate(0, 0, 4), 3, "stopped"}, // the 5th, 6th, 7th
	} {
		app := newTestApp(t)
		updateRecord(t, app, "schedules", aliceSchedule, map[string]any{
			"period": "daily", "starts_at": start, "ends_at": start.AddDate(0, 0, 30), "next_run_at": start,
		})
		updateRecord(t, app, "mailings", aliceMailing, map[string]any{"stopped": c.stopped})
		items, more, err := hooks.Calendar(app, aliceID, time.UTC, from, to, now)
		app.Cleanup()
		if err != nil || more {
			t.Fatal(err, more)
		}
		if len(items) != c.n || !items[0].At.Time().Equal(c.first) || items[0].Held != c.held {
			t.Fatalf("stopped %v: %d occurrences from %v (held %q), want %d from %v", c.stopped, len(items), items[0].At, items[0].Held, c.n, c.first)
		}
		for i, it := range items {
			if want := c.first.AddDate(0, 0, i); !it.At.Time().Equal(want) {
				t.Errorf("stopped %v: occurrence %d at %v, want %v", c.stopped, i, it.At, want)
			}
		}
	}
}

// A window sent at each recipient's own time shows the owner's
// occurrences as the dispatcher claims them: the first one claimed
// already (next_run_at is when Kiritimati reaches the second), the second
// due, and the one after the window's end that Kiritimati reaches inside it.
func TestCalendarShowsARecipientTimeWindowAsTheDispatcherClaimsIt(t *testing.T) {
	start := time.Now().UTC().Add(24 * time.Hour).Truncate(time.Minute)
	now := start.Add(11 * time.Hour) // Kiritimati has reached the second occurrence
	from := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	app := newTestApp(t)
	defer app.Cleanup()
	updateRecord(t, app, "schedules", aliceSchedule, map[string]any{
		"period": "daily", "starts_at": start, "ends_at": start.AddDate(0, 0, 3).Add(-time.Hour), "recipient_time": true,
		"next_run_at": start.AddDate(0, 0, 1).Add(-14 * time.Hour), "last_run_at": start,
	})
	items, _, err := hooks.Calendar(app, aliceID, time.UTC, from, from.AddDate(0, 0, 7), now)
	if err != nil {
		t.Fatal(err)
	}
	var got []time.Time
	for _, it := range items {
		got = append(got, it.At.Time())
	}
	want := []time.Time{start.AddDate(0, 0, 1), start.AddDate(0, 0, 2), start.AddDate(0, 0, 3)}
	if len(got) != len(want) {
		t.Fatalf("occurrences %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Fatalf("occurrences %v, want %v", got, want)
		}
	}
}
