package hooks_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

const relayID = "relaysecond0001"

// newAppWithRelay is the fixture with one relay, whose password only a
// superuser may ever see.
func newAppWithRelay(t testing.TB) *tests.TestApp {
	app := newTestApp(t)
	col, err := app.FindCollectionByNameOrId("relays")
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(col)
	r.Id = relayID
	r.Load(map[string]any{
		"name": "second", "host": "smtp.example.com", "port": 587, "tls": "starttls",
		"username": "postrider", "password": "relay-secret", "connections": 4, "weight": 1, "enabled": true,
	})
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	return app
}

// The relays hold SMTP logins: only superusers list, view or create them.
func TestRelaysAreForSuperusersOnly(t *testing.T) {
	body := `{"name":"third","host":"smtp.example.org","port":465,"tls":"tls","connections":2,"weight":1,"enabled":true}`
	var scenarios []tests.ApiScenario
	for _, who := range []string{"", "alice", "mod"} {
		refusal := "Only superusers can perform this action." // no API rule opens the collection
		headers := map[string]string{"Authorization": tokens[who]}
		scenarios = append(scenarios,
			tests.ApiScenario{Name: "list as " + who, Method: http.MethodGet, URL: "/api/collections/relays/records",
				Headers: headers, ExpectedStatus: 403, ExpectedContent: []string{refusal},
				NotExpectedContent: []string{"relay-secret", "smtp.example.com"}, TestAppFactory: newAppWithRelay},
			tests.ApiScenario{Name: "view as " + who, Method: http.MethodGet, URL: "/api/collections/relays/records/" + relayID,
				Headers: headers, ExpectedStatus: 403, ExpectedContent: []string{refusal},
				NotExpectedContent: []string{"relay-secret", "smtp.example.com"}, TestAppFactory: newAppWithRelay},
			tests.ApiScenario{Name: "create as " + who, Method: http.MethodPost, URL: "/api/collections/relays/records",
				Body: strings.NewReader(body), Headers: headers, ExpectedStatus: 403, ExpectedContent: []string{refusal},
				TestAppFactory: newAppWithRelay,
				AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
					if n, _ := app.CountRecords("relays"); n != 1 {
						t.Fatalf("%d relays after a refused create, want the 1 of the fixture", n)
					}
				}},
		)
	}
	superuser := map[string]string{"Authorization": tokens["superuser"]}
	scenarios = append(scenarios,
		tests.ApiScenario{Name: "a superuser lists the relays", Method: http.MethodGet, URL: "/api/collections/relays/records",
			Headers: superuser, ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":1`, `"name":"second"`},
			ExpectedEvents: map[string]int{"*": 0, "OnRecordsListRequest": 1, "OnRecordEnrich": 1}, TestAppFactory: newAppWithRelay},
		tests.ApiScenario{Name: "a superuser adds a relay", Method: http.MethodPost, URL: "/api/collections/relays/records",
			Body: strings.NewReader(body), Headers: superuser, ExpectedStatus: 200,
			ExpectedContent: []string{`"name":"third"`, `"port":465`}, TestAppFactory: newAppWithRelay,
			ExpectedEvents: map[string]int{"OnRecordCreateRequest": 1, "OnRecordCreate": 1, "OnRecordValidate": 1}},
		tests.ApiScenario{Name: "a second relay of the same name", Method: http.MethodPost, URL: "/api/collections/relays/records",
			Body: strings.NewReader(strings.Replace(body, "third", "second", 1)), Headers: superuser, ExpectedStatus: 400,
			ExpectedContent: []string{`"name":{"code":"validation_not_unique"`}, TestAppFactory: newAppWithRelay},
		tests.ApiScenario{Name: "a port out of range", Method: http.MethodPost, URL: "/api/collections/relays/records",
			Body: strings.NewReader(strings.Replace(body, "465", "70000", 1)), Headers: superuser, ExpectedStatus: 400,
			ExpectedContent: []string{`"port":{"code":"validation_max_number_constraint"`}, TestAppFactory: newAppWithRelay},
	)
	for _, s := range scenarios {
		s.Test(t)
	}
}

// The delivery log (the mailing page's table) names the relay that carried
// each message.
func TestTheDeliveryLogNamesTheRelay(t *testing.T) {
	s := tests.ApiScenario{
		Name: "a delivery carried by relay-b", Method: http.MethodGet, URL: "/api/postrider/deliveries/log",
		Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp,
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			if _, err := app.DB().NewQuery(`UPDATE deliveries SET relay = 'relay-b' WHERE id = {:id}`).
				Bind(dbx.Params{"id": aliceDelivery}).Execute(); err != nil {
				t.Fatal(err)
			}
		},
		ExpectedStatus: 200, ExpectedContent: []string{`"id":"` + aliceDelivery + `"`, `"relay":"relay-b"`},
	}
	s.Test(t)
}
