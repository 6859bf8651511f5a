package main

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
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/smtptest"
)

// serveWithSMTP starts the server with its mail going to a real SMTP
// server; env is for the dispatch command too.
func serveWithSMTP(t *testing.T) (*instance, map[string]string, *smtptest.Server) {
	t.Helper()
	smtp := smtptest.Start(t)
	env := smtpServeEnv(smtp)
	// the tests send with `postrider dispatch` when they choose (dispatchOnce):
	// serve itself would send each window at its time
	env["POSTRIDER_DISPATCH_CRON"] = "off"
	in := serve(t, env)
	in.smtp = smtp
	return in, env, smtp
}

// smtpServeEnv points `serve` at the test SMTP server.
func smtpServeEnv(smtp *smtptest.Server) map[string]string {
	return map[string]string{
		"POSTRIDER_SMTP_HOST": smtp.Host, "POSTRIDER_SMTP_PORT": strconv.Itoa(smtp.Port), "POSTRIDER_SMTP_TLS": "none",
		"POSTRIDER_SENDER_ADDRESS": "news@postrider.test",
	}
}

// userID is the id of the account that token logs in.
func userID(t *testing.T, in *instance, token string) string {
	t.Helper()
	var me struct{ Items []struct{ ID string } }
	in.call("GET", "/api/collections/users/records", token, nil, &me)
	if len(me.Items) != 1 {
		t.Fatalf("the account's own record: %+v", me)
	}
	return me.Items[0].ID
}

// moderatorAccount is a confirmed account that a superuser made a
// moderator; it returns its token and id.
func moderatorAccount(t *testing.T, in *instance, su, email string) (string, string) {
	t.Helper()
	token := confirmedUser(t, in, email)
	id := userID(t, in, token)
	in.must(200, "PATCH", "/api/collections/users/records/"+id, su, map[string]any{"role": "moderator"})
	return token, id
}

// mailingNow makes a mailing to new clients with these emails, whose one
// window opens now; it returns the mailing's id.
func mailingNow(t *testing.T, in *instance, token, subject, body string, emails ...string) string {
	t.Helper()
	return mailingAt(t, in, token, subject, body, time.Now().UTC(), emails...)
}

// mailingAt is mailingNow with a window that opens at start.
func mailingAt(t *testing.T, in *instance, token, subject, body string, start time.Time, emails ...string) string {
	t.Helper()
	var clients []any
	for _, e := range emails {
		clients = append(clients, in.must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": e})["id"])
	}
	m := in.must(200, "POST", "/api/collections/mailings/records", token, map[string]any{"subject": subject, "body": body, "clients": clients})
	in.must(200, "POST", "/api/collections/schedules/records", token, map[string]any{
		"mailing": m["id"], "period": "once",
		"starts_at": start.Format("2006-01-02 15:04:05.000Z"), "ends_at": start.Add(24 * time.Hour).Format("2006-01-02 15:04:05.000Z"),
	})
	return m["id"].(string)
}

// dispatchOnce runs `postrider dispatch` and returns what it printed.
func dispatchOnce(t *testing.T, in *instance, env map[string]string) string {
	t.Helper()
	out, err := run(t, env, "dispatch", "--dev=false", "--dir", in.dataDir).CombinedOutput()
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
	return steps(chromedp.WaitVisible("#reason"), chromedp.SendKeys("#reason", reason),
		chromedp.Click("#reason-form button[type=submit]"), until(`document.querySelector('#reason-dialog') === null`))
}

// A moderator stops a user's mailing with a reason from the mailings to
// review; the owner's API shows who stopped it and why, the owner's resume
// is refused, and `postrider dispatch` sends nothing for it until the
// moderator resumes it. The moderation log lists both actions.
func TestBrowserModeratorStopsAMailingThatStaysStopped(t *testing.T) {
	ctx := browser(t)
	in, env, smtp := serveWithSMTP(t)
	su := superuserToken(t, in)
	owner := confirmedUser(t, in, "owner@example.com")
	_, modID := moderatorAccount(t, in, su, "mod@example.com")
	mailingNow(t, in, confirmedUser(t, in, "other@example.com"), "Club news", "<p>On Friday.</p>", "c2@example.org")
	id := mailingNow(t, in, owner, "Summer sale", "<p>Everything must go.</p>", "c1@example.org")

	logInAs(t, ctx, in, "mod@example.com")
	nav := page(t, ctx, "#header nav", chromedp.WaitVisible(`#header a[href="/moderation/mailings"]`))
	for _, want := range []string{"Moderation", "Mailings", "Clients"} {
		mustContain(t, "a moderator's menu", nav, want)
	}
	page(t, ctx, "h1", chromedp.Click(`#header a[href="/moderation/mailings"]`), waitRows("#mod-mailings-table", 2))
	tabs := page(t, ctx, "#mod-tabs")
	for _, want := range []string{"Mailings to review", "Users", "Moderation log"} {
		mustContain(t, "the moderators' tabs", tabs, want)
	}
	mustContain(t, "every user's mailings, newest first", rowsOf(t, ctx, "#mod-mailings-table")[0], "owner@example.com | Summer sale | created")
	filter := func(field, value string, rows int) {
		t.Helper()
		page(t, ctx, "h1", setValue(field, value), chromedp.Click("#mod-mailings-filters button[type=submit]"), waitRows("#mod-mailings-table", rows))
	}
	filter("mod-mailings-q", "club", 1)
	mustContain(t, "the subject search", rowsOf(t, ctx, "#mod-mailings-table")[0], "Club news")
	filter("mod-mailings-q", "", 2)
	filter("mod-mailings-owner", "owner@example.com", 1)
	row := rowsOf(t, ctx, "#mod-mailings-table")[0]
	for _, want := range []string{"owner@example.com", "Summer sale", "| 1 |", "Stop"} {
		mustContain(t, "the mailing's row", row, want)
	}

	// no reason, no stop
	stop := fmt.Sprintf(`#mod-mailings-table tr[data-id=%q] td.actions button`, id)
	page(t, ctx, "h1", chromedp.Click(stop), chromedp.WaitVisible("#reason"), chromedp.Click("#reason-form button[type=submit]"),
		until(`document.querySelector('#reason-error').innerText !== ''`))
	mustContain(t, "a stop without a reason", page(t, ctx, "#reason-error"), "Fill this in")
	page(t, ctx, "h1", steps(giveReason("Looks like phishing"), until(`document.querySelector('#mod-mailings-table').innerText.includes('by mod@example.com')`))...)
	mustContain(t, "the stopped mailing's row", rowsOf(t, ctx, "#mod-mailings-table")[0], "stopped by mod@example.com — Looks like phishing")
	filter("mod-mailings-owner", "", 2)
	filter("mod-mailings-state", "stopped", 1)
	mustContain(t, "the stopped ones", rowsOf(t, ctx, "#mod-mailings-table")[0], "Summer sale")
	filter("mod-mailings-state", "", 2)

	// the owner sees who stopped it and why, and cannot resume it
	m := in.must(200, "GET", "/api/collections/mailings/records/"+id, owner, nil)
	if m["stopped"] != true || m["stop_reason"] != "Looks like phishing" || m["stopped_by"] != modID {
		t.Fatalf("the owner's mailing after the stop: %v", m)
	}
	refused := in.must(403, "PATCH", "/api/collections/mailings/records/"+id, owner, map[string]any{"stopped": false})
	if data, _ := refused["data"].(map[string]any); data["stopped"] == nil {
		t.Fatalf("the owner's resume is refused without naming stopped: %v", refused)
	}
	// ... and so does the web app: the reason in the list and on the page, and no Resume
	octx := browser(t)
	logInAs(t, octx, in, "owner@example.com")
	page(t, octx, "h1", chromedp.Navigate(in.url+"/mailings"), waitRows("#mailings-table", 1))
	ownerRow := rowsOf(t, octx, "#mailings-table")[0]
	mustContain(t, "the owner's list", ownerRow, "stopped by a moderator")
	mustContain(t, "the owner's list", ownerRow, "The reason: Looks like phishing. Only a moderator can resume it.")
	noResume := `!document.querySelector('#app button.resume')`
	page(t, octx, "h1", until(noResume))
	page(t, octx, "h1", chromedp.Click(`#mailings-table a[href^="/mailing?id="]`), chromedp.WaitVisible("#mailing-summary dd"))
	mustContain(t, "the owner's mailing page", page(t, octx, "#mailing-head"), "The reason: Looks like phishing.")
	page(t, octx, "h1", until(noResume))
	// a moderator who opens the owner's page gets the read-only one
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/mailing?id="+id), until(`location.pathname === '/moderation/mailing'`), chromedp.WaitVisible("#mod-mailing-body"))
	page(t, ctx, "h1", until(`!document.querySelector('#app a[href^="/mailings/edit"]')`), chromedp.Navigate(in.url+"/moderation/mailings"), waitRows("#mod-mailings-table", 2))

	// (the other user's mailing goes out meanwhile: the pass did send)
	if out := dispatchOnce(t, in, env); !strings.Contains(out, "sent 1") || messagesAbout(t, smtp, "Summer sale") != 0 || messagesAbout(t, smtp, "Club news") != 1 {
		t.Fatalf("a mailing a moderator stopped went out: %s", out)
	}

	// the moderator resumes it; now it goes out
	page(t, ctx, "h1", steps(chromedp.Click(stop), giveReason("The owner explained it"),
		until(`!document.querySelector('#mod-mailings-table').innerText.includes('stopped')`), waitRows("#mod-mailings-table", 2))...)
	if out := dispatchOnce(t, in, env); !strings.Contains(out, "sent 1") || messagesAbout(t, smtp, "Summer sale") != 1 {
		t.Fatalf("the resumed mailing: %s, %d messages", out, messagesAbout(t, smtp, "Summer sale"))
	}
	screenshot(t, ctx, "moderation-mailings.png")

	// the log: both actions, newest first, and filtered by action
	page(t, ctx, "h1", chromedp.Click(`#mod-tabs a[href="/moderation/log"]`), waitRows("#mod-log-table", 2))
	log := rowsOf(t, ctx, "#mod-log-table")
	mustContain(t, "the newest entry", log[0], "mod@example.com | resumed a mailing | owner@example.com | Summer sale | The owner explained it")
	mustContain(t, "the first entry", log[1], "mod@example.com | stopped a mailing | owner@example.com | Summer sale | Looks like phishing")
	page(t, ctx, "h1", setValue("mod-log-action", "stop"), chromedp.Click("#mod-log-filters button[type=submit]"),
		waitRows("#mod-log-table", 1))
	mustContain(t, "the stops", rowsOf(t, ctx, "#mod-log-table")[0], "Looks like phishing")
	page(t, ctx, "h1", setValue("mod-log-action", ""), chromedp.SendKeys("#mod-log-user", "nobody@"),
		chromedp.Click("#mod-log-filters button[type=submit]"), waitRows("#mod-log-table", 0), chromedp.WaitVisible("#mod-log-table td.empty"))
	screenshot(t, ctx, "moderation-log.png")
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

	in, env, _ := serveWithSMTP(t)
	su := superuserToken(t, in)
	owner := confirmedUser(t, in, "owner@example.com")
	moderatorAccount(t, in, su, "mod@example.com")
	id := mailingNow(t, in, owner, "Open me", `<p>Dear reader,</p><p><img src="`+src+`" alt="tracker"></p><p>Bye.</p>`, "c1@example.org")
	dispatchOnce(t, in, env) // a run to show

	// the control: the owner's page loads the image
	ownerTab := browser(t)
	logInAs(t, ownerTab, in, "owner@example.com")
	page(t, ownerTab, "h1", chromedp.Navigate(in.url+"/mailing?id="+id), chromedp.WaitVisible("#mailing-preview"),
		until(`[...document.images].some(i => i.complete && i.naturalWidth === 1)`))
	before := hits.Load()
	if before == 0 {
		t.Fatal("the counting server saw no request for the owner's page: the test proves nothing")
	}

	ctx := browser(t)
	logInAs(t, ctx, in, "mod@example.com")
	body := page(t, ctx, "#mod-mailing-body", chromedp.Navigate(in.url+"/moderation/mailing?id="+id),
		chromedp.WaitVisible("#mod-mailing-body .img-placeholder"), waitRows("#mod-runs-table", 1))
	mustContain(t, "the body", body, "Dear reader,")
	mustContain(t, "the image's placeholder", body, "image not loaded: "+src+" “tracker”")
	mustContain(t, "the runs", rowsOf(t, ctx, "#mod-runs-table")[0], "1 sent, 0 failed of 1")
	mustContain(t, "the numbers", page(t, ctx, "#mod-mailing-totals"), "Runs: 1; 1 sent, 0 failed.")
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
	screenshot(t, ctx, "moderation-mailing.png")

	// the owner's edit page, opened by its address, would put the body in
	// its editor, images and all: the moderator lands on the read-only page
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/mailings/edit?id="+id),
		until(`document.querySelector('#mod-mailing-body .img-placeholder') !== null || document.images.length > 0`))
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
func riskySenders(t *testing.T) (*instance, string) {
	t.Helper()
	in, env, smtp := serveWithSMTP(t)
	smtp.SetFaults(smtptest.Faults{Refuse: map[string]int{"bad1@example.org": 550, "bad2@example.org": 550}})
	su := superuserToken(t, in)
	risky := confirmedUser(t, in, "risky@example.com")
	safe := confirmedUser(t, in, "safe@example.com")
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
	sender := browser(t)
	logInAs(t, sender, in, "risky@example.com")
	page(t, sender, "h1", chromedp.Click(`#header a[href="/clients"]`), waitRows("#clients-table", 3))

	ctx := browser(t)
	logInAs(t, ctx, in, "mod@example.com")
	page(t, ctx, "h1", chromedp.Evaluate[chromedp.Void](`localStorage.setItem('postrider.lang', 'ru')`),
		chromedp.Navigate(in.url+"/moderation/users"), waitRows("#mod-users-table", 4))
	mustContain(t, "the users page in Russian", page(t, ctx, "h1"), "Пользователи")
	rows := rowsOf(t, ctx, "#mod-users-table")
	mustContain(t, "the riskiest sender first", rows[0], "risky@example.com")
	mustContain(t, "risky's share of failures", rows[0], "67%")
	mustContain(t, "risky's messages", rows[0], "| 3 |")
	sorted := page(t, ctx, `#mod-users-table th[aria-sort=descending]`)
	mustContain(t, "the sorted column", sorted, "Ошибок за 7 дней")

	// a click on the email header sorts by email
	page(t, ctx, "h1", chromedp.Click(`#mod-users-table button[data-sort=email]`),
		until(`document.querySelector('#mod-users-table tbody tr[data-id] td')?.innerText === 'another-mod@example.com'`))
	byEmail := rowsOf(t, ctx, "#mod-users-table")
	for i, want := range []string{"another-mod@", "mod@", "risky@", "safe@"} {
		if !strings.HasPrefix(byEmail[i], want) {
			t.Fatalf("sorted by email, row %d is %q, want %s…", i, byEmail[i], want)
		}
	}
	// moderators (oneself among them) cannot be blocked: no button
	buttons, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[...document.querySelectorAll('#mod-users-table tbody tr')].map(r => r.querySelectorAll('td.actions button').length)`))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(buttons) != "[0 0 1 1]" {
		t.Fatalf("block buttons per row (moderators first): %v", buttons)
	}

	// blocked, with a reason
	page(t, ctx, "h1", steps(chromedp.Click(`#mod-users-table tr[data-id]:nth-child(3) td.actions button`), giveReason("Рассылает спам"),
		until(`document.querySelector('#mod-users-table tbody tr:nth-child(3)').innerText.includes('заблокирован')`))...)
	mustContain(t, "the blocked row", rowsOf(t, ctx, "#mod-users-table")[2], "заблокирован Рассылает спам")
	screenshot(t, ctx, "moderation-users.png")
	// on a phone the table folds: each cell on its own line, named
	page(t, ctx, "h1", chromedp.EmulateViewport(390, 844),
		until(`getComputedStyle(document.querySelector('#mod-users-table td[data-label]'), '::before').content.includes('Эл. почта')`))
	screenshot(t, ctx, "moderation-users-phone.png")
	if code := in.call("GET", "/api/postrider/stats", risky, nil, nil); code != 403 {
		t.Fatalf("the blocked sender's token still answers %d", code)
	}

	// the sender's next step ends on the login page, which says the account
	// is blocked (the server refuses its token: 403 account_blocked), and
	// the reason once the password is given
	status := page(t, sender, "#login-status", chromedp.Click(`#header a[href="/mailings"]`), chromedp.WaitVisible("#login-status.err"))
	mustContain(t, "the ended session", status, "A moderator blocked this account, so your session has ended")
	if loc, err := chromedp.Run(sender, chromedp.Location()); err != nil || !strings.HasSuffix(loc, "/login") {
		t.Fatalf("the ended session is at %s (%v), want the login page", loc, err)
	}
	if email, err := chromedp.Run(sender, chromedp.Value("#login-identity")); err != nil || email != "risky@example.com" {
		t.Fatalf("the login form after the session ended has the email %q (%v)", email, err)
	}
	status = page(t, sender, "#login-status", steps(
		fill(map[string]string{"login-password": "a long password"}),
		chromedp.Click("#login button[type=submit]"),
		until(`document.querySelector('#login-status').innerText.includes('blocked:')`))...)
	mustContain(t, "the blocked login", status, "This account is blocked: Рассылает спам")

	// the sender's own moderation log, from their row
	page(t, ctx, "h1", chromedp.Click(`#mod-users-table tr[data-id]:nth-child(3) td.actions a`), waitRows("#mod-log-table", 1))
	mustContain(t, "the sender's log", rowsOf(t, ctx, "#mod-log-table")[0], "mod@example.com | заблокировал | risky@example.com |  | Рассылает спам")
}

// The home page after login: a sender's numbers of the last 30 days with a
// chart and the next mailing (and no moderators' menu or pages); a
// moderator's own and the whole service's, with the senders whose messages
// fail most, each a link to the users page.
func TestBrowserHomePageShowsTheNumbers(t *testing.T) {
	in, risky := riskySenders(t)
	mailingAt(t, in, risky, "Next week", "<p>Soon.</p>", time.Now().UTC().Add(72*time.Hour), "soon@example.org")

	ctx := browser(t)
	logInAs(t, ctx, in, "risky@example.com")
	page(t, ctx, "h1", chromedp.WaitVisible("#home-numbers"), chromedp.WaitVisible("#home-chart rect.failed"))
	numbers := page(t, ctx, "#home-numbers")
	for _, want := range []string{"Clients\n4", "Mailings\n2", "Sent, 30 days\n1", "Failed, 30 days\n2"} {
		mustContain(t, "the sender's numbers", numbers, want)
	}
	mustContain(t, "the chart's key", page(t, ctx, "#home-chart figcaption"), "1 sent, 2 failed")
	mustContain(t, "the next mailing", page(t, ctx, "#home-next"), "Next week")
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector('#home-service').children.length + document.querySelectorAll('#home-riskiest').length`)); err != nil || n != 0 {
		t.Fatalf("a sender sees the service's numbers (%d, %v)", n, err)
	}
	screenshot(t, ctx, "home.png")
	// a sender has no moderators' menu, and their pages say so
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#header a[href^="/moderation/"]').length`)); err != nil || n != 0 {
		t.Fatalf("a sender's menu has %d moderators' links (%v)", n, err)
	}
	mustContain(t, "a sender at the users page", page(t, ctx, "main", chromedp.Navigate(in.url+"/moderation/users"), chromedp.WaitVisible("main h1")),
		"Only moderators see this page.")

	mctx := browser(t)
	logInAs(t, mctx, in, "mod@example.com")
	page(t, mctx, "h1", chromedp.WaitVisible("#home-service-numbers"), chromedp.WaitVisible("#home-riskiest"))
	mustContain(t, "the moderator's own numbers", page(t, mctx, "#home-numbers"), "Clients\n0")
	service := page(t, mctx, "#home-service-numbers")
	for _, want := range []string{"Users\n4", "Clients\n6", "Mailings\n3", "Sent, 30 days\n3", "Failed, 30 days\n2"} {
		mustContain(t, "the service's numbers", service, want)
	}
	risk := rowsOf(t, mctx, "#home-riskiest")
	if len(risk) != 1 || !strings.Contains(risk[0], "risky@example.com") || !strings.Contains(risk[0], "67%") {
		t.Fatalf("the riskiest senders: %q", risk)
	}
	screenshot(t, mctx, "home-moderator.png")
	page(t, mctx, "h1", chromedp.Click(`#home-riskiest a`), waitRows("#mod-users-table", 1))
	mustContain(t, "the users page from the home page", rowsOf(t, mctx, "#mod-users-table")[0], "risky@example.com")
}
