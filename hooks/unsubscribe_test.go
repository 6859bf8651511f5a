package hooks_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/mailout"
)

// linkOf is the token of a client's unsubscribe link in the form sent
// before links named their mailing, signed with the fixture's secret (made
// here once: every test app copies the fixture).
func linkOf(t testing.TB, clientID string) string {
	return mailingLinkOf(t, clientID, "")
}

// mailingLinkOf is the token of a client's unsubscribe link from a mailing.
func mailingLinkOf(t testing.TB, clientID, mailingID string) string {
	secret, err := mailout.UnsubscribeSecret(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	return mailout.UnsubscribeToken(secret, clientID, mailingID)
}

// namedSender gives alice a name and her mailing a subject with placeholders,
// as the unsubscribe page shows them.
func namedSender(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	for _, change := range []struct{ collection, id, field, value string }{
		{"users", aliceID, "name", "Alice <Owner>"},
		{"mailings", aliceMailing, "subject", "{{first_name|Hi}}, spring news for {{email}}"},
	} {
		r, err := app.FindRecordById(change.collection, change.id)
		if err != nil {
			t.Fatal(err)
		}
		r.Set(change.field, change.value)
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
}

// subscription checks a client's flag (and that a date goes with it).
func subscription(clientID string, unsubscribed bool) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		c, err := app.FindRecordById("clients", clientID)
		if err != nil {
			t.Fatal(err)
		}
		if c.GetBool("unsubscribed") != unsubscribed || c.GetDateTime("unsubscribed_at").IsZero() == unsubscribed {
			t.Fatalf("client %s: unsubscribed %v at %q, want unsubscribed %v", clientID,
				c.GetBool("unsubscribed"), c.GetDateTime("unsubscribed_at"), unsubscribed)
		}
	}
}

// unsubscribedAgo marks alice's client unsubscribed, by its link or not, some time ago.
func unsubscribedAgo(ago time.Duration, byLink bool) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		c, err := app.FindRecordById("clients", aliceClient)
		if err != nil {
			t.Fatal(err)
		}
		c.Set("unsubscribed", true)
		c.Set("unsubscribed_by_link", byLink)
		c.Set("unsubscribed_at", time.Now().Add(-ago).UTC())
		if err := app.Save(c); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTheUnsubscribeLink(t *testing.T) {
	token := mailingLinkOf(t, aliceClient, aliceMailing)
	older := linkOf(t, aliceClient) // a link sent before links named their mailing
	forged := aliceClient + ".AAAAAAAAAAAAAAAAAAAAAAAA"
	_, mac, _ := strings.Cut(older, ".")
	other := aliceClient2 + "." + mac // alice's signature on her other client
	otherMailing := aliceClient + "." + bobMailing + token[strings.LastIndex(token, "."):]
	oneClick := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	scenarios := []tests.ApiScenario{
		{
			Name:   "opening the link unsubscribes no one: the page names the sender and the mailing, with one button",
			Method: http.MethodGet, URL: "/unsubscribe/" + token, BeforeTestFunc: namedSender, TestAppFactory: newTestApp, ExpectedStatus: 200,
			ExpectedContent: []string{`<dd id="sender">Alice &lt;Owner&gt; via Postrider</dd>`,
				`<dd id="mailing">alice, spring news for alice-client@example.com</dd>`, "Unsubscribe from this sender&#39;s mailings?",
				`<form method="post" action="/unsubscribe/` + token + `/confirm"><button type="submit">Unsubscribe</button>`, `lang="en"`},
			NotExpectedContent: []string{"{{", "You are unsubscribed", "/undo"},
			AfterTestFunc:      subscription(aliceClient, false),
		},
		{
			Name: "a preview's or a test send's link says it unsubscribes no one", Method: http.MethodGet,
			URL: "/unsubscribe/preview", TestAppFactory: newTestApp, ExpectedStatus: 200,
			ExpectedContent:    []string{"came in a preview or a test message: it unsubscribes no one"},
			NotExpectedContent: []string{"not valid", "<form"},
		},
		{
			Name: "a HEAD (a link scanner's) unsubscribes no one", Method: http.MethodHead, URL: "/unsubscribe/" + token,
			// (the test's recorder keeps the body a server drops for a HEAD)
			TestAppFactory: newTestApp, ExpectedStatus: 200, ExpectedContent: []string{"<html"}, AfterTestFunc: subscription(aliceClient, false),
		},
		{
			Name: "the page speaks Russian to a Russian browser", Method: http.MethodGet,
			URL: "/unsubscribe/" + token, Headers: map[string]string{"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"},
			TestAppFactory: newTestApp, ExpectedStatus: 200,
			ExpectedContent: []string{"Отправитель", "Рассылка", "alice news", `<button type="submit">Отписаться</button>`, `lang="ru"`},
			AfterTestFunc:   subscription(aliceClient, false),
		},
		{
			Name: "the page's button unsubscribes, says so and offers an undo", Method: http.MethodPost,
			URL: "/unsubscribe/" + token + "/confirm", Headers: oneClick, TestAppFactory: newTestApp, ExpectedStatus: 200,
			ExpectedContent:    []string{"You are unsubscribed", `<dd id="mailing">alice news</dd>`, `action="/unsubscribe/` + token + `/undo"`},
			NotExpectedContent: []string{"/confirm"},
			AfterTestFunc:      subscription(aliceClient, true),
		},
		{
			Name: "a link sent before links named their mailing still works: the page names the sender", Method: http.MethodGet,
			URL: "/unsubscribe/" + older, TestAppFactory: newTestApp, ExpectedStatus: 200,
			ExpectedContent:    []string{`<dd id="sender">aliceuser000001 via Postrider</dd>`, `action="/unsubscribe/` + older + `/confirm"`},
			NotExpectedContent: []string{`id="mailing"`}, AfterTestFunc: subscription(aliceClient, false),
		},
		{
			Name: "and its button unsubscribes", Method: http.MethodPost, URL: "/unsubscribe/" + older + "/confirm",
			TestAppFactory: newTestApp, ExpectedStatus: 200, ExpectedContent: []string{"You are unsubscribed"},
			AfterTestFunc: subscription(aliceClient, true),
		},
		{
			Name: "a mailing's signature does not pass for another mailing", Method: http.MethodGet, URL: "/unsubscribe/" + otherMailing,
			TestAppFactory: newTestApp, ExpectedStatus: 404, ExpectedContent: []string{"not valid"}, NotExpectedContent: []string{"bob news"},
		},
		{
			Name: "a forged token's button unsubscribes no one", Method: http.MethodPost, URL: "/unsubscribe/" + forged + "/confirm",
			TestAppFactory: newTestApp, ExpectedStatus: 404, ExpectedContent: []string{"not valid"},
			AfterTestFunc: subscription(aliceClient, false),
		},
		{
			Name: "the one-click POST unsubscribes with no page and no login", Method: http.MethodPost,
			URL: "/unsubscribe/" + token, Body: strings.NewReader("List-Unsubscribe=One-Click"), Headers: oneClick,
			TestAppFactory: newTestApp, ExpectedStatus: 200, ExpectedContent: []string{"Unsubscribed."},
			NotExpectedContent: []string{"<html"}, AfterTestFunc: subscription(aliceClient, true),
		},
		{
			Name: "a POST without the one-click body changes nothing", Method: http.MethodPost,
			URL: "/unsubscribe/" + token, Body: strings.NewReader("x=1"), Headers: oneClick,
			TestAppFactory: newTestApp, ExpectedStatus: 400, ExpectedContent: []string{"List-Unsubscribe=One-Click"},
			AfterTestFunc: subscription(aliceClient, false),
		},
		{
			Name: "a forged token is refused", Method: http.MethodGet, URL: "/unsubscribe/" + forged,
			TestAppFactory: newTestApp, ExpectedStatus: 404, ExpectedContent: []string{"not valid"},
			AfterTestFunc: subscription(aliceClient, false),
		},
		{
			Name: "one client's signature does not unsubscribe another", Method: http.MethodPost, URL: "/unsubscribe/" + other,
			Body: strings.NewReader("List-Unsubscribe=One-Click"), Headers: oneClick,
			TestAppFactory: newTestApp, ExpectedStatus: 404, ExpectedContent: []string{"not valid"},
			AfterTestFunc: subscription(aliceClient2, false),
		},
		{
			Name: "an altered token is refused", Method: http.MethodGet, URL: "/unsubscribe/" + altered(token),
			TestAppFactory: newTestApp, ExpectedStatus: 404, ExpectedContent: []string{"not valid"},
			AfterTestFunc: subscription(aliceClient, false),
		},
		{
			Name: "the undo subscribes again within the day", Method: http.MethodPost, URL: "/unsubscribe/" + token + "/undo",
			BeforeTestFunc: unsubscribedAgo(time.Hour, true), TestAppFactory: newTestApp, ExpectedStatus: 200,
			ExpectedContent: []string{"subscribed again"}, AfterTestFunc: subscription(aliceClient, false),
		},
		{
			Name: "the link cannot subscribe again after the undo window", Method: http.MethodPost, URL: "/unsubscribe/" + token + "/undo",
			BeforeTestFunc: unsubscribedAgo(25*time.Hour, true), TestAppFactory: newTestApp, ExpectedStatus: 403,
			ExpectedContent: []string{"ask the sender"}, AfterTestFunc: subscription(aliceClient, true),
		},
		{
			Name: "the link cannot undo what the owner did", Method: http.MethodPost, URL: "/unsubscribe/" + token + "/undo",
			BeforeTestFunc: unsubscribedAgo(time.Minute, false), TestAppFactory: newTestApp, ExpectedStatus: 403,
			ExpectedContent: []string{"ask the sender"}, AfterTestFunc: subscription(aliceClient, true),
		},
		{
			Name: "a late page shows no undo", Method: http.MethodGet, URL: "/unsubscribe/" + token,
			BeforeTestFunc: unsubscribedAgo(25*time.Hour, true), TestAppFactory: newTestApp, ExpectedStatus: 200,
			ExpectedContent: []string{"You are unsubscribed"}, NotExpectedContent: []string{"/undo", "/confirm"},
			AfterTestFunc: subscription(aliceClient, true),
		},
		{
			Name: "the page of a client unsubscribed within the day offers the undo", Method: http.MethodGet, URL: "/unsubscribe/" + token,
			BeforeTestFunc: unsubscribedAgo(time.Hour, true), TestAppFactory: newTestApp, ExpectedStatus: 200,
			ExpectedContent: []string{"You are unsubscribed", "/undo"}, NotExpectedContent: []string{"/confirm"},
			AfterTestFunc: subscription(aliceClient, true),
		},
		{
			Name: "the owner subscribes the client again on purpose", Method: http.MethodPatch,
			URL: "/api/collections/clients/records/" + aliceClient, Body: strings.NewReader(`{"unsubscribed":false}`),
			Headers: map[string]string{"Authorization": tokens["alice"]}, BeforeTestFunc: unsubscribedAgo(48*time.Hour, true),
			TestAppFactory: newTestApp, ExpectedStatus: 200, ExpectedContent: []string{`"unsubscribed":false`, `"unsubscribed_at":""`},
			NotExpectedContent: []string{"unsubscribed_by_link"}, AfterTestFunc: subscription(aliceClient, false),
		},
		{
			Name: "the owner's unsubscribe is dated by the server", Method: http.MethodPatch,
			URL: "/api/collections/clients/records/" + aliceClient, Body: strings.NewReader(`{"unsubscribed":true}`),
			Headers: map[string]string{"Authorization": tokens["alice"]}, TestAppFactory: newTestApp, ExpectedStatus: 200,
			ExpectedContent: []string{`"unsubscribed":true`}, AfterTestFunc: subscription(aliceClient, true),
		},
		{
			Name: "another user cannot subscribe alice's client again", Method: http.MethodPatch,
			URL: "/api/collections/clients/records/" + aliceClient, Body: strings.NewReader(`{"unsubscribed":false}`),
			Headers: map[string]string{"Authorization": tokens["bob"]}, BeforeTestFunc: unsubscribedAgo(48*time.Hour, true),
			TestAppFactory: newTestApp, ExpectedStatus: 404, ExpectedContent: []string{`"status":404`},
			AfterTestFunc: subscription(aliceClient, true),
		},
		unchanged(refused("setting the date of an unsubscribe", http.MethodPatch, "/api/collections/clients/records/"+aliceClient, "alice",
			`{"unsubscribed_at":"2020-01-01 00:00:00.000Z"}`, "clients", "unsubscribed_at"), "clients", aliceClient, "unsubscribed", "false"),
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestMailingTemplatesAreCheckedAndBodiesCleaned(t *testing.T) {
	const url = "/api/collections/mailings/records"
	mailing := func(subject, body string) string {
		return `{"subject":` + quote(subject) + `,"body":` + quote(body) + `,"lists":["` + aliceList + `"]}`
	}
	bad := func(name, subject, body, field string) tests.ApiScenario {
		s := refused(name, http.MethodPost, url, "alice", mailing(subject, body), "mailings", field)
		s.ExpectedContent = append(s.ExpectedContent, "validation_invalid_placeholder")
		return s
	}
	scenarios := []tests.ApiScenario{
		bad("an unknown placeholder in the subject", "News for {{nmae}}", "<p>b</p>", "subject"),
		bad("a placeholder left open in the body", "News", "<p>Hello {{name</p>", "body"),
		bad("template code in the body", "News", "<p>{{.Name}}</p>", "body"),
		{
			Name:   "placeholders and fallbacks are accepted; a script is cleaned away, the link placeholder kept",
			Method: http.MethodPost, URL: url, Headers: map[string]string{"Authorization": tokens["alice"]},
			Body: strings.NewReader(mailing("{{first_name|Hi}}, news",
				`<p onclick="x()">Hello, {{name|there}}!</p><script>alert(1)</script>`+
					`<p><a href="{{unsubscribe_url}}">Leave</a> <a href="javascript:alert(1)">bad</a> <a href="https://example.com/?e={{email}}">mine</a></p>`)),
			TestAppFactory: newTestApp, ExpectedStatus: 200, ExpectedContent: []string{`"subject":"{{first_name|Hi}}, news"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				var m *core.Record
				rs, err := app.FindRecordsByFilter("mailings", "subject = '{{first_name|Hi}}, news'", "", 1, 0)
				if err != nil || len(rs) != 1 {
					t.Fatalf("the mailing was not saved: %v", err)
				}
				m = rs[0]
				body := m.GetString("body")
				for _, want := range []string{`<p>Hello, {{name|there}}!</p>`, `<a href="{{unsubscribe_url}}">Leave</a>`, `href="https://example.com/?e={{email}}"`} {
					if !strings.Contains(body, want) {
						t.Errorf("body %q lacks %q", body, want)
					}
				}
				for _, gone := range []string{"<script", "alert", "onclick", "javascript:"} {
					if strings.Contains(body, gone) {
						t.Errorf("body %q keeps %q", body, gone)
					}
				}
			},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// altered changes a token's last character (to one it does not already end with).
func altered(token string) string {
	last := "x"
	if strings.HasSuffix(token, "x") {
		last = "y"
	}
	return token[:len(token)-1] + last
}
