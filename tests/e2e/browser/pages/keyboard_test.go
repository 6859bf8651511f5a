package pages

// A moderator's row action by keyboard alone: Tab reaches a user's Block,
// Enter opens the reason dialog with the focus in its reason, Escape
// closes it and gives the focus back to Block.

import (
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
	block := `#mod-users-table td.actions button.danger`
	e2e.Page(t, ctx, "h1", chromedp.Navigate(w.in.URL+"/moderation/users"),
		e2e.Until(settled+` && !!document.querySelector('#mod-users-table tbody tr[data-id]')`))

	var path []string
	for f := e2e.Tab(t, ctx, block); !f.Matches; f = e2e.Tab(t, ctx, block) {
		if f.Ring == "" {
			t.Errorf("the focus on %s shows no ring a user sees", f.Name)
		}
		if path = append(path, f.Name); f.Name == "body" || len(path) > 100 {
			t.Fatalf("Tab never reached Block; it went through:\n%s", strings.Join(path, "\n"))
		}
	}
	if f := e2e.Focused(t, ctx, block); f.Ring == "" {
		t.Errorf("Block has the focus and shows no ring a user sees: %s", f.Name)
	}

	e2e.Page(t, ctx, "h1", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible("#reason-dialog"))
	if f := e2e.Focused(t, ctx, "#reason-dialog #reason"); !f.Matches || f.Ring == "" {
		t.Errorf("the reason dialog opened with the focus on %s, want its reason with a ring", f.Name)
	}
	e2e.Page(t, ctx, "h1", chromedp.KeyEvent(kb.Escape), e2e.Until(`!document.querySelector('#reason-dialog')`))
	if f := e2e.Focused(t, ctx, block); !f.Matches {
		t.Errorf("Escape closed the dialog and left the focus on %s, want it back on Block", f.Name)
	}
}
