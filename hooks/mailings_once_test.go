package hooks_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"postrider/dispatch"
)

// Switching once_per_client on after a run went out counts that run's
// recipients as having had the mailing: alice's mailing reaches her two
// clients, one of whom it was sent to, so one is left. Only the owner
// switches it.
func TestOncePerClientSwitchedOnKnowsWhoHadIt(t *testing.T) {
	url := "/api/collections/mailings/records/" + aliceMailing
	reach := func(want int) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			m, err := app.FindRecordById("mailings", aliceMailing)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := dispatch.CountRecipients(app, m); err != nil || n != want {
				t.Errorf("reach %d, %v; want %d", n, err, want)
			}
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "the owner switches it on: the client the fixture's run reached is left out", Method: http.MethodPatch, URL: url,
			Body: strings.NewReader(`{"once_per_client":true}`), Headers: map[string]string{"Authorization": tokens["alice"]},
			TestAppFactory: newTestApp, ExpectedStatus: 200, ExpectedContent: []string{`"once_per_client":true`},
			AfterTestFunc: reach(1),
		},
		{
			Name: "a moderator may not switch it", Method: http.MethodPatch, URL: url,
			Body: strings.NewReader(`{"once_per_client":true}`), Headers: map[string]string{"Authorization": tokens["mod"]},
			TestAppFactory: newTestApp, ExpectedStatus: 403, ExpectedContent: []string{`"once_per_client"`},
			AfterTestFunc: reach(2),
		},
		{
			Name: "another user does not see the mailing", Method: http.MethodPatch, URL: url,
			Body: strings.NewReader(`{"once_per_client":true}`), Headers: map[string]string{"Authorization": tokens["bob"]},
			TestAppFactory: newTestApp, ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, AfterTestFunc: reach(2),
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
