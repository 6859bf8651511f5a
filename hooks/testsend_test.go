package hooks_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"postrider/dispatch"
	"postrider/internal/smtptest"
)

// The test send is the message a run sends, read back from a real SMTP
// server: the same header fields (List-Id, List-Unsubscribe-Post,
// Feedback-ID; no Auto-Submitted, which tells filters that no person wrote
// it), addressed to the owner; and its unsubscribe link unsubscribes no one.
func TestTheTestSendCarriesTheRunsHeaders(t *testing.T) {
	app := newTestApp(t)
	defer app.Cleanup()
	srv := smtptest.Start(t)
	s := app.Settings()
	s.SMTP.Enabled, s.SMTP.Host, s.SMTP.Port = true, srv.Host, srv.Port
	s.Meta.AppURL = "https://mail.example.com"
	if err := app.Save(s); err != nil {
		t.Fatal(err)
	}
	api := newAPI(t, app)
	api.expect("a test send", 200, "POST", "/api/postrider/mailings/"+aliceMailing+"/test", tokens["alice"],
		`{"client":"`+aliceClient+`"}`, `"sent_to":"alice@example.com"`)

	// a run of the same mailing, due in an hour (before the fixture's windows)
	schedules, err := app.FindCollectionByNameOrId("schedules")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Add(time.Hour)
	window := core.NewRecord(schedules)
	window.Load(map[string]any{"mailing": aliceMailing, "starts_at": at, "ends_at": at.Add(time.Hour), "period": "once", "next_run_at": at})
	if err := app.Save(window); err != nil {
		t.Fatal(err)
	}
	if _, err := dispatch.Run(context.Background(), app, dispatch.Options{Now: func() time.Time { return at.Add(time.Minute) }}); err != nil {
		t.Fatal(err)
	}

	got := map[string]smtptest.Mail{}
	for _, m := range srv.Messages() {
		got[m.To[0]] = smtptest.ReadMail(t, m.Data)
	}
	test, ok := got["alice@example.com"]
	if !ok {
		t.Fatalf("no test message reached the server: %v", srv.PerRecipient())
	}
	real, ok := got["alice-client@example.com"]
	if !ok {
		t.Fatalf("the run's message did not reach the server: %v", srv.PerRecipient())
	}
	if names, want := fieldNames(test.Header), fieldNames(real.Header); !slices.Equal(names, want) {
		t.Errorf("the test send's header fields\n%v\ndiffer from the run's\n%v", names, want)
	}
	for _, field := range []string{"From", "Subject", "List-Unsubscribe-Post", "MIME-Version"} {
		if test.Header.Get(field) != real.Header.Get(field) {
			t.Errorf("%s: the test send's %q, the run's %q", field, test.Header.Get(field), real.Header.Get(field))
		}
	}
	if test.Subject != "alice news" || !strings.Contains(test.Parts["text/html"], "Hello from alice") {
		t.Errorf("the test send reads %q %q", test.Subject, test.Parts["text/html"])
	}

	// its link, opened or clicked one-click as a mail client does, leaves
	// every client subscribed
	link, err := url.Parse(strings.Trim(test.Header.Get("List-Unsubscribe"), "<>"))
	if err != nil || link.Host != "mail.example.com" || !strings.HasPrefix(link.Path, "/unsubscribe/") {
		t.Fatalf("the test send's List-Unsubscribe %q (%v)", test.Header.Get("List-Unsubscribe"), err)
	}
	if !strings.Contains(test.Parts["text/html"], link.String()) {
		t.Errorf("the body's link is not the header's %s", link)
	}
	api.do(http.MethodGet, link.Path, "", "")
	oneClick := httptest.NewRequest(http.MethodPost, link.Path, strings.NewReader("List-Unsubscribe=One-Click"))
	oneClick.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	api.serve(oneClick)
	if n := unsubscribedClients(t, app); n != 0 {
		t.Errorf("the test send's link unsubscribed %d clients", n)
	}
}

// fieldNames are a message's header field names, sorted.
func fieldNames(h mail.Header) []string {
	var names []string
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func unsubscribedClients(t testing.TB, app *tests.TestApp) int64 {
	n, err := app.CountRecords("clients", dbx.NewExp("unsubscribed = TRUE"))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
