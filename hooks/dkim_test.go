package hooks_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"postrider/internal/dkimtest"
)

// The dkim row holds a private key: only superusers see or change it, and
// a key that does not parse is refused with the field named.
func TestTheDKIMRowIsForSuperusersOnly(t *testing.T) {
	_, pemKey := dkimtest.Key(t, "ed25519")
	body := func(key string) string {
		return fmt.Sprintf(`{"domain":"example.com","selector":"postrider","private_key":%q}`, key)
	}
	var scenarios []tests.ApiScenario
	for _, who := range []string{"", "alice", "mod", "bellaOld"} {
		refusal := "Only superusers can perform this action." // no API rule opens the collection
		if who == "bellaOld" {
			refusal = "account_blocked"
		}
		scenarios = append(scenarios,
			tests.ApiScenario{Name: "list as " + who, Method: http.MethodGet, URL: "/api/collections/dkim/records",
				Headers: map[string]string{"Authorization": tokens[who]}, ExpectedStatus: 403,
				ExpectedContent: []string{refusal}, NotExpectedContent: []string{"PRIVATE KEY"}, TestAppFactory: newTestApp},
			tests.ApiScenario{Name: "create as " + who, Method: http.MethodPost, URL: "/api/collections/dkim/records",
				Body: strings.NewReader(body(string(pemKey))), Headers: map[string]string{"Authorization": tokens[who]},
				ExpectedStatus: 403, ExpectedContent: []string{refusal}, TestAppFactory: newTestApp,
				AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
					if n, _ := app.CountRecords("dkim"); n != 0 {
						t.Fatalf("%d dkim rows after a refused create", n)
					}
				}},
		)
	}
	scenarios = append(scenarios,
		tests.ApiScenario{Name: "a superuser sets DKIM", Method: http.MethodPost, URL: "/api/collections/dkim/records",
			Body: strings.NewReader(body(string(pemKey))), Headers: map[string]string{"Authorization": tokens["superuser"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"domain":"example.com"`, `"private_key":"-----BEGIN PRIVATE KEY-----`},
			ExpectedEvents: map[string]int{"OnRecordCreateRequest": 1, "OnRecordCreate": 1, "OnRecordValidate": 1}, TestAppFactory: newTestApp},
		tests.ApiScenario{Name: "a key that does not parse", Method: http.MethodPost, URL: "/api/collections/dkim/records",
			Body: strings.NewReader(body("not a key")), Headers: map[string]string{"Authorization": tokens["superuser"]},
			ExpectedStatus: 400, ExpectedContent: []string{`"private_key":{"code":"validation_invalid_key"`}, TestAppFactory: newTestApp},
	)
	for _, s := range scenarios {
		s.Test(t)
	}
}
