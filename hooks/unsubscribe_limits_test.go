package hooks_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// One address may open the unsubscribe page 30 times a minute; the 31st
// answers 429. The one-click POSTs that mail providers send for all their
// users from a few servers have a budget of their own, ten times larger,
// and another address is not held back at all.
func TestUnsubscribeRoutesAreRateLimitedPerAddress(t *testing.T) {
	link, link2 := "/unsubscribe/"+linkOf(t, aliceClient), "/unsubscribe/"+linkOf(t, aliceClient2) // before the app copies the fixture's secret
	app := newTestApp(t)
	defer app.Cleanup()
	api := newAPI(t, app)
	var last *httptest.ResponseRecorder
	send := func(method, path, ip string) int {
		var req *http.Request
		if method == http.MethodPost {
			req = httptest.NewRequest(method, path, strings.NewReader(url.Values{"List-Unsubscribe": {"One-Click"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest(method, path, nil)
		}
		req.RemoteAddr = ip + ":40000"
		req.Header.Set("Accept-Language", "ru")
		last = httptest.NewRecorder()
		api.mux.ServeHTTP(last, req)
		return last.Code
	}
	const page, oneClick = 30, 300
	forged := "/unsubscribe/" + aliceClient + ".AAAAAAAAAAAAAAAAAAAAAAAA"
	for i := 1; i <= page; i++ {
		if code := send(http.MethodGet, forged, "198.51.100.7"); code != 404 {
			t.Fatalf("page view %d: %d, want 404 (a forged link)", i, code)
		}
	}
	if code := send(http.MethodGet, link, "198.51.100.7"); code != 429 {
		t.Fatalf("page view %d: %d, want 429", page+1, code)
	}
	// a person gets the page, in their language, and a mail provider a time to come back
	if body := last.Body.String(); !strings.Contains(body, "Слишком много запросов") || last.Header().Get("Retry-After") != "60" {
		t.Fatalf("the refused page view: Retry-After %q, body %s", last.Header().Get("Retry-After"), body)
	}
	if code := send(http.MethodGet, link, "198.51.100.8"); code != 200 {
		t.Fatalf("another address: %d, want 200", code)
	}
	// the one-click budget is untouched by the page views
	for i := 1; i < oneClick; i++ {
		if code := send(http.MethodPost, forged, "198.51.100.7"); code != 404 {
			t.Fatalf("one-click %d: %d, want 404 (a forged link)", i, code)
		}
	}
	if code := send(http.MethodPost, link2, "198.51.100.7"); code != 200 {
		t.Fatalf("one-click %d: %d, want 200", oneClick, code)
	}
	if code := send(http.MethodPost, link2+"/undo", "198.51.100.7"); code != 429 {
		t.Fatalf("one-click %d: %d, want 429", oneClick+1, code)
	}
	if last.Header().Get("Retry-After") != "60" || !strings.Contains(last.Body.String(), "Слишком много запросов") {
		t.Fatalf("the refused undo: Retry-After %q, body %s", last.Header().Get("Retry-After"), last.Body.String())
	}
	if code := send(http.MethodPost, link2, "198.51.100.7"); code != 429 || last.Header().Get("Retry-After") != "60" ||
		!strings.Contains(last.Body.String(), "Too many requests") {
		t.Fatalf("the refused one-click POST: %d, Retry-After %q, body %s", code, last.Header().Get("Retry-After"), last.Body.String())
	}
}
