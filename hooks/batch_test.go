package hooks_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"
)

// batchBody is the JSON of a /api/batch request.
func batchBody(t testing.TB, requests ...map[string]any) *strings.Reader {
	raw, err := json.Marshal(map[string]any{"requests": requests})
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReader(string(raw))
}

func batchReq(method, url string, body map[string]any) map[string]any {
	return map[string]any{"method": method, "url": url, "body": body}
}

// counted checks after a scenario that the collections hold as many records as before.
func counted(s tests.ApiScenario, collections ...string) tests.ApiScenario {
	before := map[string]int64{}
	s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		for _, c := range collections {
			before[c], _ = app.CountRecords(c)
		}
	}
	after := s.AfterTestFunc
	s.AfterTestFunc = func(t testing.TB, app *tests.TestApp, res *http.Response) {
		for _, c := range collections {
			if n, _ := app.CountRecords(c); n != before[c] {
				t.Errorf("%s: %d records before, %d after", c, before[c], n)
			}
		}
		if after != nil {
			after(t, app, res)
		}
	}
	return s
}

// A mailing with a window that sends to its own lists and clients names
// someone to send to, however it is saved (one whose windows are all
// welcome windows needs no one: TestAWelcomeOnlyMailingNeedsNoRecipients).
func TestAMailingWithoutRecipientsIsRefused(t *testing.T) {

	const mailings = "/api/collections/mailings/records"
	alice := map[string]string{"Authorization": tokens["alice"]}
	scenarios := []tests.ApiScenario{
		counted(tests.ApiScenario{
			Name: "edited to name no one and no subject: both named at once", Method: http.MethodPatch, URL: mailings + "/" + aliceMailing, Headers: alice,
			Body: strings.NewReader(`{"subject":"","lists":[],"clients":[]}`), TestAppFactory: newTestApp,
			ExpectedStatus: 400, ExpectedContent: []string{`"data":{"lists":{"code":"validation_no_recipients"`, `"subject":{"code":"validation_required"`},
		}, "mailings"),
		{
			Name: "edited to name no one", Method: http.MethodPatch, URL: mailings + "/" + aliceMailing, Headers: alice,
			Body: strings.NewReader(`{"lists":[],"clients":[]}`), TestAppFactory: newTestApp,
			ExpectedStatus: 400, ExpectedContent: []string{`"data":{"lists":{"code":"validation_no_recipients"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if m, _ := app.FindRecordById("mailings", aliceMailing); len(m.GetStringSlice("lists")) != 1 {
					t.Errorf("the mailing's lists changed: %v", m.Get("lists"))
				}
			},
		},
		{
			Name: "one list left is enough", Method: http.MethodPatch, URL: mailings + "/" + aliceMailing, Headers: alice,
			Body: strings.NewReader(`{"clients":[]}`), TestAppFactory: newTestApp,
			ExpectedStatus: 200, ExpectedContent: []string{`"clients":[]`},
		},
		{
			Name: "an older mailing without recipients can still be stopped", Method: http.MethodPatch, URL: mailings + "/alicemailing009", Headers: alice,
			Body: strings.NewReader(`{"stopped":true}`), TestAppFactory: newTestApp,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				col, _ := app.FindCollectionByNameOrId("mailings")
				r := core.NewRecord(col)
				r.Id = "alicemailing009"
				r.Load(map[string]any{"owner": aliceID, "subject": "old", "body": "<p>b</p>", "status": "created"})
				if err := app.SaveNoValidate(r); err != nil { // as before the rule
					t.Fatal(err)
				}
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"stopped":true`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// The mailing form saves a mailing and its windows in one batch: all of it
// or nothing, each request through the rules and hooks of its collection.
func TestBatchSavesAMailingWithItsWindowsOrNothing(t *testing.T) {
	alice := map[string]string{"Authorization": tokens["alice"]}
	soon := types.NowDateTime().Add(time.Hour)
	past := types.NowDateTime().Add(-time.Hour)
	later := soon.Add(24 * time.Hour)
	const newID = "newmailing00001"
	mailing := func(extra map[string]any) map[string]any {
		b := map[string]any{"id": newID, "subject": "Batch news", "body": "<p>b</p>", "lists": []string{aliceList}}
		for k, v := range extra {
			b[k] = v
		}
		return batchReq("POST", "/api/collections/mailings/records", b)
	}
	window := func(mailingID string, start types.DateTime) map[string]any {
		return batchReq("POST", "/api/collections/schedules/records",
			map[string]any{"mailing": mailingID, "starts_at": start, "ends_at": later, "period": "daily"})
	}
	scenarios := []tests.ApiScenario{
		tests.ApiScenario{
			Name: "a new mailing and two windows", Method: http.MethodPost, URL: "/api/batch", Body: batchBody(t, mailing(nil), window(newID, soon), window(newID, later.Add(-time.Hour))), Headers: alice,
			TestAppFactory: newTestApp, ExpectedStatus: 200,
			ExpectedContent: []string{`"id":"` + newID + `"`, `"status":"created"`, `"mailing":"` + newID + `"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				m, err := app.FindRecordById("mailings", newID)
				if err != nil || m.GetString("owner") != aliceID {
					t.Fatalf("the mailing: %v %v", m, err)
				}
				if n, _ := app.CountRecords("schedules", dbx.HashExp{"mailing": newID}); n != 2 {
					t.Errorf("%d windows saved, want 2", n)
				}
			},
		},
		counted(tests.ApiScenario{
			Name: "a new mailing whose second window starts in the past", Method: http.MethodPost, URL: "/api/batch", Body: batchBody(t, mailing(nil), window(newID, soon), window(newID, past)), Headers: alice,
			TestAppFactory: newTestApp, ExpectedStatus: 400,
			ExpectedContent: []string{`"requests":{"2":{"code":"batch_request_failed"`, `"starts_at":{"code":"validation_start_in_past"`},
		}, "mailings", "schedules"),
		counted(tests.ApiScenario{
			Name: "a new mailing naming no one, with a window", Method: http.MethodPost, URL: "/api/batch", Body: batchBody(t, mailing(map[string]any{"lists": []string{}}), window(newID, soon)), Headers: alice,
			TestAppFactory: newTestApp, ExpectedStatus: 400,
			ExpectedContent: []string{`"requests":{"1":`, `"mailing":{"code":"validation_no_recipients"`},
		}, "mailings", "schedules"),
		counted(tests.ApiScenario{
			Name: "an edit whose new window ends before it starts keeps the subject and the old window", Method: http.MethodPost, URL: "/api/batch", Body: batchBody(t,
				batchReq("PATCH", "/api/collections/mailings/records/"+aliceMailing, map[string]any{"subject": "changed"}),
				batchReq("PATCH", "/api/collections/schedules/records/"+aliceSchedule, map[string]any{"period": "daily"}),
				batchReq("POST", "/api/collections/schedules/records", map[string]any{"mailing": aliceMailing, "starts_at": later, "ends_at": soon, "period": "once"})), Headers: alice,
			TestAppFactory: newTestApp, ExpectedStatus: 400,
			ExpectedContent: []string{`"requests":{"2":`, `"ends_at":{"code":"validation_ends_before_start"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				m, _ := app.FindRecordById("mailings", aliceMailing)
				w, _ := app.FindRecordById("schedules", aliceSchedule)
				if m.GetString("subject") != "alice news" || w.GetString("period") != "weekly" {
					t.Errorf("a refused batch changed the mailing (%q) or its window (%q)", m.GetString("subject"), w.GetString("period"))
				}
			},
		}, "mailings", "schedules"),
		counted(tests.ApiScenario{
			Name: "bob adding a window to alice's mailing in a batch", Method: http.MethodPost, URL: "/api/batch", Body: batchBody(t, window(aliceMailing, soon)),
			Headers: map[string]string{"Authorization": tokens["bob"]}, TestAppFactory: newTestApp, ExpectedStatus: 400,
			ExpectedContent: []string{`"requests":{"0":`, `"mailing":{"code":"validation_not_owner"`},
		}, "schedules"),
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
