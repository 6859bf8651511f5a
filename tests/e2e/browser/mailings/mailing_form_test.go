package mailings

// A mailing written in the form in a real browser: the whole story to its
// delivery log, a newcomer's first mailing, a body sanitized, a mailing
// edited once its window has opened.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
	"postrider/internal/seed"
	"postrider/internal/smtptest"
)

// The whole story: a user writes a mailing in the browser (subject, body in
// the editor, a list, a window that opens now), `postrider dispatch` sends
// it, the mail reaches the SMTP server, and the mailing's page shows the run
// and every delivery with the server's reply.
func TestBrowserMailingFromFormToDeliveryLog(t *testing.T) {
	ctx := e2e.Browser(t)
	smtp := smtptest.Start(t)
	in := e2e.Serve(t, e2e.SMTPServeEnv(smtp))
	in.SMTP = smtp
	token := e2e.ConfirmedUser(t, in, "writer@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	for _, e := range []string{"r1@example.org", "r2@example.org", "r3@example.org"} {
		in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": e, "lists": []any{list["id"]}})
	}
	e2e.LogInAs(t, ctx, in, "writer@example.com")

	// bad input first: nothing filled, then a window that ends before it starts
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible("#mailing-subject"),
		chromedp.WaitVisible(".window"), chromedp.Click("#mailing button[type=submit]"), chromedp.WaitVisible("#mailing-subject-error"))
	e2e.MustContain(t, "an empty subject", e2e.Page(t, ctx, "#mailing-subject-error"), "Fill this in")
	e2e.MustContain(t, "an empty body", e2e.Page(t, ctx, "#mailing-body-error"), "Fill this in")

	now := time.Now().UTC()
	setWindow := func(start, end time.Time) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const w = document.querySelector('.window');
			w.querySelector('[name=starts_at]').value = %q; w.querySelector('[name=ends_at]').value = %q; })()`,
			start.Format("2006-01-02T15:04"), end.Format("2006-01-02T15:04")))
	}
	e2e.Page(t, ctx, "h1", e2e.Steps(
		e2e.Fill(map[string]string{"mailing-subject": "Spring news"}),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Spring is here, dear reader."),
		chromedp.Click(`#mailing-lists input[type=checkbox]`),
		e2e.Until(`document.querySelector('#mailing-reach').innerText.includes('Recipients now: 3.')`),
		setWindow(now.Add(2*time.Hour), now.Add(time.Hour)),
		chromedp.Click("#mailing button[type=submit]"),
		chromedp.WaitVisible(".window [name=ends_at][aria-invalid=true]"),
	)...)
	e2e.MustContain(t, "a window ending before it starts", e2e.Page(t, ctx, ".window [name=ends_at] ~ .field-error"), "end after it starts")

	// a refused window saved nothing, not even the mailing
	var none struct{ TotalItems int }
	if in.Call("GET", "/api/collections/mailings/records", token, nil, &none); none.TotalItems != 0 {
		t.Fatalf("a refused window left %d mailings behind", none.TotalItems)
	}

	// now right: the window opens this minute
	heading := e2e.Page(t, ctx, "h1", setWindow(now, now.Add(24*time.Hour)), chromedp.Click("#mailing button[type=submit]"),
		chromedp.WaitVisible("#mailing-preview"))
	e2e.MustContain(t, "the mailing's page", heading, "Spring news")
	e2e.MustContain(t, "the preview", e2e.Page(t, ctx, "#mailing-preview"), "Spring is here")

	// the server sends it at once, by itself; the open page shows the run
	e2e.Page(t, ctx, "h1", e2e.WaitRows("#log-table", 3),
		e2e.Until(`document.querySelector('#runs-table').innerText.includes('3 sent, 0 failed of 3')`))
	for _, row := range e2e.RowsOf(t, ctx, "#log-table") {
		if !strings.Contains(row, "sent") || !strings.Contains(row, "250") || !strings.Contains(row, smtp.Addr()) { // the relay column
			t.Errorf("a log row: %q", row)
		}
	}
	// the server also got the account's mails (confirmation, a login alert): keep the mailing's
	got := map[string]int{}
	for _, m := range smtp.Messages() {
		mail := smtptest.ReadMail(t, m.Data)
		if mail.Subject != "Spring news" {
			continue
		}
		if !strings.Contains(mail.Parts["text/plain"], "Spring is here") || len(m.To) != 1 {
			t.Errorf("a message of the mailing: to %v, %q", m.To, mail.Parts["text/plain"])
		}
		got[m.To[0]]++
	}
	if len(got) != 3 || got["r1@example.org"] != 1 || got["r2@example.org"] != 1 || got["r3@example.org"] != 1 {
		t.Fatalf("the SMTP server got mail for %v", got)
	}

	e2e.Screenshot(t, ctx, "mailing.png")

	// the logs page: the same deliveries, a bar for today, filters, export
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/logs"), e2e.WaitRows("#logs-table", 3), chromedp.WaitVisible("#logs-chart rect.sent"))
	e2e.MustContain(t, "the chart", e2e.Page(t, ctx, "#logs-chart figcaption"), "3 sent, 0 failed")
	e2e.Page(t, ctx, "h1",
		chromedp.Evaluate[chromedp.Void](`(() => { document.querySelector('#logs-status-filter').value = 'failed';
			document.querySelector('#logs-filters').requestSubmit(); })()`),
		e2e.WaitRows("#logs-table", 0), chromedp.WaitVisible("#logs-page"))
	e2e.MustContain(t, "the failed ones", e2e.Page(t, ctx, "#logs-page"), "(0 messages)")
	e2e.Page(t, ctx, "h1",
		chromedp.Evaluate[chromedp.Void](`(() => { document.querySelector('#logs-status-filter').value = '';
			document.querySelector('#logs-filters').requestSubmit(); })()`),
		e2e.WaitRows("#logs-table", 3), e2e.CatchDownload, chromedp.Click("#logs-export"),
		e2e.Until(`document.querySelector('#logs-status').innerText.includes('exported')`))
	e2e.MustContain(t, "the export", e2e.Page(t, ctx, "#logs-status"), "3 deliveries exported")
	// times on the user's clock, with the zone in the header, not raw UTC
	logCSV := strings.Split(e2e.CaughtCSV(t, ctx), "\r\n")
	if len(logCSV) != 5 || !strings.HasPrefix(logCSV[0], "\ufeff\"time (UTC)\",\"mailing\"") ||
		!regexp.MustCompile(`^"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d",`).MatchString(logCSV[1]) {
		t.Fatalf("the exported log:\n%q", logCSV)
	}
	e2e.Screenshot(t, ctx, "logs.png")
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings/edit?id="+mailingID(t, in, token)), chromedp.WaitVisible(".window"),
		e2e.Until(`document.querySelector('#mailing-reach').innerText.includes('Recipients now: 3.')`))
	e2e.Screenshot(t, ctx, "mailing-form.png")

	// stop and resume from the list
	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Navigate(in.URL+"/mailings"), e2e.WaitRows("#mailings-table", 1), e2e.AcceptDialogs,
		e2e.RowMenu("#mailings-table"), chromedp.Click(`#mailings-table td.actions button.stop`),
		e2e.Until(`document.querySelector('#mailings-table').innerText.includes('stopped')`))...)
	var m struct{ Items []struct{ Stopped bool } }
	in.Call("GET", "/api/collections/mailings/records", token, nil, &m)
	if len(m.Items) != 1 || !m.Items[0].Stopped {
		t.Fatalf("the mailing was not stopped: %+v", m)
	}
	if rows := e2e.RowsOf(t, ctx, "#mailings-table"); len(rows) != 1 || !strings.Contains(rows[0], "| 3 |") {
		t.Fatalf("the list of mailings does not say it reaches 3 people: %q", rows)
	}

	// resumed
	e2e.Page(t, ctx, "h1", e2e.Steps(e2e.RowMenu("#mailings-table"), chromedp.Click(`#mailings-table td.actions button.resume`),
		e2e.Until(`!document.querySelector('#mailings-table').innerText.includes('stopped')`))...)
	in.Call("GET", "/api/collections/mailings/records", token, nil, &m)
	if m.Items[0].Stopped {
		t.Fatal("the mailing was not resumed")
	}

	// another user sees none of it, not even through the mailing's address
	id := mailingID(t, in, token)
	e2e.ConfirmedUser(t, in, "other@example.com")
	e2e.Page(t, ctx, "h1", chromedp.Click("#logout"), chromedp.WaitVisible(`#header a[href="/login"]`))
	e2e.LogInAs(t, ctx, in, "other@example.com")
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings"), e2e.WaitRows("#mailings-table", 0), chromedp.WaitVisible("#mailings-table + .empty"))
	text := e2e.Page(t, ctx, "body", chromedp.Navigate(in.URL+"/mailing?id="+id), chromedp.WaitVisible("#detail-status.err"))
	if strings.Contains(text, "Spring") || strings.Contains(text, "r1@example.org") {
		t.Fatalf("another user's page of the mailing shows it:\n%s", text)
	}
}

func mailingID(t *testing.T, in *e2e.Instance, token string) string {
	t.Helper()
	var m struct{ Items []struct{ ID string } }
	in.Call("GET", "/api/collections/mailings/records", token, nil, &m)
	if len(m.Items) == 0 {
		t.Fatal("no mailing")
	}
	return m.Items[0].ID
}

// The whole path in one go, as a newcomer walks it: sign up in the
// form, confirm from the mail, log in, import clients from a CSV file,
// write a mailing whose window opens now, run `postrider dispatch`, and
// find the deliveries on the mailing's page and on the logs page; the mail
// reached the SMTP server; another user finds none of it on any page.
func TestBrowserNewcomerSendsAFirstMailing(t *testing.T) {
	ctx := e2e.Browser(t)
	smtp := smtptest.Start(t)
	in := e2e.Serve(t, map[string]string{"POSTRIDER_SMTP_HOST": smtp.Host, "POSTRIDER_SMTP_PORT": strconv.Itoa(smtp.Port), "POSTRIDER_SMTP_TLS": "none"})
	in.SMTP = smtp
	const email = "first@example.com"

	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Navigate(in.URL+"/signup"), chromedp.WaitVisible("#signup-email"),
		e2e.Fill(map[string]string{"signup-email": email, "signup-password": "a long password", "signup-passwordConfirm": "a long password", "signup-name": "First"}),
		chromedp.Click("#signup button[type=submit]"), chromedp.WaitVisible("#signup-status.ok"))...)
	link := e2e.LinkIn(t, smtp.WaitFor(t, 1, 30*time.Second)[0].Data)
	e2e.Page(t, ctx, "#status", chromedp.Navigate(link), chromedp.WaitVisible("#status.ok"))
	e2e.LogInAs(t, ctx, in, email)

	csv := filepath.Join(t.TempDir(), "clients.csv")
	os.WriteFile(csv, []byte("email,name\nc1@example.org,One\nc2@example.org,Two\n"), 0o644)
	e2e.Page(t, ctx, "#import-summary", chromedp.Navigate(in.URL+"/clients/import"), chromedp.WaitVisible("#import-file"),
		chromedp.SetUploadFiles("#import-file", []string{csv}), chromedp.Click("#import-go"),
		e2e.Until(`document.querySelector('#import-summary')?.innerText.includes('2 added')`))

	tokyo, _ := time.LoadLocation("Asia/Tokyo") // the browser's zone, which the sign-up made the user's
	now := time.Now().In(tokyo)
	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Navigate(in.URL+"/mailings"), chromedp.WaitVisible("#new-mailing"), chromedp.Click("#new-mailing"),
		chromedp.WaitVisible(".window"),
		e2e.Fill(map[string]string{"mailing-subject": "First news"}),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Our first letter."),
		// both clients picked by hand through the search
		chromedp.SendKeys("#pick-search", "example.org"), chromedp.WaitVisible("#pick-results button"),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('#pick-results button').forEach(b => b.click())`),
		e2e.Until(`document.querySelector('#mailing-reach').innerText.includes('Recipients now: 2.')`),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const w = document.querySelector('.window');
			w.querySelector('[name=starts_at]').value = %q; w.querySelector('[name=ends_at]').value = %q; })()`,
			now.Format("2006-01-02T15:04"), now.Add(time.Hour).Format("2006-01-02T15:04"))),
		chromedp.Click("#mailing button[type=submit]"), chromedp.WaitVisible("#mailing-preview"))...)

	// the window opened this minute: the server sends it at once, by
	// itself, and the page left open shows the run
	e2e.Page(t, ctx, "h1", e2e.WaitRows("#runs-table", 1),
		e2e.Until(`document.querySelector('#runs-table').innerText.includes('2 sent')`), e2e.WaitRows("#log-table", 2))
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/logs"), e2e.WaitRows("#logs-table", 2))
	got := map[string]bool{}
	for _, m := range smtp.Messages() {
		if smtptest.ReadMail(t, m.Data).Subject == "First news" {
			got[m.To[0]] = true
		}
	}
	if len(got) != 2 || !got["c1@example.org"] || !got["c2@example.org"] {
		t.Fatalf("the SMTP server got the mailing for %v", got)
	}

	e2e.ConfirmedUser(t, in, "second@example.com")
	e2e.Page(t, ctx, "h1", chromedp.Click("#logout"), chromedp.WaitVisible(`#header a[href="/login"]`))
	e2e.LogInAs(t, ctx, in, "second@example.com")
	for path, table := range map[string]string{"/clients": "#clients-table", "/lists": "#lists-table", "/mailings": "#mailings-table", "/logs": "#logs-table"} {
		e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+path), e2e.WaitRows(table, 0))
		if text := e2e.Page(t, ctx, "body"); strings.Contains(text, "First news") || strings.Contains(text, "c1@example.org") {
			t.Fatalf("%s shows the first user's data to the second:\n%s", path, text)
		}
	}
}

// A mailing body is HTML from a user: its page shows it sanitized, so that
// script in it never runs.
func TestBrowserSanitizesAMailingBody(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	token := e2e.ConfirmedUser(t, in, "tricky@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Friends"})
	m := in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "Tricky", "lists": []any{list["id"]},
		"body": `<p>Hello <b>there</b></p><img src="x" onerror="window.pwned=1"><script>window.pwned=2</script>` +
			`<a href="javascript:window.pwned=3">click</a><iframe src="/"></iframe>`,
	})
	e2e.LogInAs(t, ctx, in, "tricky@example.com")
	e2e.Page(t, ctx, "#mailing-preview", chromedp.Navigate(in.URL+"/mailing?id="+m["id"].(string)), chromedp.WaitVisible("#mailing-preview b"))
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#mailing-preview').innerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"onerror", "<script", "javascript:", "<iframe"} {
		if strings.Contains(html, bad) {
			t.Errorf("the preview keeps %q: %s", bad, html)
		}
	}
	if !strings.Contains(html, "<b>there</b>") {
		t.Errorf("the preview lost the harmless formatting: %s", html)
	}
	pwned, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.pwned !== undefined`))
	if err != nil || pwned {
		t.Fatalf("script from the body ran (%v)", err)
	}
}

// The owner of a mailing whose window opened minutes ago edits it: the
// form sends only what changed, so the window's start (now in the past)
// does not count as moved and the save goes through.
func TestBrowserEditsAMailingThatHasStarted(t *testing.T) {
	dir, due := e2e.Seeded(t, 3)
	// the window stays as it was seeded: nothing sends it meanwhile
	in := e2e.Serve(t, map[string]string{"POSTRIDER_DISPATCH_CRON": "off"}, e2e.DataDirFiles(t, dir, "pb_data"))
	auth := in.Must(200, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": seed.OwnerEmail, "password": seed.OwnerPassword})
	token, _ := auth["token"].(string)
	window := func() map[string]any {
		return in.Must(200, "GET", "/api/collections/schedules/records/"+due.Schedule, token, nil)
	}
	before := window()

	ctx := e2e.Browser(t)
	e2e.Page(t, ctx, "h1", e2e.Steps(e2e.LogIn(in, seed.OwnerEmail, seed.OwnerPassword),
		chromedp.Navigate(in.URL+"/mailings/edit?id="+due.Mailing), chromedp.WaitVisible(".window"),
		e2e.Until(`document.querySelector('#mailing-subject').value === 'Seeded mailing'`),
		// the form is whole once the reach line answers (it moves the Save button)
		e2e.Until(`document.querySelector('#mailing-reach').innerText.includes('Recipients now: 3.')`))...)

	// a new subject and a later end for the window
	heading := e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { document.querySelector('#mailing-subject').value = 'Seeded mailing, revised';
			document.querySelector('.window [name=ends_at]').value = %q; })()`, time.Now().UTC().Add(3*time.Hour).Format("2006-01-02T15:04"))),
		chromedp.Click("#mailing button[type=submit]"), chromedp.WaitVisible("#mailing-preview"))...)
	e2e.MustContain(t, "the mailing's page after the save", heading, "Seeded mailing, revised")

	after := window()
	if after["starts_at"] != before["starts_at"] {
		t.Errorf("the window's start moved from %v to %v", before["starts_at"], after["starts_at"])
	}
	if after["ends_at"] == before["ends_at"] {
		t.Errorf("the window's end stayed %v", after["ends_at"])
	}
}
