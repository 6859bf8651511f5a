package pages

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
	"postrider/internal/seed"
)

// The logs page walks a log of 45 messages by Next and Previous: each page
// starts where the one before ended (the route's after=), and Previous
// shows the same rows again.
func TestBrowserLogPagesFollowOneAnother(t *testing.T) {
	dir, due := e2e.Seeded(t, 45)
	in := e2e.Serve(t, map[string]string{"POSTRIDER_DISPATCH_CRON": "off"}, e2e.DataDirFiles(t, dir, "pb_data"))
	root := e2e.SuperuserToken(t, in)
	run := in.Must(200, "POST", "/api/collections/runs/records", root, map[string]any{
		"owner": due.User, "mailing": due.Mailing, "schedule": due.Schedule, "run_at": "2027-03-01 09:00:00.000Z", "status": "done",
		"total": 45, "sent": 45, "started_at": "2027-03-01 09:00:00.000Z", "finished_at": "2027-03-01 10:00:00.000Z",
	})
	for i := 1; i <= 45; i++ {
		in.Must(200, "POST", "/api/collections/deliveries/records", root, map[string]any{
			"owner": due.User, "mailing": due.Mailing, "run": run["id"], "schedule": due.Schedule, "client": fmt.Sprintf("seed%011d", i),
			"email": fmt.Sprintf("client%d@example.test", i), "run_at": "2027-03-01 09:00:00.000Z",
			"status": "sent", "attempts": 1, "sent_at": fmt.Sprintf("2027-03-01 09:%02d:00.000Z", i),
		})
	}
	ctx := e2e.Browser(t)
	e2e.Page(t, ctx, "h1", e2e.LogIn(in, seed.OwnerEmail, seed.OwnerPassword)...)
	emails := func() string {
		return strings.Join(e2e.Eval[[]string](t, ctx, `[...document.querySelectorAll('#logs-table tbody tr')].map(r => r.cells[2].textContent)`), " ")
	}
	next, prev := chromedp.Click(".pager button:last-child"), chromedp.Click(".pager button:first-child")
	line := func(s string) chromedp.Action[chromedp.Void] {
		return e2e.Until(fmt.Sprintf(`document.querySelector('#logs-page')?.textContent.startsWith(%q)`, s))
	}

	// newest first: 45 … 26, then 25 … 6, then 5 … 1
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/logs"), line("Page 1 of 3"), e2e.WaitRows("#logs-table", 20))
	e2e.MustContain(t, "the first page", e2e.Page(t, ctx, "#logs-page"), "(45 messages)")
	if got := emails(); !strings.HasPrefix(got, "client45@example.test ") || !strings.HasSuffix(got, " client26@example.test") {
		t.Errorf("page 1: %s", got)
	}
	e2e.Page(t, ctx, "h1", next, line("Page 2 of 3"), e2e.WaitRows("#logs-table", 20))
	second := emails()
	if !strings.HasPrefix(second, "client25@example.test ") || !strings.HasSuffix(second, " client6@example.test") {
		t.Errorf("page 2: %s", second)
	}
	e2e.Page(t, ctx, "h1", next, line("Page 3 of 3"), e2e.WaitRows("#logs-table", 5))
	if got := emails(); got != "client5@example.test client4@example.test client3@example.test client2@example.test client1@example.test" {
		t.Errorf("page 3: %s", got)
	}
	e2e.Page(t, ctx, "h1", prev, line("Page 2 of 3"), e2e.WaitRows("#logs-table", 20))
	if got := emails(); got != second {
		t.Errorf("page 2 again: %s, was %s", got, second)
	}
}
