package hooks_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// One address may open the unsubscribe page 30 times a minute; the 31st
// answers 429. The one-click POSTs that mail providers send for all their
// users from a few servers have a budget of their own, ten times larger,
// and another address is not held back at all.
func TestUnsubscribeRoutesAreRateLimitedPerAddress(t *testing.T) {
	link, link2 := "/unsubscribe/"+linkOf(t, aliceClient), "/unsubscribe/"+linkOf(t, aliceClient2) // before the app copies the fixture's secret
	app := newTestApp(t)
	defer app.Cleanup()
	api := newAPI(t, app)
	send := func(method, path, ip string) int {
		var req *http.Request
		if method == http.MethodPost {
			req = httptest.NewRequest(method, path, strings.NewReader(url.Values{"List-Unsubscribe": {"One-Click"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest(method, path, nil)
		}
		req.RemoteAddr = ip + ":40000"
		code, _ := api.serve(req)
		return code
	}
	const page, oneClick = 30, 300
	forged := "/unsubscribe/" + aliceClient + ".AAAAAAAAAAAAAAAAAAAAAAAA"
	for i := 1; i <= page; i++ {
		if code := send(http.MethodGet, forged, "198.51.100.7"); code != 404 {
			t.Fatalf("page view %d: %d, want 404 (a forged link)", i, code)
		}
	}
	if code := send(http.MethodGet, link, "198.51.100.7"); code != 429 {
		t.Fatalf("page view %d: %d, want 429", page+1, code)
	}
	if code := send(http.MethodGet, link, "198.51.100.8"); code != 200 {
		t.Fatalf("another address: %d, want 200", code)
	}
	// the one-click budget is untouched by the page views
	for i := 1; i < oneClick; i++ {
		if code := send(http.MethodPost, forged, "198.51.100.7"); code != 404 {
			t.Fatalf("one-click %d: %d, want 404 (a forged link)", i, code)
		}
	}
	if code := send(http.MethodPost, link2, "198.51.100.7"); code != 200 {
		t.Fatalf("one-click %d: %d, want 200", oneClick, code)
	}
	if code := send(http.MethodPost, link2+"/undo", "198.51.100.7"); code != 429 {
		t.Fatalf("one-click %d: %d, want 429", oneClick+1, code)
	}
}
