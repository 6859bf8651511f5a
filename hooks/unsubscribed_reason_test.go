package hooks_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Each path that unsubscribes a client says how (clients.unsubscribed_reason):
// the page's button link, the mail client's one-click one_click, the owner
// owner, whatever the owner's request claims; subscribing again clears it.
func TestUnsubscribedReasonFollowsThePath(t *testing.T) {
	token := mailingLinkOf(t, aliceClient, aliceMailing) // makes the fixture's secret before the app copies it
	app := newTestApp(t)
	defer app.Cleanup()
	a := newAPI(t, app)
	reason := func(want string) {
		t.Helper()
		c := record(t, app, "clients", aliceClient)
		if got := c.GetString("unsubscribed_reason"); got != want {
			t.Fatalf("unsubscribed %v, reason %q; want %q", c.GetBool("unsubscribed"), got, want)
		}
	}
	form := func(path, body string) {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if code, out := a.serve(req); code != 200 {
			t.Fatalf("POST %s: %d %s", path, code, out)
		}
	}

	form("/unsubscribe/"+token+"/confirm", "")
	reason("link")
	form("/unsubscribe/"+token+"/undo", "")
	reason("")
	form("/unsubscribe/"+token, "List-Unsubscribe=One-Click")
	reason("one_click")

	path := "/api/collections/clients/records/" + aliceClient
	a.expect("the owner subscribes again", 200, http.MethodPatch, path, tokens["alice"], `{"unsubscribed":false}`)
	reason("")
	a.expect("the owner unsubscribes, claiming a complaint", 200, http.MethodPatch, path, tokens["alice"],
		`{"unsubscribed":true,"unsubscribed_reason":"complaint"}`, `"unsubscribed_reason":"owner"`)
	reason("owner")
	a.expect("the owner renames the client", 200, http.MethodPatch, path, tokens["alice"], `{"name":"Alice C.","unsubscribed_reason":"link"}`)
	reason("owner")
	a.expect("a new client, unsubscribed from the start", 200, http.MethodPost, "/api/collections/clients/records", tokens["alice"],
		`{"owner":"`+aliceID+`","email":"new@example.com","unsubscribed":true,"unsubscribed_reason":"complaint"}`, `"unsubscribed_reason":"owner"`)
}
