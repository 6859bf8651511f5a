package main

// The router's views in the browser: a page that follows something live
// (the runs of mailings, by PocketBase's realtime API) stops following it
// when the user leaves the page.

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
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
	ctx := browser(t)
	in := serve(t, nil)
	token := confirmedUser(t, in, "leaver@example.com")
	root := superuserToken(t, in)
	_, runURL := sendingRun(in, token, root, mailingToAList(in, token, "Followed"), 0)

	logInAs(t, ctx, in, "leaver@example.com")
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/mailings"), waitRows("#mailings-table", 1))
	for i := 0; i < 5; i++ {
		page(t, ctx, "h1", chromedp.Click(`#mailings-table a[href^="/mailing?id="]`), waitRows("#runs-table", 1))
		page(t, ctx, "h1", chromedp.Click(`#nav a[href="/mailings"]`), waitRows("#mailings-table", 1))
	}
	page(t, ctx, "h1", chromedp.Click(`#mailings-table a[href^="/mailing?id="]`), waitRows("#runs-table", 1))
	if n := realtimeListeners(t, ctx); n != 1 {
		t.Errorf("after 11 pages, the mailing's page holds %d realtime listeners, want 1", n)
	}

	// the page shown still follows its run
	in.must(200, "PATCH", runURL, root, map[string]any{"sent": 2})
	page(t, ctx, "h1", chromedp.WaitVisible(`#mailing-last-run progress[value="2"]`))

	page(t, ctx, "h1", chromedp.Click(`#nav a[href="/clients"]`), chromedp.WaitVisible("#clients-table"),
		until(`import('/js/api.js').then(({ pb }) => !pb.realtime.isConnected)`))
	if n := realtimeListeners(t, ctx); n != 0 {
		t.Errorf("the clients page, which follows nothing, holds %d realtime listeners", n)
	}
}
