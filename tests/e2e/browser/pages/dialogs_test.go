package pages

// Every dialog, menu and form that opens from a page and that the walk
// (walk_test.go) does not open, opened as a user opens it, in English and
// Russian at 1280 and 390 pixels: no serious or critical violation that
// axe-core finds, nothing past its card.

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// opened is what a user opens on a page: at path, once ready (beside
// settled), the steps open it and shown is visible when it is open.
type opened struct {
	name, path, ready string
	open              []chromedp.Action[chromedp.Void]
	shown             string
}

// checkOpened opens each in both languages at both widths and checks it,
// in a browser logged in as who, which it returns.
func checkOpened(t *testing.T, w walked, who string, all []opened) context.Context {
	t.Helper()
	ctx := e2e.Browser(t)
	e2e.LogInAs(t, ctx, w.in, who)
	console := e2e.WatchConsole(t, ctx)
	for _, lang := range []string{"en", "ru"} {
		e2e.Page(t, ctx, "h1", e2e.Desktop.Size, chromedp.Navigate(w.in.URL+"/"), chromedp.WaitVisible("#lang"), e2e.Speak(lang))
		for _, s := range []e2e.Screen{e2e.Desktop, e2e.Phone} {
			for _, o := range all {
				t.Run(fmt.Sprintf("%s %s %s", lang, s.Name, o.name), func(t *testing.T) {
					ready := settled
					if o.ready != "" {
						ready += " && " + o.ready
					}
					e2e.Page(t, ctx, "h1", e2e.Steps(s.Size, chromedp.Navigate(w.in.URL+o.path), e2e.Until(ready), o.open, chromedp.WaitVisible(chromedp.CSS(o.shown)))...)
					if out := e2e.OutsideCards(t, ctx); out != "" {
						t.Errorf("past the card, with it open:\n%s", out)
					}
					if got := console.Take(); len(got) > 0 {
						t.Errorf("the console shows:\n%v", got)
					}
					e2e.CheckAxe(t, ctx, o.name)
				})
			}
		}
	}
	return ctx
}

// rowMenu opens the first row's "⋯" menu in table with a click.
func rowMenu(table string) []chromedp.Action[chromedp.Void] {
	return e2e.Steps(chromedp.Click(chromedp.CSS(table + " .row-menu-button")))
}

// click clicks the element sel finds as a script does, wherever it is
// (a row's action inside its closed "⋯" menu, on a desktop or a phone).
func click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).click()`, sel))
}

// As the owner opens them: the client form (new, and a client's with its
// lists), a mailing's row menu, the dialog that sends a run again to
// those that failed, the body's HTML source and the draft's preview, and
// the import's welcome choice.
func TestBrowserDialogsAndFormsPassAxeForTheOwner(t *testing.T) {
	w := walkInstance(t)
	retryableRun(t, w)
	const clientRow = `#clients-table tbody tr[data-email]`
	// the form loaded and its reach counted (the last thing drawn)
	const form = `document.querySelector('#mailing-subject')?.value !== '' && document.querySelector('#mailing-reach')?.textContent !== ''`
	ctx := checkOpened(t, w, w.owner, []opened{
		{"the new client form", "/clients", "!!document.querySelector('" + clientRow + "')",
			e2e.Steps(chromedp.Click("#clients-new")), "#client-email"},
		{"a client's edit form", "/clients", "!!document.querySelector('" + clientRow + "')",
			e2e.Steps(click(clientRow + " td.actions button.link:not(.danger)")), "#client-lists"},
		{"a mailing's row menu", "/mailings", `document.querySelectorAll('#mailings-table tbody tr[data-id]').length === 2`,
			rowMenu("#mailings-table"), "#mailings-table .row-menu-items"},
		{"the retry dialog", "/mailing?id=" + w.scheduled, "!!document.querySelector('#runs-table button.retry')",
			e2e.Steps(chromedp.Click("#runs-table button.retry")), "#retry-dialog"},
		{"the body's HTML source", "/mailings/edit?id=" + w.scheduled, form,
			e2e.Steps(chromedp.Click("#mailing-body-source-toggle")), "#mailing-body-source"},
		{"the draft's preview", "/mailings/edit?id=" + w.scheduled, form,
			e2e.Steps(chromedp.Click("#draft-preview-show")), "#draft-preview-view"},
		{"the import's welcome choice", "/clients/import", "document.querySelector('#import-list').options.length > 1",
			e2e.Steps(chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#import-list');
				s.selectedIndex = 1; s.dispatchEvent(new Event('change', { bubbles: true })); })()`)), "#import-welcome"},
	})
	// the check itself: a control with no label inside the open dialog
	// (the page behind it inert) is what it reports
	t.Run("axe-core names an unlabelled control in a dialog", func(t *testing.T) {
		e2e.Page(t, ctx, "h1", chromedp.Navigate(w.in.URL+"/mailing?id="+w.scheduled), e2e.Until(settled+" && !!document.querySelector('#runs-table button.retry')"),
			chromedp.Click("#runs-table button.retry"), chromedp.WaitVisible("#retry-dialog"),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#retry-form').append(Object.assign(document.createElement('input'), { id: 'unlabelled' }))`))
		e2e.MustContain(t, "axe-core", e2e.AxeViolations(t, ctx), "label (critical) #unlabelled")
	})
}

// As a moderator opens them: a user's row menu, the daily limit's dialog
// (its number beside the reason), a mailing's stop dialog.
func TestBrowserDialogsAndFormsPassAxeForAModerator(t *testing.T) {
	w := walkInstance(t)
	const users = `!!document.querySelector('#mod-users-table tbody tr[data-id]')`
	checkOpened(t, w, w.moderator, []opened{
		{"a user's row menu", "/moderation/users", users,
			rowMenu("#mod-users-table"), "#mod-users-table .row-menu-items"},
		{"the daily limit dialog", "/moderation/users", users,
			e2e.Steps(click(`#mod-users-table td.actions button[data-action=limit]`)), "#reason"},
		{"the stop dialog", "/moderation/mailings", `document.querySelectorAll('#mod-mailings-table tbody tr[data-id]').length === 2`,
			e2e.Steps(click(`#mod-mailings-table td.actions button.danger`)), "#reason"},
	})
}

// retryableRun adds to the walked owner's scheduled mailing a finished run
// whose one failure may pass now (refused for now), which its page offers
// to send again.
func retryableRun(t *testing.T, w walked) {
	t.Helper()
	su := e2e.SuperuserToken(t, w.in)
	m := w.in.Must(200, "GET", "/api/collections/mailings/records/"+w.scheduled, su, nil)
	const email = "konstantin.rozhdestvenskiy@example.org" // the mailing's one client
	clients := w.in.Must(200, "GET", "/api/collections/clients/records?filter="+url.QueryEscape("email='"+email+"'"), su, nil)
	client := clients["items"].([]any)[0].(map[string]any)["id"]
	run := w.in.Must(200, "POST", "/api/collections/runs/records", su, map[string]any{
		"owner": m["owner"], "mailing": w.scheduled, "run_at": "2027-03-02 09:00:00.000Z", "status": "done", "kind": "scheduled",
		"total": 1, "sent": 0, "failed": 1, "started_at": "2027-03-02 09:00:00.000Z", "finished_at": "2027-03-02 09:01:00.000Z",
	})
	w.in.Must(200, "POST", "/api/collections/deliveries/records", su, map[string]any{
		"owner": m["owner"], "mailing": w.scheduled, "run": run["id"], "client": client, "email": email,
		"run_at": "2027-03-02 09:00:00.000Z", "status": "failed", "attempts": 4,
		"response": "failed after 4 attempts (tried for 5 days since the run began); the last: 421 4.3.0 Почтовый сервер получателя временно недоступен",
	})
}
