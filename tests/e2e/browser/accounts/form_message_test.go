package accounts

// One line of news per form: a new error beside a field takes away the
// green "Saved." of the save before.

import (
	"testing"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// A list saved, then the same name refused: the page shows the refusal
// and no "Saved." beside it; the same for a client saved, then an address
// that is not one.
func TestBrowserANewErrorTakesTheSavedAway(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	e2e.ConfirmedUser(t, in, "alice@example.com")
	e2e.LogInAs(t, ctx, in, "alice@example.com")

	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Navigate(in.URL+"/lists"),
		chromedp.WaitVisible("#new-list-name"),
		e2e.Fill(map[string]string{"new-list-name": "A"}),
		chromedp.Click("#new-list button[type=submit]"),
		chromedp.WaitVisible("#lists-status.ok"),
		e2e.Fill(map[string]string{"new-list-name": "A"}),
		chromedp.Click("#new-list button[type=submit]"),
		e2e.Until(`document.querySelector('#new-list-name-error').textContent.includes('already')`),
	)...)
	if shown := e2e.Eval[bool](t, ctx, `!!document.querySelector('#lists-status').offsetParent`); shown {
		t.Errorf("the lists page still says %q beside the refusal", e2e.Page(t, ctx, "#lists-status"))
	}

	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Navigate(in.URL+"/clients"),
		chromedp.WaitVisible("#clients-new"),
		chromedp.Click("#clients-new"), chromedp.WaitVisible("#client-email"),
		e2e.Fill(map[string]string{"client-email": "ann@example.org"}),
		chromedp.Click("#client button[type=submit]"),
		chromedp.WaitVisible("#clients-status.ok"),
		chromedp.Click("#clients-new"), chromedp.WaitVisible("#client-email"),
		e2e.Fill(map[string]string{"client-email": "not an email"}),
		chromedp.Click("#client button[type=submit]"),
		e2e.Until(`document.querySelector('#client-email-error').textContent.includes('email address')`),
	)...)
	if shown := e2e.Eval[bool](t, ctx, `!!document.querySelector('#clients-status').offsetParent`); shown {
		t.Errorf("the clients page still says %q beside the refusal", e2e.Page(t, ctx, "#clients-status"))
	}
}
