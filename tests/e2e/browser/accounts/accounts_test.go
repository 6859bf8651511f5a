package main

// Tests in a real browser: Debian's Chromium, headless, driven with
// chromedp, against the real binary. Without Chromium they skip on a
// developer's machine and fail under CI (CI=true), where .ci/run installs it.

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/text/encoding/charmap"

	"postrider/internal/seed"
	"postrider/internal/smtptest"
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
	tab := ctx
	// generous: under CI the other packages' tests share the two cores
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("in the browser: %v\n%s", err, pageText(tab))
	}
	text, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return text
}

// pageText is what the tab shows, for a failing test's output.
func pageText(tab context.Context) string {
	ctx, cancel := context.WithTimeout(tab, 5*time.Second)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
	if err != nil {
		return "(the page cannot be read: " + err.Error() + ")"
	}
	return "the page shows:\n" + text
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
	mustContain(t, "the skip link", page(t, ctx, ".skip"), "Перейти к содержанию")
	if l, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); err != nil || l != "ru" {
		t.Errorf("the page's language is %q (%v), want ru", l, err)
	}

	status := page(t, ctx, "#login-status", steps(
		fill(map[string]string{"login-identity": "nobody@example.com", "login-password": "wrong password"}),
		chromedp.Click("#login button[type=submit]"),
		chromedp.WaitVisible("#login-status.err"),
	)...)
	mustContain(t, "a failed login in Russian", status, "Неверная почта или пароль")
}

// The server's refusals reach a Russian page in Russian: the web app has
// words for every code the hooks return.
func TestBrowserSaysTheServersRefusalsInRussian(t *testing.T) {
	ctx := browser(t)
	in := serve(t, nil)
	token := confirmedUser(t, in, "russian@example.com")
	in.must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Клиенты"})
	logInAs(t, ctx, in, "russian@example.com")
	page(t, ctx, "h1", steps(chromedp.Evaluate[chromedp.Void](`localStorage.setItem('postrider.lang', 'ru')`),
		chromedp.Navigate(in.url+"/lists"), waitRows("#lists-table", 1),
		fill(map[string]string{"new-list-name": "КЛИЕНТЫ"}), chromedp.Click("#new-list button[type=submit]"),
		chromedp.WaitVisible("#new-list-name[aria-invalid=true]"))...)
	mustContain(t, "a list name taken in another case", page(t, ctx, "#new-list-name-error"), "Список с таким названием у вас уже есть.")

	// a CSV file that breaks on line 3, after a good one was previewed: the
	// refusal in Russian, and no report of the earlier file beside it
	good, bad := filepath.Join(t.TempDir(), "good.csv"), filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(good, []byte("email\nann@example.org\n"), 0o644)
	os.WriteFile(bad, []byte("email,name\nann@example.org,Ann\nbob@example.org,\"Bob\n"), 0o644)
	page(t, ctx, "#import-summary", chromedp.Navigate(in.url+"/clients/import"), chromedp.WaitVisible("#import-file"),
		chromedp.SetUploadFiles("#import-file", []string{good}), chromedp.Click("#import-preview"), chromedp.WaitVisible("#import-summary"))
	refusal := page(t, ctx, "#import-file-error", chromedp.SetUploadFiles("#import-file", []string{bad}), chromedp.Click("#import-preview"),
		until(`document.querySelector('#import-file-error').innerText !== ''`))
	mustContain(t, "a CSV file that cannot be read", refusal, "Файл не читается как CSV начиная со строки 3")
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#import-summary').length`)); err != nil || n != 0 {
		t.Fatalf("a report still shows beside the refusal (%d, %v)", n, err)
	}
}

// What is meant to be hidden stays hidden: "Send the link again" shows only
// once a login is refused for an unconfirmed email, never beside "account
// blocked"; the clients form stays closed until "Add a client" opens it,
// and then shows no lists of an edited client.
func TestBrowserHidesWhatIsHidden(t *testing.T) {
	ctx := browser(t)
	in := serve(t, nil)
	in.must(200, "POST", "/api/collections/users/records", "", map[string]any{
		"email": "unconfirmed@example.com", "password": "a long password", "passwordConfirm": "a long password",
	})
	confirmedUser(t, in, "member@example.com")
	var blocked struct{ Record struct{ Id string } }
	confirmedUser(t, in, "blocked@example.com")
	in.call("POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": "blocked@example.com", "password": "a long password"}, &blocked)
	in.must(200, "PATCH", "/api/collections/users/records/"+blocked.Record.Id, superuserToken(t, in), map[string]any{"blocked": true})

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
		return steps(
			fill(map[string]string{"login-identity": email, "login-password": "a long password"}),
			chromedp.Click("#login button[type=submit]"),
			until(fmt.Sprintf(`document.querySelector('#login-status.err')?.innerText.includes(%q)`, says)),
		)
	}

	page(t, ctx, "h1", chromedp.Navigate(in.url+"/login"), chromedp.WaitVisible("#login-identity"))
	if shown(resend) {
		t.Fatal(`the login page shows "Send the link again" before any login`)
	}
	page(t, ctx, "#login-status", refused("blocked@example.com", "blocked")...)
	if shown(resend) {
		t.Fatal(`"Send the link again" shows beside "account blocked"`)
	}
	page(t, ctx, "#login-status", append(refused("unconfirmed@example.com", "Confirm your email"), chromedp.WaitVisible(resend))...)
	page(t, ctx, "#login-status", refused("blocked@example.com", "blocked")...)
	if shown(resend) {
		t.Fatal(`"Send the link again" stays beside "account blocked" after an unconfirmed login`)
	}

	logInAs(t, ctx, in, "member@example.com")
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/clients"), chromedp.WaitVisible("#clients-new"), waitRows("#clients-table", 0))
	if shown("#client") {
		t.Fatal("the clients page opens with its form open, above the table")
	}
	page(t, ctx, "h1", chromedp.Click("#clients-new"), chromedp.WaitVisible("#client-email"))
	if shown("#client-lists") {
		t.Fatal("the new client's form shows the lists of an edited client")
	}
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

// confirmedUser signs an account up through the API, confirms it with the
// token of its own mail in the outbox, and returns its auth token.
func confirmedUser(t *testing.T, in *instance, email string) string {
	t.Helper()
	in.must(200, "POST", "/api/collections/users/records", "", map[string]any{
		"email": email, "password": "a long password", "passwordConfirm": "a long password", "name": strings.Split(email, "@")[0],
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var mails [][]byte
		files, _ := filepath.Glob(filepath.Join(in.dataDir, "outbox", "*.eml"))
		for _, f := range files {
			if raw, err := os.ReadFile(f); err == nil {
				mails = append(mails, raw)
			}
		}
		if in.smtp != nil {
			for _, m := range in.smtp.Messages() {
				mails = append(mails, m.Data)
			}
		}
		for _, raw := range mails {
			if !strings.Contains(string(raw), email) {
				continue
			}
			link := linkIn(t, raw)
			in.must(204, "POST", "/api/collections/users/confirm-verification", "",
				map[string]any{"token": link[strings.Index(link, "token=")+len("token="):]})
			var auth struct{ Token string }
			in.call("POST", "/api/collections/users/auth-with-password", "", map[string]any{"identity": email, "password": "a long password"}, &auth)
			return auth.Token
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no confirmation mail for %s", email)
	return ""
}

// logInAs logs the browser in through the login form, as an account made
// by confirmedUser.
func logInAs(t *testing.T, ctx context.Context, in *instance, email string) {
	t.Helper()
	page(t, ctx, "h1", logIn(in, email, "a long password")...)
}

// logIn is the login form filled and sent, until the page shows the way out.
func logIn(in *instance, email, password string) []chromedp.Action[chromedp.Void] {
	return steps(
		chromedp.Navigate(in.url+"/login"),
		chromedp.WaitVisible("#login-identity"),
		fill(map[string]string{"login-identity": email, "login-password": password}),
		chromedp.Click("#login button[type=submit]"),
		chromedp.WaitVisible("#logout"),
	)
}

// rowsOf reads the visible rows of a table: the text of each row's cells.
func rowsOf(t *testing.T, ctx context.Context, table string) []string {
	t.Helper()
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
		`[...document.querySelectorAll('%s tbody tr')].map(r => [...r.cells].map(c => c.innerText.trim()).join(' | '))`, table)))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// catchDownload makes the page keep the text of the next file it offers
// for download (a CSV export) in window.csv, byte-order mark included.
var catchDownload = chromedp.Evaluate[chromedp.Void](`(() => { const make = URL.createObjectURL;
	URL.createObjectURL = (blob) => { delete window.csv;
		blob.arrayBuffer().then((b) => { window.csv = new TextDecoder('utf-8', { ignoreBOM: true }).decode(b); });
		return make(blob); }; })()`)

// caughtCSV waits for the file catchDownload caught and returns its text.
func caughtCSV(t *testing.T, ctx context.Context) string {
	t.Helper()
	page(t, ctx, "h1", until(`typeof window.csv === 'string'`))
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.csv`))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// waitRows waits until the table shows n rows that are not the loading line.
func waitRows(table string, n int) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`(() => { const b = document.querySelector('%s tbody');
		return b != null && b.querySelectorAll('tr[data-id], tr[data-email]').length === %d && !b.innerText.includes('…'); })()`, table, n))
}

// until waits for a JavaScript expression to be true.
func until(expr string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(90*time.Second))
	return func(ctx context.Context, target *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, target)
		return chromedp.Void{}, err
	}
}

var acceptDialogs = chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`)

// A user keeps lists and clients in the browser: creates, searches,
// filters, pages, puts many into a list and takes them out, deletes; every
// bad input is refused beside its field; another user sees none of it.
func TestBrowserListsAndClients(t *testing.T) {
	ctx := browser(t)
	in := serve(t, nil)
	aliceToken := confirmedUser(t, in, "alice@example.com")
	confirmedUser(t, in, "bob@example.com")
	logInAs(t, ctx, in, "alice@example.com")

	// a list, and the same name again refused beside the field
	page(t, ctx, "h1", steps(
		chromedp.Navigate(in.url+"/lists"),
		chromedp.WaitVisible("#new-list-name"),
		fill(map[string]string{"new-list-name": "Customers"}),
		chromedp.Click("#new-list button[type=submit]"),
		waitRows("#lists-table", 1),
	)...)
	if rows := rowsOf(t, ctx, "#lists-table"); len(rows) != 1 || !strings.HasPrefix(rows[0], "Customers | 0") {
		t.Fatalf("lists: %q", rows)
	}
	msg := page(t, ctx, "#new-list-name-error", steps(
		fill(map[string]string{"new-list-name": "customers"}),
		chromedp.Click("#new-list button[type=submit]"),
		chromedp.WaitVisible("#new-list-name-error"),
	)...)
	mustContain(t, "a second list of the same name", msg, "already")

	// clients: one in the list, one not, one refused
	addClient := func(email, list string) {
		page(t, ctx, "h1", steps(
			chromedp.Click("#clients-new"), chromedp.WaitVisible("#client-email"),
			fill(map[string]string{"client-email": email, "client-name": "Name of " + email}),
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector('#client-list');
				s.value = [...s.options].find(o => o.text === %q)?.value ?? ''; })()`, list)),
			chromedp.Click("#client button[type=submit]"),
			until(fmt.Sprintf(`document.querySelector('#clients-status.ok')?.innerText.includes(%q)`, email)),
		)...)
	}
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/clients"), chromedp.WaitVisible("#clients-new"), waitRows("#clients-table", 0))
	addClient("ann@example.org", "Customers")
	addClient("ben@example.org", "")
	page(t, ctx, "h1", waitRows("#clients-table", 2))
	msg = page(t, ctx, "#client-email-error", steps(
		chromedp.Click("#clients-new"), chromedp.WaitVisible("#client-email"),
		fill(map[string]string{"client-email": "ANN@example.org"}),
		chromedp.Click("#client button[type=submit]"),
		chromedp.WaitVisible("#client-email-error"),
	)...)
	mustContain(t, "a client with an email already there", msg, "already")
	msg = page(t, ctx, "#client-email-error", steps(
		fill(map[string]string{"client-email": "not an email"}),
		chromedp.Click("#client button[type=submit]"),
		chromedp.WaitVisible("#client-email-error"),
	)...)
	mustContain(t, "a client with a bad email", msg, "email address")

	// search, then filter by the list
	page(t, ctx, "h1", steps(fill(map[string]string{"clients-search": "ben"}),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#clients-search').form.requestSubmit()`),
		waitRows("#clients-table", 1))...)
	if q, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(q, "q=ben") {
		t.Fatalf("the search is not in the address: %s", q)
	}
	if rows := rowsOf(t, ctx, "#clients-table"); !strings.Contains(rows[0], "ben@example.org") {
		t.Fatalf("searching ben: %q", rows)
	}
	page(t, ctx, "h1",
		chromedp.Evaluate[chromedp.Void](`(() => { document.querySelector('#clients-search').value = '';
			const f = document.querySelector('#clients-filter'); f.value = [...f.options].find(o => o.text === 'Customers').value;
			f.dispatchEvent(new Event('change')); })()`),
		waitRows("#clients-table", 1))
	if rows := rowsOf(t, ctx, "#clients-table"); !strings.Contains(rows[0], "ann@example.org") {
		t.Fatalf("the Customers list: %q", rows)
	}

	// both into the list at once, then one out again
	bulk := func(button string) {
		page(t, ctx, "h1",
			chromedp.Evaluate[chromedp.Void](`(() => { const f = document.querySelector('#clients-filter'); f.value = ''; f.dispatchEvent(new Event('change')); })()`),
			waitRows("#clients-table", 2),
			chromedp.Click("#clients-all"),
			chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#bulk-list'); s.value = [...s.options].find(o => o.text === 'Customers').value; })()`),
			chromedp.Click(button),
			// the words of this action: an earlier "Saved." is .ok already
			until(`document.querySelector('#clients-status').innerText.includes('Done for 2 clients')`))
	}
	bulk("#bulk-add")
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/lists"), waitRows("#lists-table", 1))
	if rows := rowsOf(t, ctx, "#lists-table"); !strings.HasPrefix(rows[0], "Customers | 2") {
		t.Fatalf("after adding both: %q", rows)
	}
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/clients"), waitRows("#clients-table", 2))
	bulk("#bulk-remove")
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/lists"), waitRows("#lists-table", 1))
	if rows := rowsOf(t, ctx, "#lists-table"); !strings.HasPrefix(rows[0], "Customers | 0") {
		t.Fatalf("after taking both out: %q", rows)
	}

	// pages of 50
	for i := range 53 {
		in.must(200, "POST", "/api/collections/clients/records", aliceToken, map[string]any{"email": fmt.Sprintf("many%02d@example.org", i)})
	}
	pageLine := page(t, ctx, "#clients-page", chromedp.Navigate(in.url+"/clients"), waitRows("#clients-table", 50))
	mustContain(t, "the pager", pageLine, "Page 1 of 2 (55 clients)")
	page(t, ctx, "h1", chromedp.Click(".pager button:last-child"), waitRows("#clients-table", 5))

	// delete one, after the confirmation
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/clients?q=ben"), waitRows("#clients-table", 1), acceptDialogs,
		chromedp.Click(`#clients-table tr[data-email="ben@example.org"] td.actions button.danger`), waitRows("#clients-table", 0))
	var left struct{ TotalItems int }
	in.call("GET", "/api/collections/clients/records?filter="+url.QueryEscape(`email="ben@example.org"`), aliceToken, nil, &left)
	if left.TotalItems != 0 {
		t.Fatal("ben is still there after deleting him")
	}

	// another user sees none of it
	page(t, ctx, "h1", chromedp.Click("#logout"), chromedp.WaitVisible(`#header a[href="/login"]`))
	logInAs(t, ctx, in, "bob@example.com")
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/clients"), waitRows("#clients-table", 0), chromedp.WaitVisible("#clients-table + .empty"))
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/lists"), waitRows("#lists-table", 0), chromedp.WaitVisible("#lists-table + .empty"))
	if text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`)); err != nil || strings.Contains(text, "Customers") {
		t.Fatalf("bob's lists page shows alice's list: %v\n%s", err, text)
	}
}

// The whole story: a user writes a mailing in the browser (subject, body in
// the editor, a list, a window that opens now), `postrider dispatch` sends
// it, the mail reaches the SMTP server, and the mailing's page shows the run
// and every delivery with the server's reply.
func TestBrowserMailingFromFormToDeliveryLog(t *testing.T) {
	ctx := browser(t)
	smtp := smtptest.Start(t)
	in := serve(t, smtpServeEnv(smtp))
	in.smtp = smtp
	token := confirmedUser(t, in, "writer@example.com")
	list := in.must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	for _, e := range []string{"r1@example.org", "r2@example.org", "r3@example.org"} {
		in.must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": e, "lists": []any{list["id"]}})
	}
	logInAs(t, ctx, in, "writer@example.com")

	// bad input first: nothing filled, then a window that ends before it starts
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/mailings/edit"), chromedp.WaitVisible("#mailing-subject"),
		chromedp.WaitVisible(".window"), chromedp.Click("#mailing button[type=submit]"), chromedp.WaitVisible("#mailing-subject-error"))
	mustContain(t, "an empty subject", page(t, ctx, "#mailing-subject-error"), "Fill this in")
	mustContain(t, "an empty body", page(t, ctx, "#mailing-body-error"), "Fill this in")

	now := time.Now().UTC()
	setWindow := func(start, end time.Time) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const w = document.querySelector('.window');
			w.querySelector('[name=starts_at]').value = %q; w.querySelector('[name=ends_at]').value = %q; })()`,
			start.Format("2006-01-02T15:04"), end.Format("2006-01-02T15:04")))
	}
	page(t, ctx, "h1", steps(
		fill(map[string]string{"mailing-subject": "Spring news"}),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Spring is here, dear reader."),
		chromedp.Click(`#mailing-lists input[type=checkbox]`),
		until(`document.querySelector('#mailing-reach').innerText.includes('Recipients now: 3.')`),
		setWindow(now.Add(2*time.Hour), now.Add(time.Hour)),
		chromedp.Click("#mailing button[type=submit]"),
		chromedp.WaitVisible(".window [name=ends_at][aria-invalid=true]"),
	)...)
	mustContain(t, "a window ending before it starts", page(t, ctx, ".window [name=ends_at] ~ .field-error"), "end after it starts")

	// a refused window saved nothing, not even the mailing
	var none struct{ TotalItems int }
	if in.call("GET", "/api/collections/mailings/records", token, nil, &none); none.TotalItems != 0 {
		t.Fatalf("a refused window left %d mailings behind", none.TotalItems)
	}

	// now right: the window opens this minute
	heading := page(t, ctx, "h1", setWindow(now, now.Add(24*time.Hour)), chromedp.Click("#mailing button[type=submit]"),
		chromedp.WaitVisible("#mailing-preview"))
	mustContain(t, "the mailing's page", heading, "Spring news")
	mustContain(t, "the preview", page(t, ctx, "#mailing-preview"), "Spring is here")

	// the server sends it at once, by itself; the open page shows the run
	page(t, ctx, "h1", waitRows("#log-table", 3),
		until(`document.querySelector('#runs-table').innerText.includes('3 sent, 0 failed of 3')`))
	for _, row := range rowsOf(t, ctx, "#log-table") {
		if !strings.Contains(row, "sent") || !strings.Contains(row, "250") || !strings.Contains(row, smtp.Addr()) { // the relay column
			t.Errorf("a log row: %q", row)
		}
	}
	// the server also got the account's mails (confirmation, a login alert): keep the mailing's
	got := map[string]int{}
	for _, m := range smtp.Messages() {
		mail := smtptest.ReadMail(t, m.Data)
		if mail.Subject != "Spring news" {
			continue
		}
		if !strings.Contains(mail.Parts["text/plain"], "Spring is here") || len(m.To) != 1 {
			t.Errorf("a message of the mailing: to %v, %q", m.To, mail.Parts["text/plain"])
		}
		got[m.To[0]]++
	}
	if len(got) != 3 || got["r1@example.org"] != 1 || got["r2@example.org"] != 1 || got["r3@example.org"] != 1 {
		t.Fatalf("the SMTP server got mail for %v", got)
	}

	screenshot(t, ctx, "mailing.png")

	// the logs page: the same deliveries, a bar for today, filters, export
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/logs"), waitRows("#logs-table", 3), chromedp.WaitVisible("#logs-chart rect.sent"))
	mustContain(t, "the chart", page(t, ctx, "#logs-chart figcaption"), "3 sent, 0 failed")
	page(t, ctx, "h1",
		chromedp.Evaluate[chromedp.Void](`(() => { document.querySelector('#logs-status-filter').value = 'failed';
			document.querySelector('#logs-filters').requestSubmit(); })()`),
		waitRows("#logs-table", 0), chromedp.WaitVisible("#logs-page"))
	mustContain(t, "the failed ones", page(t, ctx, "#logs-page"), "(0 messages)")
	page(t, ctx, "h1",
		chromedp.Evaluate[chromedp.Void](`(() => { document.querySelector('#logs-status-filter').value = '';
			document.querySelector('#logs-filters').requestSubmit(); })()`),
		waitRows("#logs-table", 3), catchDownload, chromedp.Click("#logs-export"),
		until(`document.querySelector('#logs-status').innerText.includes('exported')`))
	mustContain(t, "the export", page(t, ctx, "#logs-status"), "3 deliveries exported")
	// times on the user's clock, with the zone in the header, not raw UTC
	logCSV := strings.Split(caughtCSV(t, ctx), "\r\n")
	if len(logCSV) != 5 || !strings.HasPrefix(logCSV[0], "\ufeff\"time (UTC)\",\"mailing\"") ||
		!regexp.MustCompile(`^"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d",`).MatchString(logCSV[1]) {
		t.Fatalf("the exported log:\n%q", logCSV)
	}
	screenshot(t, ctx, "logs.png")
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/mailings/edit?id="+mailingID(t, in, token)), chromedp.WaitVisible(".window"),
		until(`document.querySelector('#mailing-reach').innerText.includes('Recipients now: 3.')`))
	screenshot(t, ctx, "mailing-form.png")

	// stop and resume from the list
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/mailings"), waitRows("#mailings-table", 1), acceptDialogs,
		chromedp.Click(`#mailings-table td.actions button.stop`),
		until(`document.querySelector('#mailings-table').innerText.includes('stopped')`))
	var m struct{ Items []struct{ Stopped bool } }
	in.call("GET", "/api/collections/mailings/records", token, nil, &m)
	if len(m.Items) != 1 || !m.Items[0].Stopped {
		t.Fatalf("the mailing was not stopped: %+v", m)
	}
	if rows := rowsOf(t, ctx, "#mailings-table"); len(rows) != 1 || !strings.Contains(rows[0], "| 3 |") {
		t.Fatalf("the list of mailings does not say it reaches 3 people: %q", rows)
	}

	// resumed
	page(t, ctx, "h1", chromedp.Click(`#mailings-table td.actions button.resume`),
		until(`!document.querySelector('#mailings-table').innerText.includes('stopped')`))
	in.call("GET", "/api/collections/mailings/records", token, nil, &m)
	if m.Items[0].Stopped {
		t.Fatal("the mailing was not resumed")
	}

	// another user sees none of it, not even through the mailing's address
	id := mailingID(t, in, token)
	confirmedUser(t, in, "other@example.com")
	page(t, ctx, "h1", chromedp.Click("#logout"), chromedp.WaitVisible(`#header a[href="/login"]`))
	logInAs(t, ctx, in, "other@example.com")
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/mailings"), waitRows("#mailings-table", 0), chromedp.WaitVisible("#mailings-table + .empty"))
	text := page(t, ctx, "body", chromedp.Navigate(in.url+"/mailing?id="+id), chromedp.WaitVisible("#detail-status.err"))
	if strings.Contains(text, "Spring") || strings.Contains(text, "r1@example.org") {
		t.Fatalf("another user's page of the mailing shows it:\n%s", text)
	}
}

func mailingID(t *testing.T, in *instance, token string) string {
	t.Helper()
	var m struct{ Items []struct{ ID string } }
	in.call("GET", "/api/collections/mailings/records", token, nil, &m)
	if len(m.Items) == 0 {
		t.Fatal("no mailing")
	}
	return m.Items[0].ID
}

// screenshot saves the page as a PNG in $POSTRIDER_SCREENSHOTS (the README's
// pictures come from there); without it, nothing is saved.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("POSTRIDER_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Clients come in from a CSV file: a preview says what would happen, the
// import says what did, refused rows are listed with their line.
func TestBrowserImportsClientsFromCSV(t *testing.T) {
	ctx := browser(t)
	in := serve(t, nil)
	token := confirmedUser(t, in, "importer@example.com")
	in.must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Fair 2027"})
	csv := filepath.Join(t.TempDir(), "fair.csv")
	os.WriteFile(csv, []byte("email,name,comment\nann@example.org,Ann,met at the fair\nbob@example.org,Bob,\nnot an email,Zed,\nann@example.org,Ann again,\n"), 0o644)
	logInAs(t, ctx, in, "importer@example.com")

	chooseList := chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#import-list');
		s.value = [...s.options].find(o => o.text === 'Fair 2027').value; })()`)
	summary := page(t, ctx, "#import-summary",
		chromedp.Navigate(in.url+"/clients"), waitRows("#clients-table", 0),
		chromedp.Click("#clients-import"), chromedp.WaitVisible("#import-file"),
		until(`[...document.querySelectorAll('#import-list option')].some(o => o.text === 'Fair 2027')`),
		chromedp.SetUploadFiles("#import-file", []string{csv}), chooseList,
		chromedp.Click("#import-preview"), chromedp.WaitVisible("#import-summary"))
	mustContain(t, "the preview", summary, "4 rows: 2 would be added, 1 are already clients, 1 would be refused")
	mustContain(t, "the refused row", page(t, ctx, "#import-problems"), "Line 4 (not an email): not an email address")
	var saved struct{ TotalItems int }
	if in.call("GET", "/api/collections/clients/records", token, nil, &saved); saved.TotalItems != 0 {
		t.Fatalf("the preview saved %d clients", saved.TotalItems)
	}

	summary = page(t, ctx, "#import-summary", chromedp.Click("#import-go"),
		until(`document.querySelector('#import-summary').innerText.includes('2 added')`))
	mustContain(t, "the import", summary, "2 added")
	// a Russian Excel's file (Windows-1251, semicolons, a quoted one in a
	// name): the preview shows its rows as the server reads them, each
	// name whole in its own column
	ru, err := charmap.Windows1251.NewEncoder().String("Email;ФИО\nivan@example.org;\"Петров; Иван\"\n")
	if err != nil {
		t.Fatal(err)
	}
	ruCSV := filepath.Join(t.TempDir(), "excel.csv")
	os.WriteFile(ruCSV, []byte(ru), 0o644)
	page(t, ctx, "#import-summary", chromedp.SetUploadFiles("#import-file", []string{ruCSV}), chromedp.Click("#import-preview"),
		until(`document.querySelector('#import-summary').innerText.includes('1 rows: 1 would be added')`))
	if rows := rowsOf(t, ctx, ".preview-rows"); len(rows) != 1 || rows[0] != "2 | ivan@example.org | Петров; Иван | " {
		t.Fatalf("the preview of a Windows-1251 file with semicolons shows %q", rows)
	}

	// the clients page, one click away, shows the imported clients
	page(t, ctx, "h1", chromedp.Click(".back a"), waitRows("#clients-table", 2))
	rows := strings.Join(rowsOf(t, ctx, "#clients-table"), "\n")
	for _, want := range []string{"ann@example.org | Ann | Fair 2027", "bob@example.org | Bob | Fair 2027"} {
		mustContain(t, "the clients table", rows, want)
	}

	// the export: the file's own text, caught on its way to the download
	mustContain(t, "the export", page(t, ctx, "#clients-status", catchDownload, chromedp.Click("#clients-export"),
		until(`document.querySelector('#clients-status').innerText.includes('exported')`)), "2 clients exported")
	csvText := caughtCSV(t, ctx)
	if !strings.HasPrefix(csvText, "\ufeff\"email\",\"name\",\"comment\",\"lists\",\"unsubscribed\"\r\n") ||
		!strings.Contains(csvText, "\"ann@example.org\",\"Ann\",\"met at the fair\",\"Fair 2027\",\"false\"\r\n") {
		t.Fatalf("the exported file (it starts with a byte-order mark, for Excel):\n%q", csvText)
	}

	// one client's lists change in its edit form
	page(t, ctx, "h1",
		chromedp.Click(`#clients-table tr[data-email="bob@example.org"] td.actions button.link:not(.danger)`),
		chromedp.WaitVisible("#client-lists input"),
		chromedp.Click("#client-lists input"), // untick Fair 2027
		chromedp.Click("#client button[type=submit]"),
		// the status line is already .ok from the export: wait for bob's row itself
		until(`((r) => r != null && !r.innerText.includes('Fair 2027'))(document.querySelector('#clients-table tr[data-email="bob@example.org"]'))`),
		waitRows("#clients-table", 2))
	rows = strings.Join(rowsOf(t, ctx, "#clients-table"), "\n")
	if strings.Contains(rows, "bob@example.org | Bob | Fair 2027") || !strings.Contains(rows, "ann@example.org | Ann | Fair 2027") {
		t.Fatalf("after taking bob out of the list in his form:\n%s", rows)
	}
}

// The whole path in one go, as a newcomer walks it: sign up in the
// form, confirm from the mail, log in, import clients from a CSV file,
// write a mailing whose window opens now, run `postrider dispatch`, and
// find the deliveries on the mailing's page and on the logs page; the mail
// reached the SMTP server; another user finds none of it on any page.
func TestBrowserNewcomerSendsAFirstMailing(t *testing.T) {
	ctx := browser(t)
	smtp := smtptest.Start(t)
	in := serve(t, map[string]string{"POSTRIDER_SMTP_HOST": smtp.Host, "POSTRIDER_SMTP_PORT": strconv.Itoa(smtp.Port), "POSTRIDER_SMTP_TLS": "none"})
	in.smtp = smtp
	const email = "first@example.com"

	page(t, ctx, "h1", steps(
		chromedp.Navigate(in.url+"/signup"), chromedp.WaitVisible("#signup-email"),
		fill(map[string]string{"signup-email": email, "signup-password": "a long password", "signup-passwordConfirm": "a long password", "signup-name": "First"}),
		chromedp.Click("#signup button[type=submit]"), chromedp.WaitVisible("#signup-status.ok"))...)
	link := linkIn(t, smtp.WaitFor(t, 1, 30*time.Second)[0].Data)
	page(t, ctx, "#status", chromedp.Navigate(link), chromedp.WaitVisible("#status.ok"))
	logInAs(t, ctx, in, email)

	csv := filepath.Join(t.TempDir(), "clients.csv")
	os.WriteFile(csv, []byte("email,name\nc1@example.org,One\nc2@example.org,Two\n"), 0o644)
	page(t, ctx, "#import-summary", chromedp.Navigate(in.url+"/clients/import"), chromedp.WaitVisible("#import-file"),
		chromedp.SetUploadFiles("#import-file", []string{csv}), chromedp.Click("#import-go"),
		until(`document.querySelector('#import-summary')?.innerText.includes('2 added')`))

	tokyo, _ := time.LoadLocation("Asia/Tokyo") // the browser's zone, which the sign-up made the user's
	now := time.Now().In(tokyo)
	page(t, ctx, "h1", steps(
		chromedp.Navigate(in.url+"/mailings"), chromedp.WaitVisible("#new-mailing"), chromedp.Click("#new-mailing"),
		chromedp.WaitVisible(".window"),
		fill(map[string]string{"mailing-subject": "First news"}),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Our first letter."),
		// both clients picked by hand through the search
		chromedp.SendKeys("#pick-search", "example.org"), chromedp.WaitVisible("#pick-results button"),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('#pick-results button').forEach(b => b.click())`),
		until(`document.querySelector('#mailing-reach').innerText.includes('Recipients now: 2.')`),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const w = document.querySelector('.window');
			w.querySelector('[name=starts_at]').value = %q; w.querySelector('[name=ends_at]').value = %q; })()`,
			now.Format("2006-01-02T15:04"), now.Add(time.Hour).Format("2006-01-02T15:04"))),
		chromedp.Click("#mailing button[type=submit]"), chromedp.WaitVisible("#mailing-preview"))...)

	// the window opened this minute: the server sends it at once, by
	// itself, and the page left open shows the run
	page(t, ctx, "h1", waitRows("#runs-table", 1),
		until(`document.querySelector('#runs-table').innerText.includes('2 sent')`), waitRows("#log-table", 2))
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/logs"), waitRows("#logs-table", 2))
	got := map[string]bool{}
	for _, m := range smtp.Messages() {
		if smtptest.ReadMail(t, m.Data).Subject == "First news" {
			got[m.To[0]] = true
		}
	}
	if len(got) != 2 || !got["c1@example.org"] || !got["c2@example.org"] {
		t.Fatalf("the SMTP server got the mailing for %v", got)
	}

	confirmedUser(t, in, "second@example.com")
	page(t, ctx, "h1", chromedp.Click("#logout"), chromedp.WaitVisible(`#header a[href="/login"]`))
	logInAs(t, ctx, in, "second@example.com")
	for path, table := range map[string]string{"/clients": "#clients-table", "/lists": "#lists-table", "/mailings": "#mailings-table", "/logs": "#logs-table"} {
		page(t, ctx, "h1", chromedp.Navigate(in.url+path), waitRows(table, 0))
		if text := page(t, ctx, "body"); strings.Contains(text, "First news") || strings.Contains(text, "c1@example.org") {
			t.Fatalf("%s shows the first user's data to the second:\n%s", path, text)
		}
	}
}

// A forgotten password is reset from the mailed link; the profile refuses
// an unknown time zone beside its field and keeps a good one.
func TestBrowserPasswordResetAndProfile(t *testing.T) {
	ctx := browser(t)
	smtp := smtptest.Start(t)
	in := serve(t, map[string]string{"POSTRIDER_SMTP_HOST": smtp.Host, "POSTRIDER_SMTP_PORT": strconv.Itoa(smtp.Port), "POSTRIDER_SMTP_TLS": "none"})
	in.smtp = smtp
	confirmedUser(t, in, "forgetful@example.com")
	before := len(smtp.Messages())

	page(t, ctx, "#forgot-status", steps(chromedp.Navigate(in.url+"/forgot"), chromedp.WaitVisible("#forgot-email"),
		fill(map[string]string{"forgot-email": "forgetful@example.com"}), chromedp.Click("#forgot button[type=submit]"),
		chromedp.WaitVisible("#forgot-status.ok"))...)
	msgs := smtp.WaitFor(t, before+1, 30*time.Second)
	text := smtptest.ReadMail(t, msgs[len(msgs)-1].Data).Parts["text/plain"]
	i := strings.Index(text, "/reset-password?token=")
	if i < 0 {
		t.Fatalf("no reset link in the mail:\n%s", text)
	}
	resetLink := in.url + strings.Fields(text[i:])[0]
	resetLink = strings.TrimRight(resetLink, ")")
	page(t, ctx, "#reset-status", steps(chromedp.Navigate(resetLink), chromedp.WaitVisible("#reset-password"),
		fill(map[string]string{"reset-password": "a brand new password", "reset-passwordConfirm": "a brand new password"}),
		chromedp.Click("#reset button[type=submit]"), chromedp.WaitVisible("#reset-status.ok"))...)
	in.must(200, "POST", "/api/collections/users/auth-with-password", "", map[string]any{"identity": "forgetful@example.com", "password": "a brand new password"})

	page(t, ctx, "h1", steps(chromedp.Navigate(in.url+"/login"), chromedp.WaitVisible("#login-identity"),
		fill(map[string]string{"login-identity": "forgetful@example.com", "login-password": "a brand new password"}),
		chromedp.Click("#login button[type=submit]"), chromedp.WaitVisible("#logout"))...)
	msg := page(t, ctx, "#profile-timezone-error", steps(chromedp.Navigate(in.url+"/profile"), chromedp.WaitVisible("#profile-timezone"),
		fill(map[string]string{"profile-timezone": "Mars/Olympus"}), chromedp.Click("#profile button[type=submit]"),
		chromedp.WaitVisible("#profile-timezone-error"))...)
	mustContain(t, "an unknown time zone", msg, "Unknown time zone")
	page(t, ctx, "#profile-status", steps(fill(map[string]string{"profile-timezone": "Europe/Moscow"}),
		chromedp.Click("#profile button[type=submit]"), chromedp.WaitVisible("#profile-status.ok"))...)
	var auth struct{ Record struct{ Timezone string } }
	in.call("POST", "/api/collections/users/auth-with-password", "", map[string]any{"identity": "forgetful@example.com", "password": "a brand new password"}, &auth)
	if auth.Record.Timezone != "Europe/Moscow" {
		t.Fatalf("the time zone is %q after saving Europe/Moscow", auth.Record.Timezone)
	}
}

// A mailing body is HTML from a user: its page shows it sanitized, so that
// script in it never runs.
func TestBrowserSanitizesAMailingBody(t *testing.T) {
	ctx := browser(t)
	in := serve(t, nil)
	token := confirmedUser(t, in, "tricky@example.com")
	list := in.must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Friends"})
	m := in.must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "Tricky", "lists": []any{list["id"]},
		"body": `<p>Hello <b>there</b></p><img src="x" onerror="window.pwned=1"><script>window.pwned=2</script>` +
			`<a href="javascript:window.pwned=3">click</a><iframe src="/"></iframe>`,
	})
	logInAs(t, ctx, in, "tricky@example.com")
	page(t, ctx, "#mailing-preview", chromedp.Navigate(in.url+"/mailing?id="+m["id"].(string)), chromedp.WaitVisible("#mailing-preview b"))
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#mailing-preview').innerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"onerror", "<script", "javascript:", "<iframe"} {
		if strings.Contains(html, bad) {
			t.Errorf("the preview keeps %q: %s", bad, html)
		}
	}
	if !strings.Contains(html, "<b>there</b>") {
		t.Errorf("the preview lost the harmless formatting: %s", html)
	}
	pwned, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.pwned !== undefined`))
	if err != nil || pwned {
		t.Fatalf("script from the body ran (%v)", err)
	}
}

// The remaining forms refuse bad input beside the field too: the
// forgotten-password request, the reset, the password change, the import.
func TestBrowserMoreFormsRefuseBadInputBesideTheField(t *testing.T) {
	ctx := browser(t)
	in := serve(t, nil)
	confirmedUser(t, in, "careful@example.com")

	msg := page(t, ctx, "#forgot-email-error", steps(chromedp.Navigate(in.url+"/forgot"), chromedp.WaitVisible("#forgot-email"),
		fill(map[string]string{"forgot-email": "not an email"}), chromedp.Click("#forgot button[type=submit]"),
		chromedp.WaitVisible("#forgot-email-error"))...)
	mustContain(t, "a bad address to reset", msg, "email address")

	msg = page(t, ctx, "#reset-passwordConfirm-error", steps(chromedp.Navigate(in.url+"/reset-password?token=whatever"),
		chromedp.WaitVisible("#reset-password"),
		fill(map[string]string{"reset-password": "a long password", "reset-passwordConfirm": "another one"}),
		chromedp.Click("#reset button[type=submit]"), chromedp.WaitVisible("#reset-passwordConfirm-error"))...)
	mustContain(t, "two different new passwords", msg, "differ")
	status := page(t, ctx, "#reset-status", steps(
		fill(map[string]string{"reset-password": "a long password", "reset-passwordConfirm": "a long password"}),
		chromedp.Click("#reset button[type=submit]"), chromedp.WaitVisible("#reset-status.err"))...)
	mustContain(t, "a reset with a bad token", status, "invalid or has expired")

	logInAs(t, ctx, in, "careful@example.com")
	msg = page(t, ctx, "#password-oldPassword-error", steps(chromedp.Navigate(in.url+"/profile"), chromedp.WaitVisible("#password-oldPassword"),
		fill(map[string]string{"password-oldPassword": "not my password", "password-password": "a newer password", "password-passwordConfirm": "a newer password"}),
		chromedp.Click("#password button[type=submit]"), chromedp.WaitVisible("#password-oldPassword-error"))...)
	if msg == "" {
		t.Fatal("a wrong current password got no message beside it")
	}
	in.must(200, "POST", "/api/collections/users/auth-with-password", "", map[string]any{"identity": "careful@example.com", "password": "a long password"})

	msg = page(t, ctx, "#import-file-error", chromedp.Navigate(in.url+"/clients/import"), chromedp.WaitVisible("#import-go"),
		chromedp.Click("#import-go"), chromedp.WaitVisible("#import-file-error"))
	mustContain(t, "an import without a file", msg, "Choose a CSV file")
}

// The owner of a mailing whose window opened minutes ago edits it: the
// form sends only what changed, so the window's start (now in the past)
// does not count as moved and the save goes through.
func TestBrowserEditsAMailingThatHasStarted(t *testing.T) {
	dir, due := seeded(t, 3)
	// the window stays as it was seeded: nothing sends it meanwhile
	in := serve(t, map[string]string{"POSTRIDER_DISPATCH_CRON": "off"}, dataDirFiles(t, dir, "pb_data"))
	auth := in.must(200, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": seed.OwnerEmail, "password": seed.OwnerPassword})
	token, _ := auth["token"].(string)
	window := func() map[string]any {
		return in.must(200, "GET", "/api/collections/schedules/records/"+due.Schedule, token, nil)
	}
	before := window()

	ctx := browser(t)
	page(t, ctx, "h1", steps(logIn(in, seed.OwnerEmail, seed.OwnerPassword),
		chromedp.Navigate(in.url+"/mailings/edit?id="+due.Mailing), chromedp.WaitVisible(".window"),
		until(`document.querySelector('#mailing-subject').value === 'Seeded mailing'`),
		// the form is whole once the reach line answers (it moves the Save button)
		until(`document.querySelector('#mailing-reach').innerText.includes('Recipients now: 3.')`))...)

	// a new subject and a later end for the window
	heading := page(t, ctx, "h1", steps(
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { document.querySelector('#mailing-subject').value = 'Seeded mailing, revised';
			document.querySelector('.window [name=ends_at]').value = %q; })()`, time.Now().UTC().Add(3*time.Hour).Format("2006-01-02T15:04"))),
		chromedp.Click("#mailing button[type=submit]"), chromedp.WaitVisible("#mailing-preview"))...)
	mustContain(t, "the mailing's page after the save", heading, "Seeded mailing, revised")

	after := window()
	if after["starts_at"] != before["starts_at"] {
		t.Errorf("the window's start moved from %v to %v", before["starts_at"], after["starts_at"])
	}
	if after["ends_at"] == before["ends_at"] {
		t.Errorf("the window's end stayed %v", after["ends_at"])
	}
}
