package hooks_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"
)

const (
	aliceList2    = "alicelist000002"
	aliceGone     = "aliceclient0003" // unsubscribed, in the second list
	aliceClient4  = "aliceclient0004" // in the second list
	aliceMailing2 = "alicemailing002"
)

type summaryRow struct {
	ID         string `json:"id"`
	Owner      string `json:"owner"`
	Subject    string `json:"subject"`
	Status     string `json:"status"`
	Stopped    bool   `json:"stopped"`
	NextSend   string `json:"next_send"`
	Recipients int    `json:"recipients"`
	LastRun    *struct {
		RunAt      string `json:"run_at"`
		Status     string `json:"status"`
		Total      int    `json:"total"`
		Sent       int    `json:"sent"`
		Failed     int    `json:"failed"`
		StartedAt  string `json:"started_at"`
		FinishedAt string `json:"finished_at"`
	} `json:"last_run"`
}

// moreOfAlice gives alice a second list, her first client in both lists, an
// unsubscribed and a subscribed client in the second, a mailing naming both
// lists and picking two clients (one of them in the lists), and a later run
// of her first mailing, still sending.
func moreOfAlice(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	save := func(collection, id string, data map[string]any) {
		var r *core.Record
		if existing, err := app.FindRecordById(collection, id); err == nil {
			r = existing
		} else {
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
	save("lists", aliceList2, map[string]any{"owner": aliceID, "name": "alice second"})
	save("clients", aliceClient, map[string]any{"lists": []string{aliceList, aliceList2}})
	save("clients", aliceGone, map[string]any{"owner": aliceID, "email": "gone@example.com", "lists": []string{aliceList2}, "unsubscribed": true})
	save("clients", aliceClient4, map[string]any{"owner": aliceID, "email": "four@example.com", "lists": []string{aliceList2}})
	save("mailings", aliceMailing2, map[string]any{"owner": aliceID, "subject": "two lists", "body": "<p>b</p>", "status": "created",
		"lists": []string{aliceList, aliceList2}, "clients": []string{aliceClient, aliceClient2}})
	later := types.NowDateTime().Add(48 * time.Hour)
	save("runs", "alicerun0000002", map[string]any{"owner": aliceID, "mailing": aliceMailing, "schedule": aliceSchedule,
		"run_at": later, "status": "sending", "total": 5, "sent": 2, "failed": 1, "started_at": later})
}

func summaryOf(t testing.TB, res *http.Response) map[string]summaryRow {
	raw, _ := io.ReadAll(res.Body)
	var rows []summaryRow
	if err := json.Unmarshal(raw, &rows); err != nil {
		t.Fatalf("the summary is not a JSON array: %v\n%s", err, raw)
	}
	out := map[string]summaryRow{}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out
}

func TestMailingsSummary(t *testing.T) {
	const url = "/api/postrider/mailings/summary"
	scenarios := []tests.ApiScenario{
		{
			Name: "anonymous is refused", Method: http.MethodGet, URL: url,
			TestAppFactory: newTestApp, ExpectedStatus: 401, ExpectedContent: []string{`"status":401`},
			NotExpectedContent: []string{aliceMailing, bobMailing},
		},
		{
			Name: "alice sees her own mailings with their reach, next send and last run", Method: http.MethodGet, URL: url,
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp, BeforeTestFunc: moreOfAlice,
			ExpectedStatus: 200, ExpectedContent: []string{aliceMailing, aliceMailing2},
			NotExpectedContent: []string{bobMailing, bellaMailing, "bob news"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				rows := summaryOf(t, res)
				if len(rows) != 2 {
					t.Fatalf("alice sees %d mailings: %v", len(rows), rows)
				}
				// her client in both lists and picked too counts once, the
				// unsubscribed one not at all, the picked one in no list once
				if two := rows[aliceMailing2]; two.Recipients != 3 || two.LastRun != nil || two.NextSend != "" || two.Owner != aliceID {
					t.Errorf("the two-list mailing: %+v", two)
				}
				one := rows[aliceMailing]
				window, _ := app.FindRecordById("schedules", aliceSchedule)
				if one.Recipients != 2 || one.Subject != "alice news" || one.Status != "created" || one.Stopped ||
					one.NextSend != window.GetDateTime("next_run_at").String() {
					t.Errorf("her first mailing: %+v (next run %s)", one, window.GetDateTime("next_run_at"))
				}
				if r := one.LastRun; r == nil || r.Status != "sending" || r.Total != 5 || r.Sent != 2 || r.Failed != 1 || r.StartedAt == "" || r.FinishedAt != "" {
					t.Errorf("its last run is the later one, still sending: %+v", r)
				}
			},
		},
		{
			Name: "bob sees only his", Method: http.MethodGet, URL: url,
			Headers: map[string]string{"Authorization": tokens["bob"]}, TestAppFactory: newTestApp, BeforeTestFunc: moreOfAlice,
			ExpectedStatus: 200, ExpectedContent: []string{`"id":"` + bobMailing + `"`, `"recipients":2`, `"last_run":{`},
			NotExpectedContent: []string{aliceMailing, aliceMailing2, bellaMailing},
		},
		{
			Name: "a moderator sees only his own here (none)", Method: http.MethodGet, URL: url,
			Headers: map[string]string{"Authorization": tokens["mod"]}, TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`[]`},
		},
		{
			Name: "a blocked user's old token is refused", Method: http.MethodGet, URL: url,
			Headers: map[string]string{"Authorization": tokens["bellaOld"]}, TestAppFactory: newTestApp,
			ExpectedStatus: 403, ExpectedContent: []string{`"account_blocked"`}, NotExpectedContent: []string{bellaMailing},
		},
	}
	// a mailing that may not send goes out next never, whatever its
	// windows say, as the home page and the moderators' list say too
	for _, field := range []map[string]any{{"stopped": true}, {"status": "completed"}} {
		scenarios = append(scenarios, tests.ApiScenario{
			Name: fmt.Sprintf("a mailing with %v has no next send", field), Method: http.MethodGet, URL: url,
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				set("mailings", aliceMailing, field)(t, app)
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"id":"` + aliceMailing + `"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				window, _ := app.FindRecordById("schedules", aliceSchedule)
				if next := summaryOf(t, res)[aliceMailing].NextSend; next != "" || window.GetString("next_run_at") == "" {
					t.Errorf("next_send %q, want none (its window's next run: %q)", next, window.GetString("next_run_at"))
				}
			},
		})
	}
	// a welcome window's start opens it, it sends nothing then
	scenarios = append(scenarios, tests.ApiScenario{
		Name: "a welcome window opening sooner is no next send", Method: http.MethodGet, URL: url,
		Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp,
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { welcomeInAnHour(t, app) },
		ExpectedStatus: 200, ExpectedContent: []string{`"id":"` + aliceMailing + `"`},
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
			window, _ := app.FindRecordById("schedules", aliceSchedule)
			if next := summaryOf(t, res)[aliceMailing].NextSend; next != window.GetDateTime("next_run_at").String() {
				t.Errorf("next_send %q, want its weekly window's %q", next, window.GetDateTime("next_run_at").String())
			}
		},
	})
	for _, s := range scenarios {
		s.Test(t)
	}
}
