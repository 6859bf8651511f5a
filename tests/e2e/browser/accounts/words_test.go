package accounts

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// The web app's words come from the server (GET /i18n/{lang}.json) before
// its first page shows: no key such as "nav.home" is ever on the screen,
// not even for a moment, in either language.
func TestBrowserNeverShowsAKey(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	// from the start of every document, each piece of text put on the
	// page is kept, however briefly it stays
	const keepTexts = `window.shown = [];
new MutationObserver((changes) => {
  for (const c of changes) for (const n of c.addedNodes) window.shown.push(n.textContent);
}).observe(document, { subtree: true, childList: true });`
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		_, err := cdp.Call(ctx, target, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: keepTexts})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	// the keys the page showed, checked against the server's own list
	const keysShown = `(async () => {
  const keys = Object.keys(await (await fetch('/i18n/en.json')).json());
  const text = window.shown.join('\n');
  return keys.filter((k) => text.includes(k)).join(', ');
})()`
	for _, c := range []struct{ lang, path, ready, want string }{
		{"en", "/login", "#login-identity", "Log in"},
		{"ru", "/login", "#login-identity", "Вход"},
		{"ru", "/", "#app h1", "Postrider"},
		{"en", "/signup", "#signup-email", "Create your account"},
	} {
		title := e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/blog"),
			chromedp.Evaluate[chromedp.Void](`localStorage.setItem('postrider.lang', '`+c.lang+`')`),
			chromedp.Navigate(in.URL+c.path), chromedp.WaitVisible(c.ready))
		e2e.MustContain(t, c.path+" in "+c.lang, title, c.want)
		keys, err := chromedp.Run(ctx, chromedp.Evaluate[string](keysShown, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if keys != "" {
			t.Errorf("%s in %s showed keys for a moment: %s", c.path, c.lang, keys)
		}
	}
}
