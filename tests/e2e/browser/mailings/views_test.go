package mailings

// The router's views in the browser: a page that follows something live
// (the runs of mailings, by PocketBase's realtime API) stops following it
// when the user leaves the page.

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// realtimeListeners is how many realtime listeners the page's PocketBase
// client holds: one a view that follows the runs, as long as it is shown.
func realtimeListeners(t *testing.T, ctx context.Context) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`import('/js/api.js').then(({ pb }) =>
		Object.values(pb.realtime.subscriptions).reduce((n, listeners) => n + listeners.length, 0))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A user goes from the list of mailings to a mailing's page and back five
// times: the page shown follows the runs with one listener, not one a visit,
// and still shows a run as it moves; on a page that follows nothing the
// browser keeps no listener and no realtime connection.
func TestBrowserLeavingAPageEndsWhatItFollowed(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, noDispatcher())
	token := e2e.ConfirmedUser(t, in, "leaver@example.com")
	root := e2e.SuperuserToken(t, in)
	_, runURL := sendingRun(in, token, root, mailingToAList(in, token, "Followed"), 0)

	e2e.LogInAs(t, ctx, in, "leaver@example.com")
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings"), e2e.WaitRows("#mailings-table", 1))
	for i := 0; i < 5; i++ {
		e2e.Page(t, ctx, "h1", chromedp.Click(`#mailings-table a[href^="/mailing?id="]`), e2e.WaitRows("#runs-table", 1))
		e2e.Page(t, ctx, "h1", chromedp.Click(`#nav a[href="/mailings"]`), e2e.WaitRows("#mailings-table", 1))
	}
	e2e.Page(t, ctx, "h1", chromedp.Click(`#mailings-table a[href^="/mailing?id="]`), e2e.WaitRows("#runs-table", 1))
	if n := realtimeListeners(t, ctx); n != 1 {
		t.Errorf("after 11 pages, the mailing's page holds %d realtime listeners, want 1", n)
	}

	// the page shown still follows its run
	in.Must(200, "PATCH", runURL, root, map[string]any{"sent": 2})
	e2e.Page(t, ctx, "h1", chromedp.WaitVisible(`#mailing-last-run progress[value="2"]`))

	e2e.Page(t, ctx, "h1", chromedp.Click(`#nav a[href="/clients"]`), chromedp.WaitVisible("#clients-table"),
		e2e.Until(`import('/js/api.js').then(({ pb }) => !pb.realtime.isConnected)`))
	if n := realtimeListeners(t, ctx); n != 0 {
		t.Errorf("the clients page, which follows nothing, holds %d realtime listeners", n)
	}
}
