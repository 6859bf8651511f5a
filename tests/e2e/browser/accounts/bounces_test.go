package accounts

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// An address the mail server refuses for good three times in a row (three
// mailings here) is marked bouncing: the next mailing skips it and its page
// says so, the clients page shows the mark and filters by it, and the
// owner's click clears it.
func TestBrowserShowsABouncingClientAndTheOwnerClearsIt(t *testing.T) {
	ctx := e2e.Browser(t)
	smtp := smtptest.Start(t)
	smtp.SetFaults(smtptest.Faults{Refuse: map[string]int{"bad@example.org": 550}})
	env := map[string]string{
		"POSTRIDER_SMTP_HOST": smtp.Host, "POSTRIDER_SMTP_PORT": strconv.Itoa(smtp.Port), "POSTRIDER_SMTP_TLS": "none",
		"POSTRIDER_SENDER_ADDRESS": "news@postrider.test",
		// the test sends with `postrider dispatch` when it chooses
		"POSTRIDER_DISPATCH_CRON": "off",
	}
	in := e2e.Serve(t, env)
	in.SMTP = smtp
	token := e2e.ConfirmedUser(t, in, "owner@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	for _, email := range []string{"good@example.org", "bad@example.org"} {
		in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": email, "lists": []any{list["id"]}})
	}
	mailing := func(subject string) string {
		m := in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
			"subject": subject, "body": "<p>Hello</p>", "lists": []any{list["id"]}})
		start := time.Now().UTC()
		in.Must(200, "POST", "/api/collections/schedules/records", token, map[string]any{
			"mailing": m["id"], "starts_at": start.Format("2006-01-02 15:04:05.000Z"),
			"ends_at": start.Add(time.Hour).Format("2006-01-02 15:04:05.000Z"), "period": "once"})
		return m["id"].(string)
	}
	dispatch := func(want string) {
		t.Helper()
		out, err := e2e.Run(t, env, "dispatch", "--dev=false", "--dir", in.DataDir).CombinedOutput()
		if err != nil || !strings.Contains(string(out), want) {
			t.Fatalf("postrider dispatch: %v, want %q in\n%s", err, want, out)
		}
	}
	for i := range 3 {
		mailing("Issue " + strconv.Itoa(i+1))
	}
	dispatch("sent 3")
	fourth := mailing("Issue 4")
	dispatch("sent 1")
	if got := smtp.Tries()["bad@example.org"]; got != 3 {
		t.Fatalf("the server was asked to take bad@ %d times, want 3: the fourth mailing skips it", got)
	}

	e2e.LogInAs(t, ctx, in, "owner@example.com")
	// the fourth mailing's page says why one was not sent
	run := e2e.Page(t, ctx, "#runs-table", chromedp.Navigate(in.URL+"/mailing?id="+fourth), e2e.WaitRows("#runs-table", 1),
		e2e.Until(`document.querySelector('#runs-table .skipped') != null`))
	e2e.MustContain(t, "the run's row", run, "not sent: 1 to bouncing addresses")
	e2e.MustContain(t, "the last run", e2e.Page(t, ctx, "#mailing-last-run"), "not sent: 1 to bouncing addresses")

	// the clients page marks bad@, and the filter shows it alone
	e2e.Page(t, ctx, "#clients-table", chromedp.Navigate(in.URL+"/clients"), e2e.WaitRows("#clients-table", 2),
		e2e.Until(`document.querySelector('#clients-table tr[data-email="bad@example.org"] .badge.bouncing') != null`))
	if rows := e2e.RowsOf(t, ctx, "#clients-table"); len(rows) != 2 || !strings.Contains(rows[0], "Bouncing") || strings.Contains(rows[1], "Bouncing") {
		t.Fatalf("the clients table: %q, want bad@ marked bouncing and good@ not", rows)
	}
	e2e.Page(t, ctx, "#clients-table", chromedp.Click("#clients-bouncing"), e2e.WaitRows("#clients-table", 1))
	if rows := e2e.RowsOf(t, ctx, "#clients-table"); len(rows) != 1 || !strings.Contains(rows[0], "bad@example.org") {
		t.Fatalf("bouncing only: %q", rows)
	}

	// the owner clears the mark: the row says so, and the next mailing sends to bad@
	e2e.Page(t, ctx, "#clients-status", chromedp.Click(`#clients-table tr[data-email="bad@example.org"] .clear-bounce`),
		e2e.Until(`document.querySelector('#clients-status').innerText.includes('gets mailings again')`),
		e2e.WaitRows("#clients-table", 0))
	e2e.Page(t, ctx, "#clients-table", chromedp.Click("#clients-bouncing"), e2e.WaitRows("#clients-table", 2))
	if rows := e2e.RowsOf(t, ctx, "#clients-table"); strings.Contains(strings.Join(rows, "\n"), "Bouncing") {
		t.Fatalf("after clearing: %q", rows)
	}
	smtp.SetFaults(smtptest.Faults{})
	mailing("Issue 5")
	dispatch("sent 2")
	if got := smtp.PerRecipient()["bad@example.org"]; got != 1 {
		t.Fatalf("bad@ got %d messages after the mark was cleared, want 1", got)
	}
}
