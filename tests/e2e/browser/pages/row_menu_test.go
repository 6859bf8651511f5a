package pages

// A row's actions behind its "⋯" menu (rowMenu in pb_public/js/ui.js), as a
// moderator uses them on the users page: the 14 columns fit the card at
// 1280 px in both languages (no sideways scroll), and the menu works from
// the keyboard.

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"postrider/internal/e2e"
)

func TestBrowserRowMenuOnTheUsersPage(t *testing.T) {
	w := walkInstance(t)
	ctx := e2e.Browser(t)
	e2e.LogInAs(t, ctx, w.in, w.moderator)
	row := `#mod-users-table tr[data-id]:has(button[data-action=limit])`
	items := row + ` .row-menu-items`
	shown := func(sel string) string { return fmt.Sprintf(`document.querySelector('%s').checkVisibility()`, sel) }
	focused := func(sel string) string {
		return fmt.Sprintf(`document.activeElement === document.querySelector('%s')`, sel)
	}

	for _, lang := range []string{"en", "ru"} {
		e2e.Page(t, ctx, "h1", e2e.Desktop.Size, chromedp.Navigate(w.in.URL+"/"), chromedp.WaitVisible("#lang"), e2e.Speak(lang),
			chromedp.Navigate(w.in.URL+"/moderation/users"), e2e.Until(settled+` && !!document.querySelector('`+row+`')`))
		if past := e2e.Eval[int](t, ctx, `(() => { const s = document.querySelector('#mod-users-table').parentElement; return s.scrollWidth - s.clientWidth; })()`); past > 1 {
			t.Errorf("%s at 1280 px: the users table scrolls %d px sideways", lang, past)
		}
		if e2e.Eval[bool](t, ctx, shown(items)) {
			t.Fatalf("%s: a row's actions show before its menu is opened", lang)
		}
	}

	// Enter opens it, Tab goes to its first action, Escape closes it with
	// the focus back on its button; Space opens it again, a click elsewhere
	// closes it
	button := row + ` .row-menu-button`
	e2e.Page(t, ctx, "h1", chromedp.Focus(button), chromedp.KeyEvent(kb.Enter), e2e.Until(shown(items)),
		chromedp.KeyEvent(kb.Tab), e2e.Until(`document.activeElement.closest('.row-menu-items') != null`),
		chromedp.KeyEvent(kb.Escape), e2e.Until(`!`+shown(items)+` && `+focused(button)),
		chromedp.KeyEvent(" "), e2e.Until(shown(items)))
	e2e.Screenshot(t, ctx, "moderation-users-menu.png")
	e2e.Page(t, ctx, "h1", chromedp.Click("main h1"), e2e.Until(`!`+shown(items)))

	// an action chosen closes the menu; its dialog, cancelled, gives the
	// focus back to the menu's button
	e2e.Page(t, ctx, "h1", e2e.Steps(e2e.RowMenu(row), chromedp.Click(row+` button[data-action=limit]`), chromedp.WaitVisible("#reason"),
		e2e.Until(`!`+shown(items)), chromedp.KeyEvent(kb.Escape), e2e.Until(`document.querySelector('#reason-dialog') === null && `+focused(button)))...)

	// on a phone the open menu stays on the screen
	e2e.Page(t, ctx, "h1", e2e.Steps(e2e.Phone.Size, e2e.Until(`getComputedStyle(document.querySelector('#mod-users-table thead')).display === 'none'`),
		e2e.RowMenu(row))...)
	if out := e2e.Eval[string](t, ctx, `(() => { const r = document.querySelector('`+items+`').getBoundingClientRect();
		return r.left < 0 || r.right > innerWidth ? r.left + '…' + r.right + ' of ' + innerWidth : ''; })()`); out != "" {
		t.Errorf("the open menu on a phone spans %s px", out)
	}
}
