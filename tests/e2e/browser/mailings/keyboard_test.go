package mailings

// The mailing form by keyboard alone: Tab from the top of the page reaches
// Save, and every control on the way shows where the focus is.

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// From the top of a new mailing's form, Tab alone reaches Save, and each
// control on the way shows a ring of 3:1 or more.
func TestBrowserMailingFormByKeyboardWithAVisibleFocus(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, noDispatcher())
	token := e2e.ConfirmedUser(t, in, "keys@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "r1@example.org", "lists": []any{list["id"]}})
	e2e.LogInAs(t, ctx, in, "keys@example.com")
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible("#mailing-subject"),
		chromedp.WaitVisible(".window"), chromedp.WaitVisible("#mailing-lists input[type=checkbox]"))

	var path []string
	for i := 0; i < 200; i++ {
		f := e2e.Tab(t, ctx, "#mailing > button[type=submit]")
		if f.Name == "body" {
			t.Fatalf("Tab left the page before reaching Save, after:\n%s", strings.Join(path, "\n"))
		}
		if f.Ring == "" {
			t.Errorf("the focus on %s shows no ring a user sees", f.Name)
		}
		if len(path) == 0 || path[len(path)-1] != f.Name {
			path = append(path, f.Name)
		}
		if f.Matches {
			return
		}
	}
	t.Fatalf("200 presses of Tab never reached Save; they went through:\n%s", strings.Join(path, "\n"))
}
