package accounts

// Accounts in a real browser: sign-up and its confirmation, logging in,
// the language, what stays hidden, errors beside their fields, a
// password reset and the profile.

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// The link in the sign-up mail opens the web app's confirm page, which
// confirms the account and says so; a broken link says it is broken.
func TestBrowserConfirmsAnAccountFromTheMailLink(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	in.Must(200, "POST", "/api/collections/users/records", "", map[string]any{
		"email": "reader@example.com", "password": "a long password", "passwordConfirm": "a long password",
	})
	link := e2e.LinkIn(t, e2e.WaitForOutbox(t, filepath.Join(in.DataDir, "outbox")))

	// a token that does not check out
	if status := e2e.Page(t, ctx, "#status", chromedp.Navigate(link+"x"), chromedp.WaitVisible("#status.err")); !strings.Contains(status, "invalid or has expired") {
		t.Fatalf("a broken link says %q", status)
	}
	in.Must(403, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": "reader@example.com", "password": "a long password"})

	status := e2e.Page(t, ctx, "#status", chromedp.Navigate(link), chromedp.WaitVisible("#status.ok"))
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || !strings.Contains(status, "Your email is confirmed") || !strings.Contains(title, "Confirm your email") {
		t.Fatalf("the mailed link: title %q, status %q, %v", title, status, err)
	}
	in.Must(200, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": "reader@example.com", "password": "a long password"})
}

// A newcomer signs up in the form, is told to confirm before logging in
// (and can have the link sent again), confirms from the mail, logs in and
// is greeted by name; the browser's time zone became theirs.
func TestBrowserSignUpConfirmAndLogIn(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	const email = "newcomer@example.com"

	status := e2e.Page(t, ctx, "#signup-status", e2e.Steps(
		chromedp.Navigate(in.URL+"/signup"),
		chromedp.WaitVisible("#signup-email"),
		e2e.Fill(map[string]string{"signup-email": email, "signup-password": "a long password",
			"signup-passwordConfirm": "a long password", "signup-name": "Newcomer"}),
		chromedp.Click("#signup button[type=submit]"),
		chromedp.WaitVisible("#signup-status.ok"),
	)...)
	e2e.MustContain(t, "the sign-up page", status, email)

	logIn := e2e.Steps(
		chromedp.Navigate(in.URL+"/login"),
		chromedp.WaitVisible("#login-identity"),
		e2e.Fill(map[string]string{"login-identity": email, "login-password": "a long password"}),
		chromedp.Click("#login button[type=submit]"),
	)
	status = e2e.Page(t, ctx, "#login-status", append(logIn, chromedp.WaitVisible("#login-status.err"))...)
	e2e.MustContain(t, "logging in unconfirmed", status, "Confirm your email")
	status = e2e.Page(t, ctx, "#login-status", chromedp.Click("#app button.secondary"), chromedp.WaitVisible("#login-status.ok"))
	e2e.MustContain(t, "asking for the link again", status, "new confirmation link")

	link := e2e.LinkIn(t, e2e.WaitForOutbox(t, filepath.Join(in.DataDir, "outbox")))
	status = e2e.Page(t, ctx, "#status", chromedp.Navigate(link), chromedp.WaitVisible("#status.ok"))
	e2e.MustContain(t, "the confirm page", status, "Your email is confirmed")

	hello := e2e.Page(t, ctx, "h1", append(logIn, chromedp.WaitVisible("#logout"))...)
	e2e.MustContain(t, "the home page after logging in", hello, "Hello, Newcomer")

	var auth struct{ Record struct{ Timezone string } }
	in.Call("POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": email, "password": "a long password"}, &auth)
	if auth.Record.Timezone != "Asia/Tokyo" {
		t.Fatalf("the account's time zone is %q, want the browser's Asia/Tokyo", auth.Record.Timezone)
	}

	// logging out takes the session away
	e2e.Page(t, ctx, "h1", chromedp.Click("#logout"), chromedp.WaitVisible(`#header a[href="/login"]`))
}

// The language switch turns the pages Russian and the browser remembers it.
func TestBrowserSpeaksRussianAndRemembersIt(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	toRussian := chromedp.Evaluate[chromedp.Void](
		`(() => { const s = document.querySelector('#lang'); s.value = 'ru'; s.dispatchEvent(new Event('change')); })()`)

	title := e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/login"), chromedp.WaitVisible("#lang"), toRussian, chromedp.WaitVisible("#login-identity"))
	e2e.MustContain(t, "the login page in Russian", title, "Вход")
	title = e2e.Page(t, ctx, "h1", chromedp.Reload(), chromedp.WaitVisible("#login-identity"))
	e2e.MustContain(t, "the login page after a reload", title, "Вход")
	label := e2e.Page(t, ctx, `label[for="login-identity"]`)
	e2e.MustContain(t, "the email label", label, "Эл. почта")
	e2e.MustContain(t, "the skip link", e2e.Page(t, ctx, ".skip"), "Перейти к содержанию")
	if l, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); err != nil || l != "ru" {
		t.Errorf("the page's language is %q (%v), want ru", l, err)
	}

	status := e2e.Page(t, ctx, "#login-status", e2e.Steps(
		e2e.Fill(map[string]string{"login-identity": "nobody@example.com", "login-password": "wrong password"}),
		chromedp.Click("#login button[type=submit]"),
		chromedp.WaitVisible("#login-status.err"),
	)...)
	e2e.MustContain(t, "a failed login in Russian", status, "Неверная почта или пароль")
}

// The server's refusals reach a Russian page in Russian: the web app has
// words for every code the hooks return.
func TestBrowserSaysTheServersRefusalsInRussian(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	token := e2e.ConfirmedUser(t, in, "russian@example.com")
	in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Клиенты"})
	e2e.LogInAs(t, ctx, in, "russian@example.com")
	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Evaluate[chromedp.Void](`localStorage.setItem('postrider.lang', 'ru')`),
		chromedp.Navigate(in.URL+"/lists"), e2e.WaitRows("#lists-table", 1),
		e2e.Fill(map[string]string{"new-list-name": "КЛИЕНТЫ"}), chromedp.Click("#new-list button[type=submit]"),
		chromedp.WaitVisible("#new-list-name[aria-invalid=true]"))...)
	e2e.MustContain(t, "a list name taken in another case", e2e.Page(t, ctx, "#new-list-name-error"), "Список с таким названием у вас уже есть.")

	// a CSV file that breaks on line 3, after a good one was previewed: the
	// refusal in Russian, and no report of the earlier file beside it
	good, bad := filepath.Join(t.TempDir(), "good.csv"), filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(good, []byte("email\nann@example.org\n"), 0o644)
	os.WriteFile(bad, []byte("email,name\nann@example.org,Ann\nbob@example.org,\"Bob\n"), 0o644)
	e2e.Page(t, ctx, "#import-summary", chromedp.Navigate(in.URL+"/clients/import"), chromedp.WaitVisible("#import-file"),
		chromedp.SetUploadFiles("#import-file", []string{good}), chromedp.Click("#import-preview"), chromedp.WaitVisible("#import-summary"))
	refusal := e2e.Page(t, ctx, "#import-file-error", chromedp.SetUploadFiles("#import-file", []string{bad}), chromedp.Click("#import-preview"),
		e2e.Until(`document.querySelector('#import-file-error').innerText !== ''`))
	e2e.MustContain(t, "a CSV file that cannot be read", refusal, "Файл не читается как CSV начиная со строки 3")
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#import-summary').length`)); err != nil || n != 0 {
		t.Fatalf("a report still shows beside the refusal (%d, %v)", n, err)
	}
}

// What is meant to be hidden stays hidden: "Send the link again" shows only
// once a login is refused for an unconfirmed email, never beside "account
// blocked"; the clients form stays closed until "Add a client" opens it,
// and then shows no lists of an edited client.
func TestBrowserHidesWhatIsHidden(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	in.Must(200, "POST", "/api/collections/users/records", "", map[string]any{
		"email": "unconfirmed@example.com", "password": "a long password", "passwordConfirm": "a long password",
	})
	e2e.ConfirmedUser(t, in, "member@example.com")
	var blocked struct{ Record struct{ Id string } }
	e2e.ConfirmedUser(t, in, "blocked@example.com")
	in.Call("POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": "blocked@example.com", "password": "a long password"}, &blocked)
	in.Must(200, "PATCH", "/api/collections/users/records/"+blocked.Record.Id, e2e.SuperuserToken(t, in), map[string]any{"blocked": true})

	shown := func(sel string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q).checkVisibility()`, sel)))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	const resend = "#app button.secondary"
	refused := func(email, says string) []chromedp.Action[chromedp.Void] {
		return e2e.Steps(
			e2e.Fill(map[string]string{"login-identity": email, "login-password": "a long password"}),
			chromedp.Click("#login button[type=submit]"),
			e2e.Until(fmt.Sprintf(`document.querySelector('#login-status.err')?.innerText.includes(%q)`, says)),
		)
	}

	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/login"), chromedp.WaitVisible("#login-identity"))
	if shown(resend) {
		t.Fatal(`the login page shows "Send the link again" before any login`)
	}
	e2e.Page(t, ctx, "#login-status", refused("blocked@example.com", "blocked")...)
	if shown(resend) {
		t.Fatal(`"Send the link again" shows beside "account blocked"`)
	}
	e2e.Page(t, ctx, "#login-status", append(refused("unconfirmed@example.com", "Confirm your email"), chromedp.WaitVisible(resend))...)
	e2e.Page(t, ctx, "#login-status", refused("blocked@example.com", "blocked")...)
	if shown(resend) {
		t.Fatal(`"Send the link again" stays beside "account blocked" after an unconfirmed login`)
	}

	e2e.LogInAs(t, ctx, in, "member@example.com")
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/clients"), chromedp.WaitVisible("#clients-new"), e2e.WaitRows("#clients-table", 0))
	if shown("#client") {
		t.Fatal("the clients page opens with its form open, above the table")
	}
	e2e.Page(t, ctx, "h1", chromedp.Click("#clients-new"), chromedp.WaitVisible("#client-email"))
	if shown("#client-lists") {
		t.Fatal("the new client's form shows the lists of an edited client")
	}
}

// Bad input is refused with the message beside its field, and nothing is saved.
func TestBrowserShowsErrorsBesideTheirFields(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	in.Must(200, "POST", "/api/collections/users/records", "", map[string]any{
		"email": "taken@example.com", "password": "a long password", "passwordConfirm": "a long password",
	})

	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Navigate(in.URL+"/signup"),
		chromedp.WaitVisible("#signup-email"),
		e2e.Fill(map[string]string{"signup-email": "not-an-email", "signup-password": "short", "signup-passwordConfirm": "different"}),
		chromedp.Click("#signup button[type=submit]"),
		chromedp.WaitVisible("#signup-email-error"),
	)...)
	for id, want := range map[string]string{
		"signup-email-error":           "email address",
		"signup-passwordConfirm-error": "differ",
	} {
		e2e.MustContain(t, "#"+id, e2e.Page(t, ctx, "#"+id), want)
	}
	if msg := e2e.Page(t, ctx, "#signup-password-error"); msg == "" {
		t.Fatal("a 5-character password got no message beside it")
	}
	invalid, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#signup-email').getAttribute('aria-invalid')`))
	if err != nil || invalid != "true" {
		t.Fatalf("the email input is not marked invalid: %q %v", invalid, err)
	}

	// an address that has an account already
	msg := e2e.Page(t, ctx, "#signup-email-error", e2e.Steps(
		e2e.Fill(map[string]string{"signup-email": "taken@example.com", "signup-password": "a long password", "signup-passwordConfirm": "a long password"}),
		chromedp.Click("#signup button[type=submit]"),
		chromedp.WaitVisible("#signup-email-error"),
	)...)
	e2e.MustContain(t, "the email taken", msg, "already taken")

	// nothing was saved: the server holds only the first account
	var list struct{ TotalItems int }
	in.Call("GET", "/api/collections/users/records", e2e.SuperuserToken(t, in), nil, &list)
	if list.TotalItems != 1 {
		t.Fatalf("%d accounts after the refused sign-ups, want 1", list.TotalItems)
	}
}

// A forgotten password is reset from the mailed link; the profile refuses
// an unknown time zone beside its field and keeps a good one.
func TestBrowserPasswordResetAndProfile(t *testing.T) {
	ctx := e2e.Browser(t)
	smtp := smtptest.Start(t)
	in := e2e.Serve(t, map[string]string{"POSTRIDER_SMTP_HOST": smtp.Host, "POSTRIDER_SMTP_PORT": strconv.Itoa(smtp.Port), "POSTRIDER_SMTP_TLS": "none"})
	in.SMTP = smtp
	e2e.ConfirmedUser(t, in, "forgetful@example.com")
	before := len(smtp.Messages())

	e2e.Page(t, ctx, "#forgot-status", e2e.Steps(chromedp.Navigate(in.URL+"/forgot"), chromedp.WaitVisible("#forgot-email"),
		e2e.Fill(map[string]string{"forgot-email": "forgetful@example.com"}), chromedp.Click("#forgot button[type=submit]"),
		chromedp.WaitVisible("#forgot-status.ok"))...)
	msgs := smtp.WaitFor(t, before+1, 30*time.Second)
	text := smtptest.ReadMail(t, msgs[len(msgs)-1].Data).Parts["text/plain"]
	i := strings.Index(text, "/reset-password?token=")
	if i < 0 {
		t.Fatalf("no reset link in the mail:\n%s", text)
	}
	resetLink := in.URL + strings.Fields(text[i:])[0]
	resetLink = strings.TrimRight(resetLink, ")")
	e2e.Page(t, ctx, "#reset-status", e2e.Steps(chromedp.Navigate(resetLink), chromedp.WaitVisible("#reset-password"),
		e2e.Fill(map[string]string{"reset-password": "a brand new password", "reset-passwordConfirm": "a brand new password"}),
		chromedp.Click("#reset button[type=submit]"), chromedp.WaitVisible("#reset-status.ok"))...)
	in.Must(200, "POST", "/api/collections/users/auth-with-password", "", map[string]any{"identity": "forgetful@example.com", "password": "a brand new password"})

	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Navigate(in.URL+"/login"), chromedp.WaitVisible("#login-identity"),
		e2e.Fill(map[string]string{"login-identity": "forgetful@example.com", "login-password": "a brand new password"}),
		chromedp.Click("#login button[type=submit]"), chromedp.WaitVisible("#logout"))...)
	msg := e2e.Page(t, ctx, "#profile-timezone-error", e2e.Steps(chromedp.Navigate(in.URL+"/profile"), chromedp.WaitVisible("#profile-timezone"),
		e2e.Fill(map[string]string{"profile-timezone": "Mars/Olympus"}), chromedp.Click("#profile button[type=submit]"),
		chromedp.WaitVisible("#profile-timezone-error"))...)
	e2e.MustContain(t, "an unknown time zone", msg, "Unknown time zone")
	e2e.Page(t, ctx, "#profile-status", e2e.Steps(e2e.Fill(map[string]string{"profile-timezone": "Europe/Moscow"}),
		chromedp.Click("#profile button[type=submit]"), chromedp.WaitVisible("#profile-status.ok"))...)
	var auth struct{ Record struct{ Timezone string } }
	in.Call("POST", "/api/collections/users/auth-with-password", "", map[string]any{"identity": "forgetful@example.com", "password": "a brand new password"}, &auth)
	if auth.Record.Timezone != "Europe/Moscow" {
		t.Fatalf("the time zone is %q after saving Europe/Moscow", auth.Record.Timezone)
	}
}

// The remaining forms refuse bad input beside the field too: the
// forgotten-password request, the reset, the password change, the import.
func TestBrowserMoreFormsRefuseBadInputBesideTheField(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	e2e.ConfirmedUser(t, in, "careful@example.com")

	msg := e2e.Page(t, ctx, "#forgot-email-error", e2e.Steps(chromedp.Navigate(in.URL+"/forgot"), chromedp.WaitVisible("#forgot-email"),
		e2e.Fill(map[string]string{"forgot-email": "not an email"}), chromedp.Click("#forgot button[type=submit]"),
		chromedp.WaitVisible("#forgot-email-error"))...)
	e2e.MustContain(t, "a bad address to reset", msg, "email address")

	msg = e2e.Page(t, ctx, "#reset-passwordConfirm-error", e2e.Steps(chromedp.Navigate(in.URL+"/reset-password?token=whatever"),
		chromedp.WaitVisible("#reset-password"),
		e2e.Fill(map[string]string{"reset-password": "a long password", "reset-passwordConfirm": "another one"}),
		chromedp.Click("#reset button[type=submit]"), chromedp.WaitVisible("#reset-passwordConfirm-error"))...)
	e2e.MustContain(t, "two different new passwords", msg, "differ")
	status := e2e.Page(t, ctx, "#reset-status", e2e.Steps(
		e2e.Fill(map[string]string{"reset-password": "a long password", "reset-passwordConfirm": "a long password"}),
		chromedp.Click("#reset button[type=submit]"), chromedp.WaitVisible("#reset-status.err"))...)
	e2e.MustContain(t, "a reset with a bad token", status, "invalid or has expired")

	e2e.LogInAs(t, ctx, in, "careful@example.com")
	msg = e2e.Page(t, ctx, "#password-oldPassword-error", e2e.Steps(chromedp.Navigate(in.URL+"/profile"), chromedp.WaitVisible("#password-oldPassword"),
		e2e.Fill(map[string]string{"password-oldPassword": "not my password", "password-password": "a newer password", "password-passwordConfirm": "a newer password"}),
		chromedp.Click("#password button[type=submit]"), chromedp.WaitVisible("#password-oldPassword-error"))...)
	if msg == "" {
		t.Fatal("a wrong current password got no message beside it")
	}
	in.Must(200, "POST", "/api/collections/users/auth-with-password", "", map[string]any{"identity": "careful@example.com", "password": "a long password"})

	msg = e2e.Page(t, ctx, "#import-file-error", chromedp.Navigate(in.URL+"/clients/import"), chromedp.WaitVisible("#import-go"),
		chromedp.Click("#import-go"), chromedp.WaitVisible("#import-file-error"))
	e2e.MustContain(t, "an import without a file", msg, "Choose a CSV file")
}
