package main

// Tests in a real browser: Debian's Chromium, headless, driven with
// chromedp, against the real binary. Without Chromium they skip on a
// developer's machine and fail under CI (CI=true), where .ci/run installs it.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds the browser, or skips (fails under CI) when there is none.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is missing: .ci/run installs Debian's chromium package")
	}
	t.Skip("Chromium is not installed (apt-get install chromium); CI runs this test")
	return ""
}

// browser starts a fresh headless Chromium (its own profile, loopback only)
// and returns a tab's context, closed when the test ends.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
		// the browser's own zone, which sign-up saves as the user's
		chromedp.Env("TZ=Asia/Tokyo"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// page runs steps in the tab with a time limit, and reads the text of sel.
func page(t *testing.T, ctx context.Context, sel string, steps ...chromedp.Action[chromedp.Void]) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("in the browser: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return text
}

// The link in the sign-up mail opens the web app's confirm page, which
// confirms the account and says so; a broken link says it is broken.
func TestBrowserConfirmsAnAccountFromTheMailLink(t *testing.T) {
	ctx := browser(t)
	in := serve(t, nil)
	in.must(200, "POST", "/api/collections/users/records", "", map[string]any{
		"email": "reader@example.com", "password": "a long password", "passwordConfirm": "a long password",
	})
	link := linkIn(t, waitForOutbox(t, filepath.Join(in.dataDir, "outbox")))

	// a token that does not check out
	if status := page(t, ctx, "#status", chromedp.Navigate(link+"x"), chromedp.WaitVisible("#status.err")); !strings.Contains(status, "invalid or has expired") {
		t.Fatalf("a broken link says %q", status)
	}
	in.must(403, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": "reader@example.com", "password": "a long password"})

	status := page(t, ctx, "#status", chromedp.Navigate(link), chromedp.WaitVisible("#status.ok"))
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || !strings.Contains(status, "Your email is confirmed") || !strings.Contains(title, "Confirm your email") {
		t.Fatalf("the mailed link: title %q, status %q, %v", title, status, err)
	}
	in.must(200, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": "reader@example.com", "password": "a long password"})
}

// fill types into the inputs of a form, by id.
func fill(values map[string]string) []chromedp.Action[chromedp.Void] {
	var steps []chromedp.Action[chromedp.Void]
	for id, v := range values {
		clear := fmt.Sprintf(`document.getElementById(%q).value = ''`, id)
		steps = append(steps, chromedp.Evaluate[chromedp.Void](clear), chromedp.SendKeys("#"+id, v))
	}
	return steps
}

func steps(groups ...any) []chromedp.Action[chromedp.Void] {
	var out []chromedp.Action[chromedp.Void]
	for _, g := range groups {
		switch v := g.(type) {
		case chromedp.Action[chromedp.Void]:
			out = append(out, v)
		case []chromedp.Action[chromedp.Void]:
			out = append(out, v...)
		}
	}
	return out
}

func mustContain(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Fatalf("%s says %q, want it to say %q", what, got, want)
	}
}

// A newcomer signs up in the form, is told to confirm before logging in
// (and can have the link sent again), confirms from the mail, logs in and
// is greeted by name; the browser's time zone became theirs.
func TestBrowserSignUpConfirmAndLogIn(t *testing.T) {
	ctx := browser(t)
	in := serve(t, nil)
	const email = "newcomer@example.com"

	status := page(t, ctx, "#signup-status", steps(
		chromedp.Navigate(in.url+"/signup"),
		chromedp.WaitVisible("#signup-email"),
		fill(map[string]string{"signup-email": email, "signup-password": "a long password",
			"signup-passwordConfirm": "a long password", "signup-name": "Newcomer"}),
		chromedp.Click("#signup button[type=submit]"),
		chromedp.WaitVisible("#signup-status.ok"),
	)...)
	mustContain(t, "the sign-up page", status, email)

	logIn := steps(
		chromedp.Navigate(in.url+"/login"),
		chromedp.WaitVisible("#login-identity"),
		fill(map[string]string{"login-identity": email, "login-password": "a long password"}),
		chromedp.Click("#login button[type=submit]"),
	)
	status = page(t, ctx, "#login-status", append(logIn, chromedp.WaitVisible("#login-status.err"))...)
	mustContain(t, "logging in unconfirmed", status, "Confirm your email")
	status = page(t, ctx, "#login-status", chromedp.Click("#app button.secondary"), chromedp.WaitVisible("#login-status.ok"))
	mustContain(t, "asking for the link again", status, "new confirmation link")

	link := linkIn(t, waitForOutbox(t, filepath.Join(in.dataDir, "outbox")))
	status = page(t, ctx, "#status", chromedp.Navigate(link), chromedp.WaitVisible("#status.ok"))
	mustContain(t, "the confirm page", status, "Your email is confirmed")

	hello := page(t, ctx, "h1", append(logIn, chromedp.WaitVisible("#logout"))...)
	mustContain(t, "the home page after logging in", hello, "Hello, Newcomer")

	var auth struct{ Record struct{ Timezone string } }
	in.call("POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": email, "password": "a long password"}, &auth)
	if auth.Record.Timezone != "Asia/Tokyo" {
		t.Fatalf("the account's time zone is %q, want the browser's Asia/Tokyo", auth.Record.Timezone)
	}

	// logging out takes the session away
	page(t, ctx, "h1", chromedp.Click("#logout"), chromedp.WaitVisible(`#header a[href="/login"]`))
}

// The language switch turns the pages Russian and the browser remembers it.
func TestBrowserSpeaksRussianAndRemembersIt(t *testing.T) {
	ctx := browser(t)
	in := serve(t, nil)
	toRussian := chromedp.Evaluate[chromedp.Void](
		`(() => { const s = document.querySelector('#lang'); s.value = 'ru'; s.dispatchEvent(new Event('change')); })()`)

	title := page(t, ctx, "h1", chromedp.Navigate(in.url+"/login"), chromedp.WaitVisible("#lang"), toRussian, chromedp.WaitVisible("#login-identity"))
	mustContain(t, "the login page in Russian", title, "Вход")
	title = page(t, ctx, "h1", chromedp.Reload(), chromedp.WaitVisible("#login-identity"))
	mustContain(t, "the login page after a reload", title, "Вход")
	label := page(t, ctx, `label[for="login-identity"]`)
	mustContain(t, "the email label", label, "Эл. почта")

	status := page(t, ctx, "#login-status", steps(
		fill(map[string]string{"login-identity": "nobody@example.com", "login-password": "wrong password"}),
		chromedp.Click("#login button[type=submit]"),
		chromedp.WaitVisible("#login-status.err"),
	)...)
	mustContain(t, "a failed login in Russian", status, "Неверная почта или пароль")
}

// Bad input is refused with the message beside its field, and nothing is saved.
func TestBrowserShowsErrorsBesideTheirFields(t *testing.T) {
	ctx := browser(t)
	in := serve(t, nil)
	in.must(200, "POST", "/api/collections/users/records", "", map[string]any{
		"email": "taken@example.com", "password": "a long password", "passwordConfirm": "a long password",
	})

	page(t, ctx, "h1", steps(
		chromedp.Navigate(in.url+"/signup"),
		chromedp.WaitVisible("#signup-email"),
		fill(map[string]string{"signup-email": "not-an-email", "signup-password": "short", "signup-passwordConfirm": "different"}),
		chromedp.Click("#signup button[type=submit]"),
		chromedp.WaitVisible("#signup-email-error"),
	)...)
	for id, want := range map[string]string{
		"signup-email-error":           "email address",
		"signup-passwordConfirm-error": "differ",
	} {
		mustContain(t, "#"+id, page(t, ctx, "#"+id), want)
	}
	if msg := page(t, ctx, "#signup-password-error"); msg == "" {
		t.Fatal("a 5-character password got no message beside it")
	}
	invalid, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#signup-email').getAttribute('aria-invalid')`))
	if err != nil || invalid != "true" {
		t.Fatalf("the email input is not marked invalid: %q %v", invalid, err)
	}

	// an address that has an account already
	msg := page(t, ctx, "#signup-email-error", steps(
		fill(map[string]string{"signup-email": "taken@example.com", "signup-password": "a long password", "signup-passwordConfirm": "a long password"}),
		chromedp.Click("#signup button[type=submit]"),
		chromedp.WaitVisible("#signup-email-error"),
	)...)
	mustContain(t, "the email taken", msg, "already taken")

	// nothing was saved: the server holds only the first account
	var list struct{ TotalItems int }
	in.call("GET", "/api/collections/users/records", superuserToken(t, in), nil, &list)
	if list.TotalItems != 1 {
		t.Fatalf("%d accounts after the refused sign-ups, want 1", list.TotalItems)
	}
}

// superuserToken makes a superuser with the binary and logs it in.
func superuserToken(t *testing.T, in *instance) string {
	t.Helper()
	out, err := run(t, nil, "superuser", "upsert", "root@example.com", "a long password", "--dir", in.dataDir).CombinedOutput()
	if err != nil {
		t.Fatalf("superuser upsert: %v\n%s", err, out)
	}
	var auth struct{ Token string }
	in.call("POST", "/api/collections/_superusers/auth-with-password", "",
		map[string]any{"identity": "root@example.com", "password": "a long password"}, &auth)
	if auth.Token == "" {
		t.Fatal("the superuser cannot log in")
	}
	return auth.Token
}
