package pages

// A moderator's row action by keyboard alone: Tab reaches a mailing's
// Stop, Enter opens the reason dialog with the focus in its reason, Escape
// closes it and gives the focus back to Stop.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"postrider/internal/e2e"
)

func TestBrowserReasonDialogByKeyboard(t *testing.T) {
	w := walkInstance(t)
	ctx := e2e.Browser(t)
	e2e.LogInAs(t, ctx, w.in, w.moderator)
	stop := fmt.Sprintf(`#mod-mailings-table tr[data-id=%q] td.actions button.danger`, w.scheduled)
	e2e.Page(t, ctx, "h1", chromedp.Navigate(w.in.URL+"/moderation/mailings"),
		e2e.Until(settled+` && document.querySelectorAll('#mod-mailings-table tbody tr[data-id]').length === 2`))

	var path []string
	for f := e2e.Tab(t, ctx, stop); !f.Matches; f = e2e.Tab(t, ctx, stop) {
		if f.Ring == "" {
			t.Errorf("the focus on %s shows no ring a user sees", f.Name)
		}
		if path = append(path, f.Name); f.Name == "body" || len(path) > 100 {
			t.Fatalf("Tab never reached Stop; it went through:\n%s", strings.Join(path, "\n"))
		}
	}
	if f := e2e.Focused(t, ctx, stop); f.Ring == "" {
		t.Errorf("Stop has the focus and shows no ring a user sees: %s", f.Name)
	}

	e2e.Page(t, ctx, "h1", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible("#reason-dialog"))
	if f := e2e.Focused(t, ctx, "#reason-dialog #reason"); !f.Matches || f.Ring == "" {
		t.Errorf("the reason dialog opened with the focus on %s, want its reason with a ring", f.Name)
	}
	e2e.Page(t, ctx, "h1", chromedp.KeyEvent(kb.Escape), e2e.Until(`!document.querySelector('#reason-dialog')`))
	if f := e2e.Focused(t, ctx, stop); !f.Matches {
		t.Errorf("Escape closed the dialog and left the focus on %s, want it back on Stop", f.Name)
	}
}

// A page chosen from the header by keyboard, in Russian: the focus lands
// on the new page's heading, with its ring (it was lost with the old
// header), and the window's title names the new page.
func TestBrowserNavigatesByKeyboardToTheNewPagesHeading(t *testing.T) {
	in := e2e.Serve(t, map[string]string{"POSTRIDER_DISPATCH_CRON": "off"})
	e2e.ConfirmedUser(t, in, "keys@example.org")
	ctx := e2e.Browser(t)
	e2e.LogInAs(t, ctx, in, "keys@example.org")
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/clients"), e2e.Until(settled), e2e.Speak("ru"))
	if title := e2e.Eval[string](t, ctx, `document.title`); title != "Клиенты · Postrider" {
		t.Fatalf("the clients page's title is %q", title)
	}

	lists := `header a[href="/lists"]`
	var path []string
	for f := e2e.Tab(t, ctx, lists); !f.Matches; f = e2e.Tab(t, ctx, lists) {
		if path = append(path, f.Name); f.Name == "body" || len(path) > 40 {
			t.Fatalf("Tab never reached the header's Lists; it went through:\n%s", strings.Join(path, "\n"))
		}
	}
	e2e.Page(t, ctx, "h1", chromedp.KeyEvent(kb.Enter), e2e.Until(`location.pathname === '/lists'`), e2e.Until(settled))
	if f := e2e.Focused(t, ctx, "main h1"); !f.Matches || f.Ring == "" {
		t.Errorf("after Enter on Lists the focus is on %s, want the page's heading with a ring", f.Name)
	}
	if title := e2e.Eval[string](t, ctx, `document.title`); title != "Списки · Postrider" {
		t.Errorf("the lists page's title is %q, want %q", title, "Списки · Postrider")
	}
}
