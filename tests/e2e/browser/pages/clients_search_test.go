package pages

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
	"postrider/internal/seed"
)

// A search of a word of more than 10,000 clients (every one of 10,001 at
// example.test) shows its first page anyway, in email order, says "more
// than 10,000 match" where a count would be, and Next goes on in order;
// the mailing form's picker shows ten of them and says to type more.
func TestBrowserBroadClientsSearchPagesOn(t *testing.T) {
	dir, _ := e2e.Seeded(t, 10001) // by SQL: the words' trigger runs
	in := e2e.Serve(t, map[string]string{"POSTRIDER_DISPATCH_CRON": "off"}, e2e.DataDirFiles(t, dir, "pb_data"))
	ctx := e2e.Browser(t)
	troubles := e2e.WatchConsole(t, ctx)
	e2e.Page(t, ctx, "h1", e2e.LogIn(in, seed.OwnerEmail, seed.OwnerPassword)...)

	var order []string // the clients' emails in the table's order
	for i := 1; i <= 10001; i++ {
		order = append(order, fmt.Sprintf("client%d@example.test", i))
	}
	slices.Sort(order)
	emails := func() []string {
		return e2e.Eval[[]string](t, ctx, `[...document.querySelectorAll('#clients-table tbody tr[data-email]')].map(r => r.dataset.email)`)
	}
	line := func(s string) chromedp.Action[chromedp.Void] {
		return e2e.Until(fmt.Sprintf(`document.querySelector('#clients-page')?.textContent === %q`, s))
	}
	buttons := func() string { // Previous and Next, enabled or not
		return strings.Join(e2e.Eval[[]string](t, ctx, `[...document.querySelectorAll('.pager button')].map(b => b.disabled ? 'off' : 'on')`), " ")
	}

	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Navigate(in.URL+"/clients"), e2e.WaitRows("#clients-table", 50),
		e2e.Fill(map[string]string{"clients-search": "example"}),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#clients-search').form.requestSubmit()`),
		line("Page 1: more than 10,000 match"), e2e.WaitRows("#clients-table", 50))...)
	if got := emails(); !slices.Equal(got, order[:50]) {
		t.Errorf("page 1: %v…, want %v…", got[:min(len(got), 3)], order[:3])
	}
	if got := buttons(); got != "off on" {
		t.Errorf("page 1's Previous and Next: %s, want off on", got)
	}
	e2e.Page(t, ctx, "h1", chromedp.Click(".pager button:last-child"), line("Page 2: more than 10,000 match"), e2e.WaitRows("#clients-table", 50))
	if got := emails(); !slices.Equal(got, order[50:100]) {
		t.Errorf("page 2: %v…, want %v…", got[:min(len(got), 3)], order[50:53])
	}
	if got := buttons(); got != "on on" {
		t.Errorf("page 2's Previous and Next: %s, want on on", got)
	}

	// a word of one of them: counted, as before
	e2e.Page(t, ctx, "h1", e2e.Steps(e2e.Fill(map[string]string{"clients-search": "client10001"}),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#clients-search').form.requestSubmit()`),
		line("Page 1 of 1 (1 client)"), e2e.WaitRows("#clients-table", 1))...)

	// the picker: ten, and a line saying to type more
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings"), chromedp.WaitVisible("#new-mailing"), chromedp.Click("#new-mailing"),
		chromedp.WaitVisible("#pick-search"), chromedp.SendKeys("#pick-search", "example"),
		e2e.Until(`document.querySelector('#pick-results')?.innerText.includes('More than 10,000 clients match: type more to see fewer.')`))
	if n := e2e.Eval[int](t, ctx, `document.querySelectorAll('#pick-results button').length`); n != 10 {
		t.Errorf("the picker shows %d clients, want 10", n)
	}
	if got := troubles.Take(); len(got) > 0 {
		t.Errorf("the console: %v", got)
	}
}
