package hooks_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/config"
)

// The queue: a moderator gets the pending mailings, longest waiting first,
// each with its message, sender, reach, windows and its owner's history;
// decided ones and others' are not in it; a plain user is refused.
func TestTheApprovalQueue(t *testing.T) {
	t.Parallel()
	const url = "/api/postrider/moderation/approvals"
	prepare := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		// bob's waits since earlier than alice's; a report came back about alice's delivery
		set("mailings", bobMailing, map[string]any{"approval": "pending"})(t, app)
		if _, err := app.DB().NewQuery(`UPDATE mailings SET updated = '2020-01-01 00:00:00.000Z' WHERE id = {:id}`).Bind(dbx.Params{"id": bobMailing}).Execute(); err != nil {
			t.Fatal(err)
		}
		set("mailings", aliceMailing, map[string]any{"approval": "pending", "sender": aliceSender, "body": "<p>Hi {{name|there}} <img src=\"https://tracker.example/x.png\"></p>"})(t, app)
		set("runs", aliceRun, map[string]any{"started_at": time.Now().Add(-24 * time.Hour), "sent": 50, "failed": 2})(t, app)
		set("deliveries", aliceDelivery, map[string]any{"bounce": "complaint", "bounced_at": time.Now()})(t, app)
	}
	for _, sc := range []tests.ApiScenario{
		{
			Name: "a moderator's queue", Method: http.MethodGet, URL: url, Headers: map[string]string{"Authorization": tokens["mod"]},
			BeforeTestFunc: prepare, ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":2`, `"subject":"alice news"`, `"email":"alice@example.com"`, `"sent_30d":50`, `"failed_30d":2`,
				`"complaints_30d":1`, `"complaint_rate":0.02`, `"recipients":2`, `"period":"weekly"`, `alice desk via`, `Hi Anna Example`, `tracker.example`},
			NotExpectedContent: []string{`alice-client@example.com`, `bob-client`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				var out struct {
					Items []struct {
						Id string `json:"id"`
					} `json:"items"`
				}
				if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Items) != 2 || out.Items[0].Id != bobMailing || out.Items[1].Id != aliceMailing {
					t.Errorf("the queue is %+v (%v), want bob's (waiting longest) then alice's", out.Items, err)
				}
			},
		},
		{
			Name: "a decided mailing leaves the queue", Method: http.MethodGet, URL: url, Headers: map[string]string{"Authorization": tokens["superuser"]},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				prepare(t, app, e)
				set("mailings", bobMailing, map[string]any{"approval": "rejected", "approval_reason": "no"})(t, app)
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":1`, `"id":"` + aliceMailing + `"`}, NotExpectedContent: []string{bobMailing},
		},
		{
			Name: "nothing waits", Method: http.MethodGet, URL: url, Headers: map[string]string{"Authorization": tokens["mod"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`, `"items":[]`},
		},
		{
			Name: "alice cannot see the queue", Method: http.MethodGet, URL: url, Headers: map[string]string{"Authorization": tokens["alice"]},
			BeforeTestFunc: prepare, ExpectedStatus: 403, NotExpectedContent: []string{aliceMailing},
		},
	} {
		sc.TestAppFactory = approvalApp(config.ApprovalNewUsers)
		sc.Test(t)
	}
}
