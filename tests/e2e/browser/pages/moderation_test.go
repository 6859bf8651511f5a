package pages

// The moderators' pages and the signed-in home page in Chromium, against
// the real binary: stopping a mailing with a reason (and it staying
// stopped, for the owner and for `postrider dispatch`), a mailing's page
// that loads none of its remote images, the users page riskiest first,
// blocking a user whose open page then stops working, the moderation log,
// and the numbers of the home page.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// moderatorAccount is a confirmed account that a superuser made a
// moderator; it returns its token and id.
func moderatorAccount(t *testing.T, in *e2e.Instance, su, email string) (string, string) {
	t.Helper()
	token := e2e.ConfirmedUser(t, in, email)
	id := e2e.UserID(t, in, token)
	in.Must(200, "PATCH", "/api/collections/users/records/"+id, su, map[string]any{"role": "moderator"})
	return token, id
}

// mailingNow makes a mailing to new clients with these emails, whose one
// window opens now; it returns the mailing's id.
func mailingNow(t *testing.T, in *e2e.Instance, token, subject, body string, emails ...string) string {
	t.Helper()
	return mailingAt(t, in, token, subject, body, time.Now().UTC(), emails...)
}

// mailingAt is mailingNow with a window that opens at start.
func mailingAt(t *testing.T, in *e2e.Instance, token, subject, body string, start time.Time, emails ...string) string {
	t.Helper()
	var clients []any
	for _, e := range emails {
		clients = append(clients, in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": e})["id"])
	}
	m := in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{"subject": subject, "body": body, "clients": clients})
	in.Must(200, "POST", "/api/collections/schedules/records", token, map[string]any{
		"mailing": m["id"], "period": "once",
		"starts_at": start.Format("2006-01-02 15:04:05.000Z"), "ends_at": start.Add(24 * time.Hour).Format("2006-01-02 15:04:05.000Z"),
	})
	return m["id"].(string)
}

// dispatchOnce runs `postrider dispatch` and returns what it printed.
func dispatchOnce(t *testing.T, in *e2e.Instance, env map[string]string) string {
	t.Helper()
	out, err := e2e.Run(t, env, "dispatch", "--dev=false", "--dir", in.DataDir).CombinedOutput()
	if err != nil {
		t.Fatalf("postrider dispatch: %v\n%s", err, out)
	}
	return string(out)
}

// messagesAbout counts the messages the SMTP server got with this subject.
func messagesAbout(t *testing.T, smtp *smtptest.Server, subject string) int {
	t.Helper()
	n := 0
	for _, m := range smtp.Messages() {
		if smtptest.ReadMail(t, m.Data).Subject == subject {
			n++
		}
	}
	return n
}

// setValue sets the value of an input or a select, by id.
func setValue(id, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%q).value = %q`, id, value))
}

// giveReason fills the reason dialog that a click opened and sends it,
// until the dialog has closed.
func giveReason(reason string) []chromedp.Action[chromedp.Void] {
	return e2e.Steps(chromedp.WaitVisible("#reason"), chromedp.SendKeys("#reason", reason),
		chromedp.Click("#reason-form button[type=submit]"), e2e.Until(`document.querySelector('#reason-dialog') === null`))
}

// A moderator stops a user's mailing with a reason from the mailings to
// review; the owner's API shows who stopped it and why, the owner's resume
// is refused, and `postrider dispatch` sends nothing for it until the
// moderator resumes it. The moderation log lists both actions.
func TestBrowserModeratorStopsAMailingThatStaysStopped(t *testing.T) {
	ctx := e2e.Browser(t)
	in, env, smtp := e2e.ServeWithSMTP(t)
	su := e2e.SuperuserToken(t, in)
	owner := e2e.ConfirmedUser(t, in, "owner@example.com")
	_, modID := moderatorAccount(t, in, su, "mod@example.com")
	mailingNow(t, in, e2e.ConfirmedUser(t, in, "other@example.com"), "Club news", "<p>On Friday.</p>", "c2@example.org")
	id := mailingNow(t, in, owner, "Summer sale", "<p>Everything must go.</p>", "c1@example.org")

	e2e.LogInAs(t, ctx, in, "mod@example.com")
	nav := e2e.Page(t, ctx, "#header nav", chromedp.WaitVisible(`#header a[href="/moderation/mailings"]`))
	for _, want := range []string{"Moderation", "Mailings", "Clients"} {
		e2e.MustContain(t, "a moderator's menu", nav, want)
	}
	e2e.Page(t, ctx, "h1", chromedp.Click(`#header a[href="/moderation/mailings"]`), e2e.WaitRows("#mod-mailings-table", 2))
	tabs := e2e.Page(t, ctx, "#mod-tabs")
	for _, want := range []string{"Mailings to review", "Users", "Moderation log"} {
		e2e.MustContain(t, "the moderators' tabs", tabs, want)
	}
	e2e.MustContain(t, "every user's mailings, newest first", e2e.RowsOf(t, ctx, "#mod-mailings-table")[0], "owner@example.com | Summer sale | scheduled |")
	filter := func(field, value string, rows int) {
		t.Helper()
		e2e.Page(t, ctx, "h1", setValue(field, value), chromedp.Click("#mod-mailings-filters button[type=submit]"), e2e.WaitRows("#mod-mailings-table", rows))
	}
	filter("mod-mailings-q", "club", 1)
	e2e.MustContain(t, "the subject search", e2e.RowsOf(t, ctx, "#mod-mailings-table")[0], "Club news")
	filter("mod-mailings-q", "", 2)
	filter("mod-mailings-owner", "owner@example.com", 1)
	row := e2e.RowsOf(t, ctx, "#mod-mailings-table")[0]
	for _, want := range []string{"owner@example.com", "Summer sale", "| 1 |", "Stop"} {
		e2e.MustContain(t, "the mailing's row", row, want)
	}

	// no reason, no stop
	stop := fmt.Sprintf(`#mod-mailings-table tr[data-id=%q] td.actions button`, id)
	e2e.Page(t, ctx, "h1", chromedp.Click(stop), chromedp.WaitVisible("#reason"), chromedp.Click("#reason-form button[type=submit]"),
		e2e.Until(`document.querySelector('#reason-error').innerText !== ''`))
	e2e.MustContain(t, "a stop without a reason", e2e.Page(t, ctx, "#reason-error"), "Fill this in")
	e2e.Page(t, ctx, "h1", e2e.Steps(giveReason("Looks like phishing"), e2e.Until(`document.querySelector('#mod-mailings-table').innerText.includes('by mod@example.com')`))...)
	e2e.MustContain(t, "the stopped mailing's row", e2e.RowsOf(t, ctx, "#mod-mailings-table")[0], "stopped by a moderator\nby mod@example.com — Looks like phishing")
	filter("mod-mailings-owner", "", 2)
	filter("mod-mailings-state", "stopped", 1)
	e2e.MustContain(t, "the stopped ones", e2e.RowsOf(t, ctx, "#mod-mailings-table")[0], "Summer sale")
	filter("mod-mailings-state", "", 2)

	// the owner sees who stopped it and why, and cannot resume it
	m := in.Must(200, "GET", "/api/collections/mailings/records/"+id, owner, nil)
	if m["stopped"] != true || m["stop_reason"] != "Looks like phishing" || m["stopped_by"] != modID {
		t.Fatalf("the owner's mailing after the stop: %v", m)
	}
	refused := in.Must(403, "PATCH", "/api/collections/mailings/records/"+id, owner, map[string]any{"stopped": false})
	if data, _ := refused["data"].(map[string]any); data["stopped"] == nil {
		t.Fatalf("the owner's resume is refused without naming stopped: %v", refused)
	}
	// ... and so does the web app: the reason in the list and on the page, and no Resume
	octx := e2e.Browser(t)
	e2e.LogInAs(t, octx, in, "owner@example.com")
	e2e.Page(t, octx, "h1", chromedp.Navigate(in.URL+"/mailings"), e2e.WaitRows("#mailings-table", 1))
	ownerRow := e2e.RowsOf(t, octx, "#mailings-table")[0]
	e2e.MustContain(t, "the owner's list", ownerRow, "stopped by a moderator")
	e2e.MustContain(t, "the owner's list", ownerRow, "The reason: Looks like phishing. Only a moderator can resume it.")
	noResume := `!document.querySelector('#app button.resume')`
	e2e.Page(t, octx, "h1", e2e.Until(noResume))
	e2e.Page(t, octx, "h1", chromedp.Click(`#mailings-table a[href^="/mailing?id="]`), chromedp.WaitVisible("#mailing-summary dd"))
	e2e.MustContain(t, "the owner's mailing page", e2e.Page(t, octx, "#mailing-head"), "The reason: Looks like phishing.")
	e2e.Page(t, octx, "h1", e2e.Until(noResume))
	// a moderator who opens the owner's page gets the read-only one
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailing?id="+id), e2e.Until(`location.pathname === '/moderation/mailing'`), chromedp.WaitVisible("#mod-mailing-body"))
	e2e.Page(t, ctx, "h1", e2e.Until(`!document.querySelector('#app a[href^="/mailings/edit"]')`), chromedp.Navigate(in.URL+"/moderation/mailings"), e2e.WaitRows("#mod-mailings-table", 2))

	// (the other user's mailing goes out meanwhile: the pass did send)
	if out := dispatchOnce(t, in, env); !strings.Contains(out, "sent 1") || messagesAbout(t, smtp, "Summer sale") != 0 || messagesAbout(t, smtp, "Club news") != 1 {
		t.Fatalf("a mailing a moderator stopped went out: %s", out)
	}

	// the moderator resumes it; now it goes out
	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Click(stop), giveReason("The owner explained it"),
		e2e.Until(`!document.querySelector('#mod-mailings-table').innerText.includes('stopped')`), e2e.WaitRows("#mod-mailings-table", 2))...)
	if out := dispatchOnce(t, in, env); !strings.Contains(out, "sent 1") || messagesAbout(t, smtp, "Summer sale") != 1 {
		t.Fatalf("the resumed mailing: %s, %d messages", out, messagesAbout(t, smtp, "Summer sale"))
	}
	e2e.Screenshot(t, ctx, "moderation-mailings.png")

	// the log: both actions, newest first, and filtered by action
	e2e.Page(t, ctx, "h1", chromedp.Click(`#mod-tabs a[href="/moderation/log"]`), e2e.WaitRows("#mod-log-table", 2))
	log := e2e.RowsOf(t, ctx, "#mod-log-table")
	e2e.MustContain(t, "the newest entry", log[0], "mod@example.com | resumed a mailing | owner@example.com | Summer sale | The owner explained it")
	e2e.MustContain(t, "the first entry", log[1], "mod@example.com | stopped a mailing | owner@example.com | Summer sale | Looks like phishing")
	e2e.Page(t, ctx, "h1", setValue("mod-log-action", "stop"), chromedp.Click("#mod-log-filters button[type=submit]"),
		e2e.WaitRows("#mod-log-table", 1))
	e2e.MustContain(t, "the stops", e2e.RowsOf(t, ctx, "#mod-log-table")[0], "Looks like phishing")
	e2e.Page(t, ctx, "h1", setValue("mod-log-action", ""), chromedp.SendKeys("#mod-log-user", "nobody@"),
		chromedp.Click("#mod-log-filters button[type=submit]"), e2e.WaitRows("#mod-log-table", 0), chromedp.WaitVisible("#mod-log-table td.empty"))
	e2e.Screenshot(t, ctx, "moderation-log.png")
}

// A moderator's page of a mailing shows its body without loading its
// images (a tracking pixel learns nothing): each is a placeholder naming
// its address; the page has no edit link and no delivery log. The owner's
// own page does load the image, so the counting server counts.
func TestBrowserModeratorsViewOfAMailingLoadsNoImage(t *testing.T) {
	var hits atomic.Int32
	pixel := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "image/gif")
		w.Write([]byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"))
	}))
	t.Cleanup(pixel.Close)
	src := pixel.URL + "/pixel.gif"

	in, env, _ := e2e.ServeWithSMTP(t)
	su := e2e.SuperuserToken(t, in)
	owner := e2e.ConfirmedUser(t, in, "owner@example.com")
	moderatorAccount(t, in, su, "mod@example.com")
	id := mailingNow(t, in, owner, "Open me", `<p>Dear reader,</p><p><img src="`+src+`" alt="tracker"></p><p>Bye.</p>`, "c1@example.org")
	dispatchOnce(t, in, env) // a run to show

	// the control: the owner's page loads the image
	ownerTab := e2e.Browser(t)
	e2e.LogInAs(t, ownerTab, in, "owner@example.com")
	e2e.Page(t, ownerTab, "h1", chromedp.Navigate(in.URL+"/mailing?id="+id), chromedp.WaitVisible("#mailing-preview"),
		e2e.Until(`[...document.images].some(i => i.complete && i.naturalWidth === 1)`))
	before := hits.Load()
	if before == 0 {
		t.Fatal("the counting server saw no request for the owner's page: the test proves nothing")
	}

	ctx := e2e.Browser(t)
	e2e.LogInAs(t, ctx, in, "mod@example.com")
	body := e2e.Page(t, ctx, "#mod-mailing-body", chromedp.Navigate(in.URL+"/moderation/mailing?id="+id),
		chromedp.WaitVisible("#mod-mailing-body .img-placeholder"), e2e.WaitRows("#mod-runs-table", 1))
	e2e.MustContain(t, "the body", body, "Dear reader,")
	e2e.MustContain(t, "the image's placeholder", body, "image not loaded: "+src+" “tracker”")
	e2e.MustContain(t, "the runs", e2e.RowsOf(t, ctx, "#mod-runs-table")[0], "1 sent, 0 failed of 1")
	e2e.MustContain(t, "the numbers", e2e.Page(t, ctx, "#mod-mailing-totals"), "Runs: 1; 1 sent, 0 failed.")
	type seenT struct {
		Images, Edit, Log int
		Fetched           bool
		Path              string
	}
	check := fmt.Sprintf(`({ images: document.images.length, edit: document.querySelectorAll('a[href^="/mailings/edit"]').length,
		log: document.querySelectorAll('#log-table').length, path: location.pathname,
		fetched: performance.getEntriesByType('resource').some(e => e.name.startsWith(%q)) })`, pixel.URL)
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[seenT](check))
	if err != nil {
		t.Fatal(err)
	}
	if seen.Images != 0 || seen.Fetched || seen.Edit != 0 || seen.Log != 0 {
		t.Fatalf("the moderator's page: %+v (want no image, no fetch, no edit link, no delivery log)", seen)
	}
	if after := hits.Load(); after != before {
		t.Fatalf("the moderator's page made %d requests to the image's host", after-before)
	}
	e2e.Screenshot(t, ctx, "moderation-mailing.png")

	// the owner's edit page, opened by its address, would put the body in
	// its editor, images and all: the moderator lands on the read-only page
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings/edit?id="+id),
		e2e.Until(`document.querySelector('#mod-mailing-body .img-placeholder') !== null || document.images.length > 0`))
	if seen, err = chromedp.Run(ctx, chromedp.Evaluate[seenT](check)); err != nil {
		t.Fatal(err)
	}
	if seen.Images != 0 || seen.Fetched || seen.Path != "/moderation/mailing" {
		t.Fatalf("the owner's edit page opened by a moderator: %+v (want the read-only page, no image, no fetch)", seen)
	}
	if after := hits.Load(); after != before {
		t.Fatalf("the owner's edit page, opened by a moderator, made %d requests to the image's host", after-before)
	}
}

// riskySenders serves with an SMTP server that refuses two of risky's three
// recipients, and sends one mailing of risky's and one of safe's: risky
// failed 2 of 3 messages, safe none of 2. A moderator (and a second one)
// exist; it returns the instance and risky's token.
func riskySenders(t *testing.T) (*e2e.Instance, string) {
	t.Helper()
	in, env, smtp := e2e.ServeWithSMTP(t)
	smtp.SetFaults(smtptest.Faults{Refuse: map[string]int{"bad1@example.org": 550, "bad2@example.org": 550}})
	su := e2e.SuperuserToken(t, in)
	risky := e2e.ConfirmedUser(t, in, "risky@example.com")
	safe := e2e.ConfirmedUser(t, in, "safe@example.com")
	moderatorAccount(t, in, su, "mod@example.com")
	moderatorAccount(t, in, su, "another-mod@example.com")
	mailingNow(t, in, risky, "Cheap pills", "<p>Buy now.</p>", "bad1@example.org", "bad2@example.org", "good@example.org")
	mailingNow(t, in, safe, "Club news", "<p>Meeting on Friday.</p>", "a@example.org", "b@example.org")
	if out := dispatchOnce(t, in, env); !strings.Contains(out, "sent 3, failed 2") {
		t.Fatalf("the dispatch pass: %s", out)
	}
	return in, risky
}

// The users page (in Russian) puts the riskiest sender first and sorts by
// a header's click; a moderator blocks a sender with a reason (moderators
// have no block button); the blocked sender's open page stops working at
// their next step and sends them to the login page, whose login then says
// why the account is blocked.
func TestBrowserModeratorBlocksASenderWhosePageStopsWorking(t *testing.T) {
	in, risky := riskySenders(t)

	// the sender is at work
	sender := e2e.Browser(t)
	e2e.LogInAs(t, sender, in, "risky@example.com")
	e2e.Page(t, sender, "h1", chromedp.Click(`#header a[href="/clients"]`), e2e.WaitRows("#clients-table", 3))

	ctx := e2e.Browser(t)
	e2e.LogInAs(t, ctx, in, "mod@example.com")
	e2e.Page(t, ctx, "h1", chromedp.Evaluate[chromedp.Void](`localStorage.setItem('postrider.lang', 'ru')`),
		chromedp.Navigate(in.URL+"/moderation/users"), e2e.WaitRows("#mod-users-table", 4))
	e2e.MustContain(t, "the users page in Russian", e2e.Page(t, ctx, "h1"), "Пользователи")
	rows := e2e.RowsOf(t, ctx, "#mod-users-table")
	e2e.MustContain(t, "the riskiest sender first", rows[0], "risky@example.com")
	e2e.MustContain(t, "risky's share of failures", rows[0], "67%")
	e2e.MustContain(t, "risky's messages", rows[0], "| 3 |")
	sorted := e2e.Page(t, ctx, `#mod-users-table th[aria-sort=descending]`)
	e2e.MustContain(t, "the sorted column", sorted, "Ошибок за 7 дней")

	// a click on the email header sorts by email
	e2e.Page(t, ctx, "h1", chromedp.Click(`#mod-users-table button[data-sort=email]`),
		e2e.Until(`document.querySelector('#mod-users-table tbody tr[data-id] td')?.innerText === 'another-mod@example.com'`))
	byEmail := e2e.RowsOf(t, ctx, "#mod-users-table")
	for i, want := range []string{"another-mod@", "mod@", "risky@", "safe@"} {
		if !strings.HasPrefix(byEmail[i], want) {
			t.Fatalf("sorted by email, row %d is %q, want %s…", i, byEmail[i], want)
		}
	}
	// moderators (oneself among them) cannot be blocked, limited nor
	// trusted: no button; a plain user's row has Block, Change limit and Trust
	buttons, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[...document.querySelectorAll('#mod-users-table tbody tr')].map(r => r.querySelectorAll('td.actions .row-menu-items button').length)`))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(buttons) != "[0 0 3 3]" { // Block, Change limit and Trust for plain users
		t.Fatalf("buttons per row (moderators first): %v", buttons)
	}

	// blocked, with a reason
	e2e.Page(t, ctx, "h1", e2e.Steps(e2e.RowMenu(`#mod-users-table tr[data-id]:nth-child(3)`),
		chromedp.Click(`#mod-users-table tr[data-id]:nth-child(3) td.actions .row-menu-items button`), giveReason("Рассылает спам"),
		e2e.Until(`document.querySelector('#mod-users-table tbody tr:nth-child(3)').innerText.includes('заблокирован')`))...)
	e2e.MustContain(t, "the blocked row", e2e.RowsOf(t, ctx, "#mod-users-table")[2], "заблокирован Рассылает спам")
	e2e.Screenshot(t, ctx, "moderation-users.png")
	// on a phone the table folds: each cell on its own line, named
	e2e.Page(t, ctx, "h1", chromedp.EmulateViewport(390, 844),
		e2e.Until(`getComputedStyle(document.querySelector('#mod-users-table td[data-label]'), '::before').content.includes('Эл. почта')`))
	e2e.Screenshot(t, ctx, "moderation-users-phone.png")
	if code := in.Call("GET", "/api/postrider/stats", risky, nil, nil); code != 403 {
		t.Fatalf("the blocked sender's token still answers %d", code)
	}

	// the sender's next step ends on the login page, which says the account
	// is blocked (the server refuses its token: 403 account_blocked), and
	// the reason once the password is given
	status := e2e.Page(t, sender, "#login-status", chromedp.Click(`#header a[href="/mailings"]`), chromedp.WaitVisible("#login-status.err"))
	e2e.MustContain(t, "the ended session", status, "A moderator blocked this account, so your session has ended")
	if loc, err := chromedp.Run(sender, chromedp.Location()); err != nil || !strings.HasSuffix(loc, "/login") {
		t.Fatalf("the ended session is at %s (%v), want the login page", loc, err)
	}
	if email, err := chromedp.Run(sender, chromedp.Value("#login-identity")); err != nil || email != "risky@example.com" {
		t.Fatalf("the login form after the session ended has the email %q (%v)", email, err)
	}
	status = e2e.Page(t, sender, "#login-status", e2e.Steps(
		e2e.Fill(map[string]string{"login-password": "a long password"}),
		chromedp.Click("#login button[type=submit]"),
		e2e.Until(`document.querySelector('#login-status').innerText.includes('blocked:')`))...)
	e2e.MustContain(t, "the blocked login", status, "This account is blocked: Рассылает спам")

	// the sender's own moderation log, from their row
	e2e.Page(t, ctx, "h1", e2e.Steps(e2e.RowMenu(`#mod-users-table tr[data-id]:nth-child(3)`),
		chromedp.Click(`#mod-users-table tr[data-id]:nth-child(3) td.actions a`), e2e.WaitRows("#mod-log-table", 1))...)
	e2e.MustContain(t, "the sender's log", e2e.RowsOf(t, ctx, "#mod-log-table")[0], "mod@example.com | заблокировал | risky@example.com |  | Рассылает спам")
}

// The home page after login: a sender's numbers of the last 30 days with a
// chart and the next mailing (and no moderators' menu or pages); a
// moderator's own and the whole service's, with the senders whose messages
// fail most, each a link to the users page.
func TestBrowserHomePageShowsTheNumbers(t *testing.T) {
	in, risky := riskySenders(t)
	mailingAt(t, in, risky, "Next week", "<p>Soon.</p>", time.Now().UTC().Add(72*time.Hour), "soon@example.org")

	ctx := e2e.Browser(t)
	e2e.LogInAs(t, ctx, in, "risky@example.com")
	e2e.Page(t, ctx, "h1", chromedp.WaitVisible("#home-numbers"), chromedp.WaitVisible("#home-chart rect.failed"))
	numbers := e2e.Page(t, ctx, "#home-numbers")
	for _, want := range []string{"Clients\n4", "Mailings\n2", "Sent, 30 days\n1", "Failed, 30 days\n2"} {
		e2e.MustContain(t, "the sender's numbers", numbers, want)
	}
	e2e.MustContain(t, "the chart's key", e2e.Page(t, ctx, "#home-chart figcaption"), "1 sent, 2 failed")
	e2e.MustContain(t, "the next mailing", e2e.Page(t, ctx, "#home-next"), "Next week")
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector('#home-service').children.length + document.querySelectorAll('#home-riskiest').length`)); err != nil || n != 0 {
		t.Fatalf("a sender sees the service's numbers (%d, %v)", n, err)
	}
	e2e.Screenshot(t, ctx, "home.png")
	// a sender has no moderators' menu, and their pages say so
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#header a[href^="/moderation/"]').length`)); err != nil || n != 0 {
		t.Fatalf("a sender's menu has %d moderators' links (%v)", n, err)
	}
	e2e.MustContain(t, "a sender at the users page", e2e.Page(t, ctx, "main", chromedp.Navigate(in.URL+"/moderation/users"), chromedp.WaitVisible("main h1")),
		"Only moderators see this page.")

	mctx := e2e.Browser(t)
	e2e.LogInAs(t, mctx, in, "mod@example.com")
	e2e.Page(t, mctx, "h1", chromedp.WaitVisible("#home-service-numbers"), chromedp.WaitVisible("#home-riskiest"))
	e2e.MustContain(t, "the moderator's own numbers", e2e.Page(t, mctx, "#home-numbers"), "Clients\n0")
	service := e2e.Page(t, mctx, "#home-service-numbers")
	for _, want := range []string{"Users\n4", "Clients\n6", "Mailings\n3", "Sent, 30 days\n3", "Failed, 30 days\n2"} {
		e2e.MustContain(t, "the service's numbers", service, want)
	}
	risk := e2e.RowsOf(t, mctx, "#home-riskiest")
	if len(risk) != 1 || !strings.Contains(risk[0], "risky@example.com") || !strings.Contains(risk[0], "67%") {
		t.Fatalf("the riskiest senders: %q", risk)
	}
	e2e.Screenshot(t, mctx, "home-moderator.png")
	e2e.Page(t, mctx, "h1", chromedp.Click(`#home-riskiest a`), e2e.WaitRows("#mod-users-table", 1))
	e2e.MustContain(t, "the users page from the home page", e2e.RowsOf(t, mctx, "#mod-users-table")[0], "risky@example.com")
}
