package hooks_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/internal/schedule"
)

// clients.timezone: an IANA name or empty, on every path that saves a
// client; only the owner sets it.
func TestClientTimezoneIsAKnownZone(t *testing.T) {
	const url = "/api/collections/clients/records"
	zoneIs := func(id, want string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			c, err := app.FindRecordById("clients", id)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.GetString("timezone"); got != want {
				t.Fatalf("client %s: timezone %q, want %q", id, got, want)
			}
		}
	}
	patch := func(name, caller, body string, status int, content []string, id, want string) tests.ApiScenario {
		s := tests.ApiScenario{
			Name: name, Method: http.MethodPatch, URL: url + "/" + id, Body: strings.NewReader(body),
			TestAppFactory: newTestApp, ExpectedStatus: status, ExpectedContent: content, AfterTestFunc: zoneIs(id, want),
		}
		if caller != anonymous {
			s.Headers = map[string]string{"Authorization": tokens[caller]}
		}
		return s
	}
	scenarios := []tests.ApiScenario{
		refused("a new client in an unknown zone", http.MethodPost, url, "alice",
			`{"owner":"`+aliceID+`","email":"mars@example.com","timezone":"Mars/Olympus_Mons"}`, "clients", "timezone"),
		refused("the server's Local is no zone", http.MethodPost, url, "alice",
			`{"owner":"`+aliceID+`","email":"local@example.com","timezone":"Local"}`, "clients", "timezone"),
		{
			Name: "a new client in Kiritimati", Method: http.MethodPost, URL: url, TestAppFactory: newTestApp,
			Body:    strings.NewReader(`{"owner":"` + aliceID + `","email":"kiri@example.com","timezone":"Pacific/Kiritimati"}`),
			Headers: map[string]string{"Authorization": tokens["alice"]}, ExpectedStatus: 200,
			ExpectedContent: []string{`"timezone":"Pacific/Kiritimati"`},
		},
		patch("the owner sets a zone", "alice", `{"timezone":"Australia/Lord_Howe"}`, 200,
			[]string{`"timezone":"Australia/Lord_Howe"`}, aliceClient, "Australia/Lord_Howe"),
		patch("the owner names an unknown zone: 400 naming it", "alice", `{"timezone":"Europe/Atlantis"}`, 400,
			[]string{`"timezone":{"code":"validation_invalid_timezone"`}, aliceClient, ""),
		patch("another user cannot set it", "bob", `{"timezone":"Europe/Moscow"}`, 404, []string{`"status":404`}, aliceClient, ""),
		patch("a moderator cannot set it", "mod", `{"timezone":"Europe/Moscow"}`, 404, []string{`"status":404`}, aliceClient, ""),
		patch("a blocked user's old token cannot", "bellaOld", `{"timezone":"Europe/Moscow"}`, 403, []string{`"status":403`}, aliceClient, ""),
		patch("an anonymous visitor cannot", anonymous, `{"timezone":"Europe/Moscow"}`, 404, []string{`"status":404`}, aliceClient, ""),
		patch("a superuser may", "superuser", `{"timezone":"Europe/Moscow"}`, 200, []string{`"timezone":"Europe/Moscow"`}, aliceClient, "Europe/Moscow"),
		importScenario(t, "the import's timezone column: a known zone is kept, an unknown one refuses its line", "alice",
			"email,name,timezone\nzoned@example.org,Zoned,Pacific/Pago_Pago\nnozone@example.org,No zone,\nbad@example.org,Bad,Moon/Base\n",
			nil, 200, []string{`"added":2`, `"refused":1`, `{"line":4,"email":"bad@example.org","reason":"unknown time zone`},
			func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				for email, want := range map[string]string{"zoned@example.org": "Pacific/Pago_Pago", "nozone@example.org": ""} {
					c, err := app.FindFirstRecordByFilter("clients", "owner = {:o} && email = {:e}", dbx.Params{"o": aliceID, "e": email})
					if err != nil || c.GetString("timezone") != want {
						t.Fatalf("%s: %v, timezone %q, want %q", email, err, c.GetString("timezone"), want)
					}
				}
				if _, err := app.FindFirstRecordByFilter("clients", "email = 'bad@example.org'"); err == nil {
					t.Fatal("the line with an unknown zone was saved")
				}
			}),
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// schedules.recipient_time: such a window is due when the first zone
// (UTC+14) reaches its occurrence, an ordinary one at its start; only the
// owner ticks it.
func TestRecipientTimeWindowIsDueWhenTheFirstZoneReachesIt(t *testing.T) {
	const url = "/api/collections/schedules/records"
	start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second)
	body := func(rt bool) string {
		b := `{"mailing":"` + aliceMailing + `","starts_at":"` + start.Format("2006-01-02 15:04:05.000Z") +
			`","ends_at":"` + start.Add(72*time.Hour).Format("2006-01-02 15:04:05.000Z") + `","period":"daily","recipient_time":`
		if rt {
			return b + `true}`
		}
		return b + `false}`
	}
	alice := map[string]string{"Authorization": tokens["alice"]}
	nextIs := func(want func(loc *time.Location) time.Time) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			owner, _ := app.FindRecordById("users", aliceID)
			s, err := app.FindFirstRecordByFilter("schedules", "mailing = {:m} && starts_at = {:s}",
				dbx.Params{"m": aliceMailing, "s": start.Format("2006-01-02 15:04:05.000Z")})
			if err != nil {
				t.Fatal(err)
			}
			w := want(schedule.Zone(owner.GetString("timezone")))
			if got := s.GetDateTime("next_run_at").Time(); !got.Equal(w) {
				t.Fatalf("next_run_at %s, want %s", got, w)
			}
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "a recipient-time window: due when Kiritimati reaches its start", Method: http.MethodPost, URL: url,
			Body: strings.NewReader(body(true)), Headers: alice, TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"recipient_time":true`},
			AfterTestFunc: nextIs(func(loc *time.Location) time.Time { return schedule.FirstRecipient(start, loc) }),
		},
		{
			Name: "an ordinary window: due at its start", Method: http.MethodPost, URL: url,
			Body: strings.NewReader(body(false)), Headers: alice, TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"recipient_time":false`},
			AfterTestFunc: nextIs(func(*time.Location) time.Time { return start }),
		},
		{
			Name: "bob cannot tick it on alice's window", Method: http.MethodPatch, URL: url + "/" + aliceSchedule,
			Body: strings.NewReader(`{"recipient_time":true}`), Headers: map[string]string{"Authorization": tokens["bob"]},
			TestAppFactory: newTestApp, ExpectedStatus: 404, ExpectedContent: []string{`"status":404`},
		},
		unchanged(tests.ApiScenario{
			Name: "a moderator cannot tick it", Method: http.MethodPatch, URL: url + "/" + aliceSchedule,
			Body: strings.NewReader(`{"recipient_time":true}`), Headers: map[string]string{"Authorization": tokens["mod"]},
			TestAppFactory: newTestApp, ExpectedStatus: 404, ExpectedContent: []string{`"status":404`},
		}, "schedules", aliceSchedule, "recipient_time", "false"),
		{
			Name: "alice ticks it on her window: its next run moves to the first zone's", Method: http.MethodPatch, URL: url + "/" + aliceSchedule,
			Body: strings.NewReader(`{"recipient_time":true}`), Headers: alice, TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"recipient_time":true`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				s, _ := app.FindRecordById("schedules", aliceSchedule)
				if next, first := s.GetDateTime("next_run_at").Time(), s.GetDateTime("starts_at").Time(); !next.Before(first) {
					t.Fatalf("next_run_at %s not before the start %s", next, first)
				}
			},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// A run's zones: what went out and what is to come by the clients' zones,
// for its owner only.
func TestRunZonesAreTheOwners(t *testing.T) {
	url := "/api/postrider/runs/" + aliceRun + "/zones"
	zoned := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		updateRecord(t, app, "clients", aliceClient, map[string]any{"timezone": "Pacific/Kiritimati"})
	}
	get := func(name, caller string, status int, content []string) tests.ApiScenario {
		s := tests.ApiScenario{Name: name, Method: http.MethodGet, URL: url, TestAppFactory: newTestApp, BeforeTestFunc: zoned,
			ExpectedStatus: status, ExpectedContent: content}
		if caller != anonymous {
			s.Headers = map[string]string{"Authorization": tokens[caller]}
		}
		return s
	}
	scenarios := []tests.ApiScenario{
		get("the owner sees her run by zone", "alice", 200, []string{`"zones":[{"zone":"Pacific/Kiritimati"`}),
		get("another user does not", "bob", 404, []string{`"status":404`}),
		get("a moderator does not", "mod", 404, []string{`"status":404`}),
		get("an anonymous visitor does not", anonymous, 401, []string{`"status":401`}),
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
