package pages

import (
	"testing"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// A user made a moderator while logged in sees the Moderation link at the
// next page, without logging in again; made a plain user again, loses it.
func TestBrowserARoleGivenShowsWithoutANewLogin(t *testing.T) {
	in := e2e.Serve(t, map[string]string{"POSTRIDER_DISPATCH_CRON": "off"})
	su := e2e.SuperuserToken(t, in)
	token := e2e.ConfirmedUser(t, in, "helper@example.org")
	id := e2e.UserID(t, in, token)
	ctx := e2e.Browser(t)
	e2e.LogInAs(t, ctx, in, "helper@example.org")
	const moderation = `!!document.querySelector('#nav a[href="/moderation/mailings"]')`
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings"), chromedp.WaitVisible("#logout"))
	if e2e.Eval[bool](t, ctx, moderation) {
		t.Fatal("a plain user sees the Moderation link")
	}
	in.Must(200, "PATCH", "/api/collections/users/records/"+id, su, map[string]any{"role": "moderator"})
	e2e.Page(t, ctx, "h1", chromedp.Click(`#nav a[href="/clients"]`), e2e.Until(moderation))
	e2e.Page(t, ctx, "h1", chromedp.Click(`#nav a[href="/moderation/mailings"]`), e2e.Until(`!!document.querySelector('#mod-mailings-table')`))
	in.Must(200, "PATCH", "/api/collections/users/records/"+id, su, map[string]any{"role": "user"})
	e2e.Page(t, ctx, "h1", chromedp.Click(`#nav a[href="/lists"]`), e2e.Until("!"+moderation))
}
