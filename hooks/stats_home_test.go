package hooks_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"
)

// today is the start of the current day in UTC (the fixture's users' zone).
func today() time.Time { return time.Now().UTC().Truncate(24 * time.Hour) }

// seedNumbers gives the fixture runs that the numbers count: alice sent 1
// today and 5 (2 failed) three days ago, and 100 forty days ago; bob sent
// 1 and failed 3 today. Alice's mailing is running.
func seedNumbers(t testing.TB, app *tests.TestApp) {
	at := func(days int) string {
		return today().AddDate(0, 0, -days).Add(time.Minute).Format(types.DefaultDateLayout)
	}
	set("runs", aliceRun, map[string]any{"started_at": at(0), "total": 1, "sent": 1, "failed": 0})(t, app)
	set("runs", bobRun, map[string]any{"started_at": at(0), "total": 4, "sent": 1, "failed": 3})(t, app)
	set("mailings", aliceMailing, map[string]any{"status": "running"})(t, app)
	col, err := app.FindCollectionByNameOrId("runs")
	if err != nil {
		t.Fatal(err)
	}
	for id, r := range map[string][3]int{"alicerun0000002": {3, 5, 2}, "alicerun0000003": {40, 100, 0}} {
		run := core.NewRecord(col)
		run.Id = id
		run.Load(map[string]any{"owner": aliceID, "mailing": aliceMailing, "schedule": aliceSchedule, "status": "done",
			"run_at": at(r[0]), "started_at": at(r[0]), "total": r[1] + r[2], "sent": r[1], "failed": r[2]})
		if err := app.Save(run); err != nil {
			t.Fatal(err)
		}
	}
}

// blockBySQL marks an account blocked without ending its sessions, as a
// block written outside the API would: its token still passes.
func blockBySQL(id string) func(t testing.TB, app *tests.TestApp) {
	return func(t testing.TB, app *tests.TestApp) {
		if _, err := app.DB().Update("users", dbx.Params{"blocked": true}, dbx.HashExp{"id": id}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
}

type dayCount struct {
	Day          string
	Sent, Failed int
}

type statsCounts struct {
	Clients        int                  `json:"clients"`
	Mailings       int                  `json:"mailings"`
	ActiveMailings int                  `json:"active_mailings"`
	Sent30d        int                  `json:"sent_30d"`
	Failed30d      int                  `json:"failed_30d"`
	NextSend       string               `json:"next_send"`
	NextMailing    *struct{ Id string } `json:"next_mailing"`
	Daily30d       []dayCount           `json:"daily_30d"`
}

type statsAnswer struct {
	statsCounts
	Service *struct {
		statsCounts
		Users        int `json:"users"`
		BlockedUsers int `json:"blocked_users"`
		Riskiest     []struct {
			Id, Email, Name string
			Sent, Failed    int
			FailedShare     float64 `json:"failed_share"`
		} `json:"riskiest"`
	} `json:"service"`
}

func decode[T any](t testing.TB, res *http.Response) T {
	var v T
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		t.Fatalf("the answer is not the JSON expected: %v", err)
	}
	return v
}

// checkCounts compares the counts with want, and the days: 30 of them
// ending today, with sent and failed on the days given (0 elsewhere).
func checkCounts(t testing.TB, who string, got, want statsCounts, days map[int][2]int) {
	gotDays := got.Daily30d
	got.Daily30d, want.Daily30d = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: %+v, want %+v", who, got, want)
	}
	if len(gotDays) != 30 || gotDays[29].Day != today().Format("2006-01-02") {
		t.Fatalf("%s: daily_30d should be the 30 days ending today: %+v", who, gotDays)
	}
	for i, d := range gotDays {
		ago := 29 - i
		if d.Day != today().AddDate(0, 0, -ago).Format("2006-01-02") || [2]int{d.Sent, d.Failed} != days[ago] {
			t.Errorf("%s: day %d ago is %+v, want %v", who, ago, d, days[ago])
		}
	}
}

// welcomeInAnHour gives alice's mailing a welcome window that opens in an
// hour, before her weekly window's next send (tomorrow).
func welcomeInAnHour(t testing.TB, app *tests.TestApp) {
	col, _ := app.FindCollectionByNameOrId("schedules")
	w := core.NewRecord(col)
	soon := time.Now().Add(time.Hour)
	w.Load(map[string]any{"mailing": aliceMailing, "starts_at": soon, "ends_at": soon.AddDate(0, 0, 30), "next_run_at": soon,
		"period": "on_join", "list": aliceList})
	if err := app.Save(w); err != nil {
		t.Fatal(err)
	}
}

func TestHomeStats(t *testing.T) {
	t.Parallel()
	stats := func(who, desc string, status int) call {
		c := call{name: "stats/" + who + " " + desc, method: http.MethodGet, url: "/api/postrider/stats", who: who, status: status}
		if status == 200 {
			return c.expect(`"daily_30d":[`)
		}
		return c
	}
	nextRun := func(app *tests.TestApp) string {
		s, err := app.FindRecordById("schedules", aliceSchedule)
		if err != nil {
			t.Fatal(err)
		}
		return s.GetDateTime("next_run_at").String()
	}
	aliceNext := &struct{ Id string }{aliceMailing}
	runSteps(t, []step{
		given(stats(anonymous, "is refused", 401).expect(`"status":401`)),
		given(stats("bellaOld", "the blocked user's old token is refused", 403).expect(`"status":403`, `"account_blocked"`)),
		given(stats("alice", "a blocked user whose token survived is refused", 403).expect(`"status":403`), blockBySQL(aliceID)),
		given(stats("superuser", "is not a user", 403).expect(`"status":403`)),
		given(stats("alice", "her own numbers, no service", 200).reject(`"service"`).then(
			func(t testing.TB, app *tests.TestApp, res *http.Response) {
				got := decode[statsAnswer](t, res)
				checkCounts(t, "alice", got.statsCounts, statsCounts{Clients: 2, Mailings: 1, ActiveMailings: 1,
					Sent30d: 6, Failed30d: 2, NextSend: nextRun(app), NextMailing: aliceNext}, map[int][2]int{0: {1, 0}, 3: {5, 2}})
			}), seedNumbers),
		given(stats("alice", "a stopped mailing is neither active nor next", 200).then(
			func(t testing.TB, app *tests.TestApp, res *http.Response) {
				got := decode[statsAnswer](t, res)
				if got.ActiveMailings != 0 || got.NextSend != "" || got.NextMailing != nil {
					t.Errorf("a stopped mailing counts: %+v", got.statsCounts)
				}
			}), seedNumbers, set("mailings", aliceMailing, map[string]any{"stopped": true})),
		given(stats("alice", "a welcome window opening sooner is no send", 200).then(
			func(t testing.TB, app *tests.TestApp, res *http.Response) {
				got := decode[statsAnswer](t, res)
				if got.NextSend != nextRun(app) || got.NextMailing == nil || got.NextMailing.Id != aliceMailing {
					t.Errorf("next send %q of %+v, want her weekly window's %q", got.NextSend, got.NextMailing, nextRun(app))
				}
			}), seedNumbers, welcomeInAnHour),
		given(stats("mod", "the service's next send is no welcome window's start", 200).then(
			func(t testing.TB, app *tests.TestApp, res *http.Response) {
				got := decode[statsAnswer](t, res)
				if got.Service == nil {
					t.Fatal("no service numbers for a moderator")
				}
				if got.Service.NextSend != nextRun(app) {
					t.Errorf("the service's next send %q, want alice's weekly window's %q", got.Service.NextSend, nextRun(app))
				}
			}), seedNumbers, welcomeInAnHour),
		given(stats("mod", "his own numbers and the service's", 200).then(
			func(t testing.TB, app *tests.TestApp, res *http.Response) {
				got := decode[statsAnswer](t, res)
				checkCounts(t, "mod", got.statsCounts, statsCounts{}, nil)
				if got.Service == nil {
					t.Fatal("no service numbers for a moderator")
				}
				s := got.Service
				checkCounts(t, "service", s.statsCounts, statsCounts{Clients: 4, Mailings: 3, ActiveMailings: 1,
					Sent30d: 7, Failed30d: 5, NextSend: nextRun(app), NextMailing: aliceNext}, map[int][2]int{0: {2, 3}, 3: {5, 2}})
				if s.Users != 6 || s.BlockedUsers != 1 {
					t.Errorf("service users %d, blocked %d; want 6 and 1", s.Users, s.BlockedUsers)
				}
				if len(s.Riskiest) != 2 || s.Riskiest[0].Id != bobID || s.Riskiest[0].Email != "bob@example.com" ||
					s.Riskiest[0].Sent != 1 || s.Riskiest[0].Failed != 3 || s.Riskiest[0].FailedShare != 0.75 ||
					s.Riskiest[1].Id != aliceID || s.Riskiest[1].FailedShare != 0.25 {
					t.Errorf("riskiest: %+v, want bob (1 sent, 3 failed, 0.75) then alice (0.25)", s.Riskiest)
				}
			}), seedNumbers),
	})
}

// The home page says today's use against the daily limit: the messages
// the dispatcher counted on the caller's day, in the caller's zone.
func TestHomeStatsSayTodaysUseAgainstTheLimit(t *testing.T) {
	t.Parallel()
	counted := func(owner, day string, n int) func(t testing.TB, app *tests.TestApp) {
		return func(t testing.TB, app *tests.TestApp) {
			_, err := app.DB().NewQuery(`INSERT INTO _postrider_daily_sends (owner, day, sent) VALUES ({:o}, {:d}, {:n})`).
				Bind(dbx.Params{"o": owner, "d": day, "n": n}).Execute()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	todayIn := func(tz string) string {
		loc, _ := time.LoadLocation(tz)
		return time.Now().In(loc).Format(time.DateOnly)
	}
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	runSteps(t, []step{
		given(call{name: "alice's day against her limit", method: http.MethodGet, url: "/api/postrider/stats", who: "alice", status: 200}.
			expect(`"sent_today":340`, `"daily_limit":1000`),
			set("users", aliceID, map[string]any{"daily_limit": 1000}), counted(aliceID, todayIn("UTC"), 340), counted(aliceID, yesterday, 999),
			counted(bobID, todayIn("UTC"), 5)),
		given(call{name: "alice's day in her own zone", method: http.MethodGet, url: "/api/postrider/stats", who: "alice", status: 200}.
			expect(`"sent_today":12`, `"daily_limit":0`),
			set("users", aliceID, map[string]any{"timezone": "Pacific/Kiritimati"}), counted(aliceID, todayIn("Pacific/Kiritimati"), 12)),
		given(call{name: "nothing sent today", method: http.MethodGet, url: "/api/postrider/stats", who: "bob", status: 200}.
			expect(`"sent_today":0`), counted(bobID, yesterday, 7)),
	})
}
