package pages

// Thin states: pages with little on them still say what to do next, and
// say it right (a count's plural, a heading that fits what happened).

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

var resetLink = regexp.MustCompile(`https?://[^\s"<>()]+/reset-password\?token=[\w.\-]+`)

// resetLinkIn waits for the password-reset mail in the outbox dir and
// gives its link.
func resetLinkIn(t *testing.T, dir string) string {
	t.Helper()
	var link string
	e2e.Eventually(t, 30*time.Second, func() error {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		for _, f := range files {
			raw, _ := os.ReadFile(f)
			text := strings.ReplaceAll(string(raw), "=\r\n", "")
			if m := resetLink.FindString(strings.ReplaceAll(text, "=3D", "=")); m != "" {
				link = m
				return nil
			}
		}
		return fmt.Errorf("no reset mail in %s", dir)
	})
	return link
}

// A new user's home suggests bringing in clients; the empty clients page
// shows no bulk actions; the pager counts clients in the right plural in
// both languages; the blog keeps the app's links for a signed-in reader; a
// changed password, and a reset one, lead on; a sign-up done says so in
// its heading.
func TestBrowserThinStatesSayWhatToDoNext(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	token := e2e.ConfirmedUser(t, in, "fresh@example.com")
	e2e.LogInAs(t, ctx, in, "fresh@example.com")

	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/"), e2e.Until(e2e.Visible(`#home-first a[href="/clients/import"]`)))
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/clients"), e2e.Until(e2e.Visible("#clients-table + .empty, .empty")), e2e.WaitRows("#clients-table", 0))
	if e2e.Eval[bool](t, ctx, e2e.Visible("#bulk")) {
		t.Errorf("the empty clients page shows the bulk actions")
	}

	made := 0
	add := func(n int) {
		for ; n > 0; n-- {
			made++
			in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": fmt.Sprintf("c%d@example.org", made)})
		}
	}
	count := func(lang string, rows int) string {
		return e2e.Page(t, ctx, "#clients-page", chromedp.Navigate(in.URL+"/clients"), chromedp.WaitVisible("#lang"), e2e.Speak(lang), e2e.WaitRows("#clients-table", rows))
	}
	add(1)
	e2e.MustContain(t, "one client's pager", count("en", 1), "(1 client)")
	if !e2e.Eval[bool](t, ctx, e2e.Visible("#bulk")) {
		t.Errorf("the clients page with a client hides the bulk actions")
	}
	e2e.MustContain(t, "one client's pager in Russian", count("ru", 1), "(1 клиент)")
	add(1)
	e2e.MustContain(t, "two clients' pager in Russian", count("ru", 2), "(2 клиента)")
	add(3)
	e2e.MustContain(t, "five clients' pager in Russian", count("ru", 5), "(5 клиентов)")
	e2e.MustContain(t, "five clients' pager", count("en", 5), "(5 clients)")

	// the blog: the app's links stay
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/blog"), chromedp.WaitReady("#nav"))
	for _, href := range []string{"/mailings", "/clients", "/lists", "/logs", "/profile"} {
		if !e2e.Eval[bool](t, ctx, e2e.Visible(`#nav a[href="`+href+`"]`)) {
			t.Errorf("the blog, signed in, shows no link to %s", href)
		}
	}
	if e2e.Eval[bool](t, ctx, e2e.Visible(`#nav a[href="/login"]`)) || e2e.Eval[bool](t, ctx, e2e.Visible(`#nav a[href="/moderation/mailings"]`)) {
		t.Errorf("the blog, signed in as a user, offers to log in or to moderate")
	}

	// the password changed on the profile: a way home
	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Navigate(in.URL+"/profile"), chromedp.WaitVisible("#password-oldPassword"),
		e2e.Fill(map[string]string{"password-oldPassword": "a long password", "password-password": "another long password",
			"password-passwordConfirm": "another long password"}),
		chromedp.Click("#password button[type=submit]"), chromedp.WaitVisible("#password-status.ok"),
		chromedp.Click(`#password-next a[href="/"]`), chromedp.WaitVisible("#home-numbers"))...)

	// a reset password: a way to log in
	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Click("#logout"), chromedp.Navigate(in.URL+"/forgot"), chromedp.WaitVisible("#forgot-email"),
		e2e.Fill(map[string]string{"forgot-email": "fresh@example.com"}), chromedp.Click("#forgot button[type=submit]"),
		chromedp.WaitVisible("#forgot-status.ok"))...)
	link := resetLinkIn(t, filepath.Join(in.DataDir, "outbox"))
	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Navigate(link), chromedp.WaitVisible("#reset-password"),
		e2e.Fill(map[string]string{"reset-password": "a brand new password", "reset-passwordConfirm": "a brand new password"}),
		chromedp.Click("#reset button[type=submit]"), chromedp.WaitVisible("#reset-status.ok"),
		chromedp.Click(`#reset-next a[href="/login"]`), chromedp.WaitVisible("#login-identity"))...)

	// a sign-up done: the heading says what now
	for _, c := range []struct{ lang, email, heading string }{{"en", "newer@example.com", "Check your email"}, {"ru", "newest@example.com", "Проверьте почту"}} {
		h1 := e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Navigate(in.URL+"/signup"), chromedp.WaitVisible("#lang"), e2e.Speak(c.lang), chromedp.WaitVisible("#signup-email"),
			e2e.Fill(map[string]string{"signup-email": c.email, "signup-password": "a long password", "signup-passwordConfirm": "a long password"}),
			chromedp.Click("#signup button[type=submit]"), chromedp.WaitVisible("#signup-status.ok"))...)
		if h1 != c.heading {
			t.Errorf("%s: the sign-up done is headed %q, want %q", c.lang, h1, c.heading)
		}
	}
}

// The unsubscribe page keeps a margin from the screen's edges on a phone.
func TestBrowserUnsubscribePageHasMarginsOnAPhone(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	e2e.Page(t, ctx, "h1", e2e.Phone.Size, chromedp.Navigate(in.URL+"/unsubscribe/preview"), chromedp.WaitVisible("#message"))
	box := e2e.Eval[[]float64](t, ctx, `(() => { const r = document.querySelector('main').getBoundingClientRect(); return [r.left, document.documentElement.clientWidth - r.right]; })()`)
	if box[0] < 8 || box[1] < 8 {
		t.Errorf("on a phone the page's box is %.0f px from the left edge and %.0f px from the right, want 8 at least", box[0], box[1])
	}
}

// The home page's chart on a phone: its words are 11 px at least, and no
// caption dangles under it (the numbers are there for screen readers).
func TestBrowserHomeChartIsReadableOnAPhone(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, map[string]string{"POSTRIDER_DISPATCH_CRON": "off"})
	root := e2e.SuperuserToken(t, in)
	token := e2e.ConfirmedUser(t, in, "charted@example.com")
	owner := e2e.UserID(t, in, token)
	client := in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "reader@example.org"})
	m := in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{"subject": "Charted", "body": "<p>Hi</p>", "clients": []any{client["id"]}})
	start := time.Now().UTC().Add(time.Hour)
	w := in.Must(200, "POST", "/api/collections/schedules/records", token, map[string]any{"mailing": m["id"],
		"starts_at": start.Format("2006-01-02 15:04:05.000Z"), "ends_at": start.Add(48 * time.Hour).Format("2006-01-02 15:04:05.000Z"), "period": "daily"})
	now := time.Now().UTC()
	for day := 0; day < 3; day++ {
		at := now.AddDate(0, 0, -day).Format("2006-01-02 15:04:05.000Z")
		run := in.Must(200, "POST", "/api/collections/runs/records", root, map[string]any{"owner": owner, "mailing": m["id"], "schedule": w["id"],
			"run_at": at, "status": "done", "total": 1, "sent": 1, "started_at": at, "finished_at": at})
		in.Must(200, "POST", "/api/collections/deliveries/records", root, map[string]any{"owner": owner, "mailing": m["id"], "run": run["id"],
			"schedule": w["id"], "client": client["id"], "email": "reader@example.org", "run_at": at, "status": "sent", "attempts": 1, "sent_at": at})
	}
	e2e.LogInAs(t, ctx, in, "charted@example.com")
	e2e.Page(t, ctx, "h1", e2e.Phone.Size, chromedp.Navigate(in.URL+"/"), chromedp.WaitVisible("#home-chart svg text.tick.x"))
	smallest := e2e.Eval[float64](t, ctx, `Math.min(...[...document.querySelectorAll('#home-chart svg text')].map((e) => e.getBoundingClientRect().height))`)
	if smallest < 11 {
		t.Errorf("on a phone the chart's smallest words are %.1f px high, want 11 at least", smallest)
	}
	if e2e.Eval[bool](t, ctx, `[...document.querySelectorAll('#home-chart figcaption')].some((e) => e.checkVisibility() && e.getBoundingClientRect().height > 1)`) {
		t.Errorf("a caption shows under the chart: %q", e2e.Page(t, ctx, "#home-chart figcaption"))
	}
}
