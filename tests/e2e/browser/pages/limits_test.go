package pages

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// A sender's daily limit in Chromium: the owner's home page says today's
// use against it and the mailing's page says why its run waits (English,
// desktop); a moderator sees each user's limit on the users page and
// changes it with a reason (Russian, phone); the waiting run then goes on.
func TestBrowserDailyLimitOnTheHomePageAndItsChange(t *testing.T) {
	in, env, smtp := e2e.ServeWithSMTP(t)
	su := e2e.SuperuserToken(t, in)
	owner := e2e.ConfirmedUser(t, in, "owner@example.com")
	ownerID := e2e.UserID(t, in, owner)
	moderatorAccount(t, in, su, "mod@example.com")
	in.Must(200, "PATCH", "/api/collections/users/records/"+ownerID, su, map[string]any{"daily_limit": 3})
	id := mailingNow(t, in, owner, "Limited news", "<p>Three a day.</p>",
		"a@example.org", "b@example.org", "c@example.org", "d@example.org", "e@example.org")
	if out := dispatchOnce(t, in, env); !strings.Contains(out, "sent 3, failed 0") {
		t.Fatalf("the dispatch pass under a limit of 3: %s", out)
	}

	// the owner, in English on a desktop
	ctx := e2e.Browser(t)
	e2e.LogInAs(t, ctx, in, "owner@example.com")
	today := e2e.Page(t, ctx, "#home-today", e2e.Desktop.Size, chromedp.WaitVisible("#home-today"))
	e2e.MustContain(t, "the owner's day", today, "Today 3 of 3")
	e2e.Screenshot(t, ctx, "home-daily-limit.png")
	e2e.Page(t, ctx, "#runs-table", chromedp.Navigate(in.URL+"/mailing?id="+id), e2e.WaitRows("#runs-table", 1))
	run := e2e.RowsOf(t, ctx, "#runs-table")[0]
	e2e.MustContain(t, "the waiting run", run, "waiting")
	e2e.MustContain(t, "the waiting run's note", run, "daily limit of 3 reached; the rest goes out from 00:00 your time")
	e2e.MustContain(t, "the last run: the rest is to go, not skipped", e2e.Page(t, ctx, "#mailing-last-run"), "waiting: 3 sent, 0 failed, 2 to go of 5")

	// a moderator, in Russian on a phone
	mctx := e2e.Browser(t)
	e2e.LogInAs(t, mctx, in, "mod@example.com")
	e2e.Page(t, mctx, "h1", e2e.Phone.Size, chromedp.Evaluate[chromedp.Void](`localStorage.setItem('postrider.lang', 'ru')`),
		chromedp.Navigate(in.URL+"/moderation/users?q=owner"), e2e.WaitRows("#mod-users-table", 1))
	row := fmt.Sprintf(`#mod-users-table tr[data-id=%q]`, ownerID)
	limit := e2e.Page(t, mctx, row+" td.limit")
	if strings.TrimSpace(limit) != "3" {
		t.Fatalf("the owner's limit on the users page: %q", limit)
	}
	if label := e2e.Eval[string](t, mctx, `getComputedStyle(document.querySelector('`+row+` td.limit'), '::before').content`); !strings.Contains(label, "Дневной лимит") {
		t.Fatalf("the limit's cell on a phone is labelled %s", label)
	}
	e2e.Page(t, mctx, "h1", e2e.Steps(e2e.RowMenu(row), chromedp.Click(row+` button[data-action=limit]`), chromedp.WaitVisible("#limit-value"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#limit-value').value = ''`), chromedp.SendKeys("#limit-value", "10"),
		giveReason("Проверенный магазин"),
		e2e.Until(`document.querySelector('`+row+` td.limit').innerText.trim() === '10'`))...)
	e2e.Screenshot(t, mctx, "moderation-limit-phone.png")
	var log struct{ Items []map[string]any }
	in.Call("GET", "/api/collections/moderation_log/records?sort=created&filter="+url.QueryEscape("action='limit'"), su, nil, &log)
	// the superuser's first limit, then the moderator's change
	if len(log.Items) != 2 || log.Items[0]["reason"] != "none → 3" || log.Items[1]["reason"] != "3 → 10: Проверенный магазин" ||
		log.Items[1]["user"] != ownerID || log.Items[1]["moderator"] == "" {
		t.Fatalf("the moderation log: %v", log.Items)
	}

	// the moderation log page says it, newest first
	e2e.Page(t, mctx, "h1", chromedp.Navigate(in.URL+"/moderation/log"), e2e.WaitRows("#mod-log-table", 2))
	e2e.MustContain(t, "the log's newest row", e2e.RowsOf(t, mctx, "#mod-log-table")[0],
		"mod@example.com | изменил дневной лимит | owner@example.com |  | 3 → 10: Проверенный магазин")

	// the waiting run goes on with the next pass, each client once
	if out := dispatchOnce(t, in, env); !strings.Contains(out, "sent 2, failed 0") {
		t.Fatalf("the pass after the limit was raised: %s", out)
	}
	if n := messagesAbout(t, smtp, "Limited news"); n != 5 {
		t.Fatalf("%d messages of the mailing; want 5", n)
	}
	today = e2e.Page(t, ctx, "#home-today", chromedp.Navigate(in.URL+"/"), chromedp.WaitVisible("#home-today"))
	e2e.MustContain(t, "the owner's day after the change", today, "Today 5 of 10")
}
