package hooks_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/config"
	"postrider/hooks"
	"postrider/mailout"
)

// the data dir's signing key of these tests, and the route's bearer secret
var (
	bounceKey    = []byte("0123456789abcdef0123456789abcdef")
	inboundToken = strings.Repeat("k", 40)
)

func newInboundApp(t testing.TB) *tests.TestApp {
	return newInboundAppWith(t, config.Health{})
}

// newInboundAppWith is the app of these tests with the limits of
// automatic stops (none: zero).
func newInboundAppWith(t testing.TB, limits config.Health) *tests.TestApp {
	app, err := tests.NewTestApp(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(app.DataDir(), mailout.UnsubscribeKeyFile), bounceKey, 0o600); err != nil {
		t.Fatal(err)
	}
	hooks.Register(app, config.Config{Inbound: config.Inbound{Secret: inboundToken}, Health: limits})
	return app
}

// dsn is a report as Postfix writes it, about a message to rcpt whose
// envelope sender was from and Message-ID msgID.
func dsn(from, rcpt, status, msgID string) string {
	return strings.ReplaceAll(`From: MAILER-DAEMON@mx.example
To: `+from+`
Subject: Undelivered Mail Returned to Sender
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The mail system said no.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example
X-Postfix-Sender: rfc822; `+from+`

Final-Recipient: rfc822; `+rcpt+`
Action: failed
Status: `+status+`
Diagnostic-Code: smtp; 550 `+status+` the remote server's words

--B
Content-Type: text/rfc822-headers

Message-ID: <`+msgID+`>
Return-Path: <`+from+`>

--B--
`, "\n", "\r\n")
}

func arfReport(from, msgID string) string {
	return strings.ReplaceAll(`From: fbl@isp.example
To: `+from+`
Content-Type: multipart/report; report-type=feedback-report; boundary="P"

--P
Content-Type: text/plain

A complaint.

--P
Content-Type: message/feedback-report

Feedback-Type: abuse
Version: 1
Original-Mail-From: `+from+`

--P
Content-Type: message/rfc822

Message-ID: <`+msgID+`>
To: redacted@isp.example

hi
--P--
`, "\n", "\r\n")
}

func verp(deliveryID string) string {
	return mailout.VERPAddress(bounceKey, deliveryID, "bounces.example")
}

func TestBouncesRouteAccess(t *testing.T) {
	body := dsn(verp(aliceDelivery), "alice-client@example.com", "5.1.1", aliceDelivery+"@postrider.localhost")
	cases := []struct {
		who    string
		auth   string
		status int
	}{
		{"anonymous", "", 401},
		{"a user", tokens["alice"], 403},
		{"a moderator", tokens["mod"], 403},
		{"a wrong bearer", "Bearer " + strings.Repeat("x", 40), 401},
		{"a bearer of the secret's first half", "Bearer " + inboundToken[:20], 401},
		{"the bearer secret", "Bearer " + inboundToken, 200},
		{"a superuser", tokens["superuser"], 200},
	}
	for _, c := range cases {
		s := tests.ApiScenario{
			Name: "POST /api/postrider/bounces by " + c.who, Method: http.MethodPost, URL: "/api/postrider/bounces",
			Body: strings.NewReader(body), TestAppFactory: newInboundApp, ExpectedStatus: c.status,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				client, err := app.FindRecordById("clients", aliceClient)
				if err != nil {
					t.Fatal(err)
				}
				if client.GetBool("bouncing") != (c.status == 200) {
					t.Errorf("bouncing = %v after a %d", client.GetBool("bouncing"), c.status)
				}
			},
		}
		if c.status == 200 {
			s.ExpectedContent = []string{`"applied":1`}
		} else {
			s.ExpectedContent = []string{`"status":`}
		}
		if c.auth != "" {
			s.Headers = map[string]string{"Authorization": c.auth}
		}
		s.Test(t)
	}
}

// post sends a report to the route as the inbound script would.
func post(t *testing.T, a *api, body string, want int) string {
	t.Helper()
	got, out := a.do(http.MethodPost, "/api/postrider/bounces", "Bearer "+inboundToken, body)
	if got != want {
		t.Fatalf("status %d, want %d: %s", got, want, out)
	}
	return out
}

func record(t *testing.T, app core.App, collection, id string) *core.Record {
	t.Helper()
	r, err := app.FindRecordById(collection, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestABounceMarksTheClientOnceAndShowsInTheLog(t *testing.T) {
	app := newInboundApp(t)
	defer app.Cleanup()
	a := newAPI(t, app)
	body := dsn(verp(aliceDelivery), "alice-client@example.com", "5.1.1", "other@postrider.localhost")
	if got := post(t, a, body, 200); !strings.Contains(got, `"applied":1`) {
		t.Fatalf("first report: %s", got)
	}
	if got := post(t, a, body, 200); !strings.Contains(got, `"repeated":1`) || !strings.Contains(got, `"applied":0`) {
		t.Fatalf("the same report again: %s", got)
	}
	d := record(t, app, "deliveries", aliceDelivery)
	if d.GetString("bounce") != "hard" || d.GetDateTime("bounced_at").IsZero() || !strings.Contains(d.GetString("bounce_reply"), "the remote server's words") {
		t.Errorf("delivery: bounce %q at %v, reply %q", d.GetString("bounce"), d.GetDateTime("bounced_at"), d.GetString("bounce_reply"))
	}
	if !record(t, app, "clients", aliceClient).GetBool("bouncing") {
		t.Error("a hard bounce did not mark the client bouncing")
	}
	// the owner sees it beside the message in the log
	a.expect("the log", 200, http.MethodGet, "/api/postrider/deliveries/log", tokens["alice"], "", `"bounce":"hard"`, `the remote server's words`)
	a.expect("the log's export", 200, http.MethodGet, "/api/postrider/deliveries/export", tokens["alice"], "", `"hard","550 5.1.1 the remote server's words"`)
	// and counted on the home page, the mailing's page and the moderators' users list
	a.expect("the home page", 200, http.MethodGet, "/api/postrider/stats", tokens["alice"], "", `"bounced_30d":1`, `"complaints_30d":0`)
	a.expect("the mailing's page", 200, http.MethodGet, "/api/postrider/mailings/"+aliceMailing+"/bounces", tokens["alice"], "", `"bounced":1`, `"hard":1`, `"soft":0`)
	a.expect("another user's mailing", 404, http.MethodGet, "/api/postrider/mailings/"+aliceMailing+"/bounces", tokens["bob"], "")
	out := a.expect("the moderators' list", 200, http.MethodGet, "/api/postrider/moderation/users?perPage=50", tokens["mod"], "", `"bounced_7d":1`)
	if strings.Count(out, `"bounced_7d":1`) != 1 {
		t.Errorf("more than alice has a bounce: %s", out)
	}
}

func TestAComplaintUnsubscribesTheClient(t *testing.T) {
	app := newInboundApp(t)
	defer app.Cleanup()
	a := newAPI(t, app)
	if got := post(t, a, arfReport(verp(bobDelivery), bobDelivery+"@postrider.localhost"), 200); !strings.Contains(got, `"applied":1`) {
		t.Fatalf("complaint: %s", got)
	}
	c := record(t, app, "clients", bobClient)
	if !c.GetBool("unsubscribed") || c.GetString("unsubscribed_reason") != "complaint" || c.GetDateTime("unsubscribed_at").IsZero() {
		t.Errorf("client: unsubscribed %v, reason %q, at %v", c.GetBool("unsubscribed"), c.GetString("unsubscribed_reason"), c.GetDateTime("unsubscribed_at"))
	}
	if record(t, app, "deliveries", bobDelivery).GetString("bounce") != "complaint" {
		t.Error("the delivery does not say complaint")
	}
}

// Reports that are not ours, or not about whom they say, change nothing.
func TestForeignOrForgedReportsChangeNothing(t *testing.T) {
	app := newInboundApp(t)
	defer app.Cleanup()
	a := newAPI(t, app)
	for _, id := range []string{aliceDelivery, bobDelivery} {
		d := record(t, app, "deliveries", id)
		d.Set("message_id", "<"+id+"@postrider.localhost>")
		if err := app.Save(d); err != nil {
			t.Fatal(err)
		}
	}
	forged := verp(aliceDelivery)
	forged = forged[:strings.IndexByte(forged, '@')-1] + "q@bounces.example"
	cases := map[string]string{
		"no VERP token nor Message-ID of ours": dsn("news@postrider.localhost", "alice-client@example.com", "5.1.1", "x@elsewhere.example"),
		"a forged token":                       dsn(forged, "alice-client@example.com", "5.1.1", "x@elsewhere.example"),
		// alice's own token, about bob's client: neither changes
		"another user's recipient": dsn(verp(aliceDelivery), "bob-client@example.com", "5.1.1", bobDelivery+"@postrider.localhost"),
		// bob's Message-ID (guessable: ids follow each other) with another address
		"a Message-ID with another recipient": dsn("news@postrider.localhost", "alice-client@example.com", "5.1.1", bobDelivery+"@postrider.localhost"),
	}
	for name, body := range cases {
		if got := post(t, a, body, 200); !strings.Contains(got, `"unmatched":1`) || !strings.Contains(got, `"applied":0`) {
			t.Errorf("%s: %s", name, got)
		}
	}
	if got := post(t, a, "Content-Type: multipart/report; boundary=\r\n\r\n--x\r\n", 400); !strings.Contains(got, "not a bounce or complaint report") {
		t.Errorf("malformed MIME: %s", got)
	}
	if got := post(t, a, "Subject: x\r\n\r\n"+strings.Repeat("a", 2<<20), 413); !strings.Contains(got, "larger than 1 MB") {
		t.Errorf("2 MB: %s", got)
	}
	for _, id := range []string{aliceDelivery, bobDelivery} {
		if b := record(t, app, "deliveries", id).GetString("bounce"); b != "" {
			t.Errorf("delivery %s: bounce %q", id, b)
		}
	}
	for _, id := range []string{aliceClient, bobClient} {
		if c := record(t, app, "clients", id); c.GetBool("bouncing") || c.GetBool("unsubscribed") {
			t.Errorf("client %s changed: bouncing %v, unsubscribed %v", id, c.GetBool("bouncing"), c.GetBool("unsubscribed"))
		}
	}
	// a report found by its Message-ID when the relay put its own envelope sender
	if got := post(t, a, dsn("relay@relay.example", "bob-client@example.com", "5.1.1", bobDelivery+"@postrider.localhost"), 200); !strings.Contains(got, `"applied":1`) {
		t.Errorf("by Message-ID: %s", got)
	}
}

// Five soft bounces of a client's last five messages mark it bouncing; a
// message between them with no bounce (yet) keeps the streak open.
func TestFiveSoftBouncesInARowMarkTheClient(t *testing.T) {
	app := newInboundApp(t)
	defer app.Cleanup()
	a := newAPI(t, app)
	first := record(t, app, "deliveries", aliceDelivery).GetDateTime("run_at")
	ids := []string{aliceDelivery}
	for i := 1; i <= 5; i++ {
		runID, deliveryID := fmt.Sprintf("alicerunsoft%03d", i), fmt.Sprintf("alicedsoft00%03d", i)
		at := first.Add(time.Duration(i) * 24 * time.Hour)
		save(t, app, "runs", runID, map[string]any{"owner": aliceID, "mailing": aliceMailing, "schedule": aliceSchedule, "run_at": at, "status": "done", "total": 1, "sent": 1})
		save(t, app, "deliveries", deliveryID, map[string]any{"owner": aliceID, "mailing": aliceMailing, "run": runID, "schedule": aliceSchedule,
			"client": aliceClient, "email": "alice-client@example.com", "run_at": at, "status": "sent", "attempts": 1, "sent_at": at})
		ids = append(ids, deliveryID)
	}
	softBounce := func(id string) {
		t.Helper()
		if got := post(t, a, dsn(verp(id), "alice-client@example.com", "5.2.2", id+"@postrider.localhost"), 200); !strings.Contains(got, `"applied":1`) {
			t.Fatalf("soft bounce of %s: %s", id, got)
		}
	}
	for _, id := range append(ids[:4:4], ids[5]) { // the fifth message has not bounced (yet)
		softBounce(id)
	}
	if record(t, app, "clients", aliceClient).GetBool("bouncing") {
		t.Fatal("marked bouncing while a message among its last five did not bounce")
	}
	softBounce(ids[4])
	if !record(t, app, "clients", aliceClient).GetBool("bouncing") {
		t.Fatal("five soft bounces in a row did not mark the client")
	}
}

func save(t *testing.T, app core.App, collection, id string, data map[string]any) {
	t.Helper()
	col, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(col)
	r.Id = id
	r.Load(data)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
}
