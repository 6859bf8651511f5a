package hooks_test

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/internal/smtptest"
	"postrider/mailout"
)

// personalized gives alice's mailing placeholders and her client name.
func personalized(name string) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		m, err := app.FindRecordById("mailings", aliceMailing)
		if err != nil {
			t.Fatal(err)
		}
		m.Set("subject", "Hi {{first_name|there}}")
		m.Set("body", "<p>Dear {{name|friend}} ({{email}})</p>")
		c, err := app.FindRecordById("clients", aliceClient)
		if err != nil {
			t.Fatal(err)
		}
		c.Set("name", name)
		if err := app.Save(m); err != nil {
			t.Fatal(err)
		}
		if err := app.Save(c); err != nil {
			t.Fatal(err)
		}
	}
}

// mailsSent checks how many messages the app sent: account mail (caught
// by the test app's mailer) and test sends (written to the outbox, as no
// SMTP server is configured).
func mailsSent(n int) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		if got := app.TestMailer.TotalSend() + len(outbox(t, app)); got != n {
			t.Fatalf("%d mails sent, want %d", got, n)
		}
	}
}

// outbox reads back the messages in app's outbox, oldest first.
func outbox(t testing.TB, app *tests.TestApp) []smtptest.Mail {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(mailout.OutboxDir(app.DataDir()), "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files) // named by the time they were written
	var out []smtptest.Mail
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, smtptest.ReadMail(t, raw))
	}
	return out
}

func TestPreviewAndTestSendAreTheOwners(t *testing.T) {
	preview := "/api/postrider/mailings/" + aliceMailing + "/preview"
	test := "/api/postrider/mailings/" + aliceMailing + "/test"
	var scenarios []tests.ApiScenario
	for _, route := range []struct{ method, url string }{{http.MethodGet, preview}, {http.MethodPost, test}} {
		for _, c := range []struct {
			who    string
			status int
			want   string
		}{
			{"", 401, `"status":401`},
			{"bob", 404, `"status":404`},
			{"mod", 404, `"status":404`},
			{"bellaOld", 403, `account_blocked`},
		} {
			scenarios = append(scenarios, tests.ApiScenario{
				Name: route.method + " " + route.url + " as " + c.who, Method: route.method, URL: route.url,
				Headers: map[string]string{"Authorization": tokens[c.who]}, TestAppFactory: newTestApp,
				ExpectedStatus: c.status, ExpectedContent: []string{c.want}, AfterTestFunc: mailsSent(0),
			})
		}
		scenarios = append(scenarios, tests.ApiScenario{
			Name: route.method + " for another owner's client: 400 naming client", Method: route.method,
			URL: route.url + "?client=" + bobClient, Body: strings.NewReader(`{"client":"` + bobClient + `"}`),
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp,
			ExpectedStatus: 400, ExpectedContent: []string{`"client":{"code":"validation_not_owner"`}, AfterTestFunc: mailsSent(0),
		})
	}
	scenarios = append(scenarios,
		tests.ApiScenario{
			Name: "the preview of bob's own mailing as bob", Method: http.MethodGet,
			URL: "/api/postrider/mailings/" + bobMailing + "/preview?client=" + bobClient, Headers: map[string]string{"Authorization": tokens["bob"]},
			TestAppFactory: newTestApp, ExpectedStatus: 200,
			ExpectedContent:    []string{`"subject":"bob news"`, `Hello from bob`, `"text":"Hello from bob`, `/unsubscribe/preview`, `"email":"bob-client@example.com"`},
			NotExpectedContent: []string{`alice`, `/unsubscribe/` + bobClient},
		},
		tests.ApiScenario{
			Name: "the preview names an ASCII client", Method: http.MethodGet, URL: preview + "?client=" + aliceClient,
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp, BeforeTestFunc: personalized("Ann Lee"),
			ExpectedStatus: 200, ExpectedContent: []string{`"subject":"Hi Ann"`, `Dear Ann Lee (alice-client@example.com)`},
		},
		tests.ApiScenario{
			Name: "the preview names a Cyrillic client", Method: http.MethodGet, URL: preview + "?client=" + aliceClient,
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp, BeforeTestFunc: personalized("Анна Петрова"),
			ExpectedStatus: 200, ExpectedContent: []string{`"subject":"Hi Анна"`, `Dear Анна Петрова (alice-client@example.com)`},
		},
		tests.ApiScenario{
			Name: "an empty name takes the fallback", Method: http.MethodGet, URL: preview + "?client=" + aliceClient,
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp, BeforeTestFunc: personalized(""),
			ExpectedStatus: 200, ExpectedContent: []string{`"subject":"Hi there"`, `Dear friend (alice-client@example.com)`},
			NotExpectedContent: []string{"no value"},
		},
		tests.ApiScenario{
			Name: "without a client, the sample client", Method: http.MethodGet, URL: preview,
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp, BeforeTestFunc: personalized(""),
			ExpectedStatus: 200, ExpectedContent: []string{`"subject":"Hi Anna"`, `Dear Anna Example (anna@example.com)`,
				// the recipients to pick from: her list's client and the one picked by hand
				`"id":"` + aliceClient + `"`, `"id":"` + aliceClient2 + `"`},
		},
	)
	for _, s := range scenarios {
		s.Test(t)
	}
}

// The test send goes to the owner's own address, whatever the request
// says, personalized like the preview, and a few a minute at most.
func TestTestSendReachesOnlyTheOwner(t *testing.T) {
	app := newTestApp(t)
	defer app.Cleanup()
	personalized("Анна Петрова")(t, app, nil)
	api := newAPI(t, app)
	test := "/api/postrider/mailings/" + aliceMailing + "/test"
	before := deliveriesCount(t, app)

	api.expect("a test send as a chosen client", 200, "POST", test, tokens["alice"],
		`{"client":"`+aliceClient+`","to":"someone@example.net","email":"someone@example.net"}`, `"sent_to":"alice@example.com"`)
	sent := outbox(t, app)
	if len(sent) != 1 {
		t.Fatalf("%d mails sent, want 1", len(sent))
	}
	m := sent[0]
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "alice@example.com" || m.Header.Get("Cc")+m.Header.Get("Bcc") != "" {
		t.Fatalf("the test mail went to %q (%v), Cc %q", m.Header.Get("To"), err, m.Header.Get("Cc"))
	}
	if m.Subject != "Hi Анна" || !strings.Contains(m.Parts["text/html"], "Dear Анна Петрова") || !strings.Contains(m.Parts["text/plain"], "Dear Анна Петрова") {
		t.Fatalf("the test mail is not personalized: %q %q", m.Subject, m.Parts)
	}
	if after := deliveriesCount(t, app); after != before {
		t.Fatalf("the test send wrote deliveries: %d, then %d", before, after)
	}

	api.expect("a second, with the sample client", 200, "POST", test, tokens["alice"], `{}`, `"sent_to":"alice@example.com"`)
	if sent := outbox(t, app); sent[len(sent)-1].Subject != "Hi Anna" {
		t.Fatalf("the sample's test mail: %q", sent[len(sent)-1].Subject)
	}
	api.expect("a third", 200, "POST", test, tokens["alice"], ``)
	api.expect("a fourth in the minute is refused", 429, "POST", test, tokens["alice"], ``)
	if n := len(outbox(t, app)); n != 3 {
		t.Fatalf("%d mails sent, want 3", n)
	}
	// another user's limit is their own
	api.expect("bob may still send his", 200, "POST", "/api/postrider/mailings/"+bobMailing+"/test", tokens["bob"], ``, `"sent_to":"bob@example.com"`)
}

func deliveriesCount(t testing.TB, app *tests.TestApp) int64 {
	n, err := app.CountRecords("deliveries")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The form's preview of an unsaved mailing: the caller's own, cleaned and
// checked as a save would be, personalized, and nothing saved.
func TestDraftPreview(t *testing.T) {
	url := "/api/postrider/mailings/preview"
	draft := func(fields string) *strings.Reader {
		return strings.NewReader(`{"subject":"Hi {{first_name|there}}","body":"<p>Dear {{name|friend}}</p>","lists":["` + aliceList + `"]` + fields + `}`)
	}
	nothingSaved := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		if n, err := app.CountRecords("mailings"); err != nil || n != 3 {
			t.Fatalf("%d mailings after a preview (%v), want the fixture's 3", n, err)
		}
		mailsSent(0)(t, app, res)
	}
	scenarios := []tests.ApiScenario{
		{Name: "anonymous", Method: http.MethodPost, URL: url, Body: draft(""), TestAppFactory: newTestApp,
			ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}},
		{Name: "a blocked user", Method: http.MethodPost, URL: url, Body: draft(""), TestAppFactory: newTestApp,
			Headers: map[string]string{"Authorization": tokens["bellaOld"]}, ExpectedStatus: 403, ExpectedContent: []string{`account_blocked`}},
		{Name: "the sample, and the recipients of her list", Method: http.MethodPost, URL: url, Body: draft(""), TestAppFactory: newTestApp,
			Headers: map[string]string{"Authorization": tokens["alice"]}, ExpectedStatus: 200,
			ExpectedContent: []string{`"subject":"Hi Anna"`, `Dear Anna Example`, `"text":"Dear Anna Example`, `/unsubscribe/preview`,
				`"id":"` + aliceClient + `"`},
			NotExpectedContent: []string{aliceClient2, bobClient}, AfterTestFunc: nothingSaved},
		{Name: "as a Cyrillic client of hers picked by hand", Method: http.MethodPost, URL: url, TestAppFactory: newTestApp,
			Body:    draft(`,"clients":["` + aliceClient2 + `"],"client":"` + aliceClient + `"`),
			Headers: map[string]string{"Authorization": tokens["alice"]}, BeforeTestFunc: personalized("Анна Петрова"),
			ExpectedStatus: 200, ExpectedContent: []string{`"subject":"Hi Анна"`, `Dear Анна Петрова`, `"id":"` + aliceClient2 + `"`},
			AfterTestFunc: nothingSaved},
		{Name: "the body cleaned as a save cleans it", Method: http.MethodPost, URL: url, TestAppFactory: newTestApp,
			Body:           strings.NewReader(`{"subject":"x","body":"<p>Hi <b>{{name}}</b><script>alert(1)</script><img src=x onerror=alert(2)><a href=\"javascript:alert(3)\">j</a></p>"}`),
			Headers:        map[string]string{"Authorization": tokens["alice"]},
			ExpectedStatus: 200, ExpectedContent: []string{`Hi \u003cb\u003eAnna Example\u003c/b\u003e`},
			NotExpectedContent: []string{"script", "onerror", "javascript"}},
		{Name: "another owner's client: 400 naming client", Method: http.MethodPost, URL: url, TestAppFactory: newTestApp,
			Body: draft(`,"client":"` + bobClient + `"`), Headers: map[string]string{"Authorization": tokens["alice"]},
			ExpectedStatus: 400, ExpectedContent: []string{`"client":{"code":"validation_not_owner"`}},
		{Name: "another owner's list and client give no one to pick", Method: http.MethodPost, URL: url, TestAppFactory: newTestApp,
			Body:           strings.NewReader(`{"subject":"x","body":"y","lists":["` + bobList + `"],"clients":["` + bobClient2 + `"]}`),
			Headers:        map[string]string{"Authorization": tokens["alice"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"clients":[]`}, NotExpectedContent: []string{"bob"}},
		{Name: "an unknown placeholder: 400 naming the field", Method: http.MethodPost, URL: url, TestAppFactory: newTestApp,
			Body:           strings.NewReader(`{"subject":"Hi {{nmae}}","body":"<p>{{name</p>"}`),
			Headers:        map[string]string{"Authorization": tokens["alice"]},
			ExpectedStatus: 400, ExpectedContent: []string{`"subject":{"code":"validation_invalid_placeholder"`, `"body":{"code":"validation_invalid_placeholder"`},
			AfterTestFunc: nothingSaved},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
