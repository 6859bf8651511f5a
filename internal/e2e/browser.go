package e2e

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

// ChromiumPath finds the browser, or skips (fails under CI) when there is none.
func ChromiumPath(t *testing.T) string {
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

// Browser starts a fresh headless Chromium (its own profile, loopback only)
// and returns a tab's context, closed when the test ends.
func Browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ChromiumPath(t)),
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

// Page runs steps in the tab with a time limit, and reads the text of sel.
func Page(t *testing.T, ctx context.Context, sel string, steps ...chromedp.Action[chromedp.Void]) string {
	t.Helper()
	tab := ctx
	// generous: under CI the other packages' tests share the two cores
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("in the browser: %v\n%s", err, PageText(tab))
	}
	text, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return text
}

// PageText is what the tab shows, for a failing test's output.
func PageText(tab context.Context) string {
	ctx, cancel := context.WithTimeout(tab, 5*time.Second)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
	if err != nil {
		return "(the page cannot be read: " + err.Error() + ")"
	}
	return "the page shows:\n" + text
}

// Fill types into the inputs of a form, by id.
func Fill(values map[string]string) []chromedp.Action[chromedp.Void] {
	var steps []chromedp.Action[chromedp.Void]
	for id, v := range values {
		clear := fmt.Sprintf(`document.getElementById(%q).value = ''`, id)
		steps = append(steps, chromedp.Evaluate[chromedp.Void](clear), chromedp.SendKeys("#"+id, v))
	}
	return steps
}

// Steps flattens actions and lists of actions into one list.
func Steps(groups ...any) []chromedp.Action[chromedp.Void] {
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

// MustContain fails the test unless got, what the page says, contains want.
func MustContain(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Fatalf("%s says %q, want it to say %q", what, got, want)
	}
}

// LogInAs logs the browser in through the login form, as an account made
// by ConfirmedUser.
func LogInAs(t *testing.T, ctx context.Context, in *Instance, email string) {
	t.Helper()
	Page(t, ctx, "h1", LogIn(in, email, "a long password")...)
}

// LogIn is the login form filled and sent, until the page shows the way out.
func LogIn(in *Instance, email, password string) []chromedp.Action[chromedp.Void] {
	return Steps(
		chromedp.Navigate(in.URL+"/login"),
		chromedp.WaitVisible("#login-identity"),
		Fill(map[string]string{"login-identity": email, "login-password": password}),
		chromedp.Click("#login button[type=submit]"),
		chromedp.WaitVisible("#logout"),
	)
}

// RowsOf reads the visible rows of a table: the text of each row's cells.
func RowsOf(t *testing.T, ctx context.Context, table string) []string {
	t.Helper()
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
		`[...document.querySelectorAll('%s tbody tr')].map(r => [...r.cells].map(c => c.innerText.trim()).join(' | '))`, table)))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// WaitRows waits until the table shows n rows that are not the loading line.
func WaitRows(table string, n int) chromedp.Action[chromedp.Void] {
	return Until(fmt.Sprintf(`(() => { const b = document.querySelector('%s tbody');
		return b != null && b.querySelectorAll('tr[data-id], tr[data-email]').length === %d && !b.innerText.includes('…'); })()`, table, n))
}

// Until waits in the page (90 s at most) for a JavaScript expression to be
// true: Eventually's counterpart inside the browser.
func Until(expr string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(90*time.Second))
	return func(ctx context.Context, target *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, target)
		return chromedp.Void{}, err
	}
}

// Visible is the JavaScript expression of whether sel is shown.
func Visible(sel string) string {
	return fmt.Sprintf(`!!document.querySelector(%q)?.checkVisibility()`, sel)
}

// Screen is a size the layout is tested at.
type Screen struct {
	Name  string
	Size  chromedp.Action[chromedp.Void]
	Phone bool
}

var (
	Desktop = Screen{"desktop", chromedp.EmulateViewport(1280, 900), false}
	Phone   = Screen{"phone", chromedp.EmulateViewport(390, 844), true}
)

// Screenshot saves the page as a PNG in $POSTRIDER_SCREENSHOTS (the docs'
// pictures come from there: POSTRIDER_SCREENSHOTS=docs is the repository's
// docs folder, a relative path being taken from the repository's root);
// without it, nothing is saved.
func Screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("POSTRIDER_SCREENSHOTS")
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(Root(t), dir)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// CatchDownload makes the page keep the text of the next file it offers
// for download (a CSV export) in window.csv, byte-order mark included.
var CatchDownload = chromedp.Evaluate[chromedp.Void](`(() => { const make = URL.createObjectURL;
	URL.createObjectURL = (blob) => { delete window.csv;
		blob.arrayBuffer().then((b) => { window.csv = new TextDecoder('utf-8', { ignoreBOM: true }).decode(b); });
		return make(blob); }; })()`)

// CaughtCSV waits for the file CatchDownload caught and returns its text.
func CaughtCSV(t *testing.T, ctx context.Context) string {
	t.Helper()
	Page(t, ctx, "h1", Until(`typeof window.csv === 'string'`))
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.csv`))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// AcceptDialogs makes the page's confirm() dialogs say yes.
var AcceptDialogs = chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`)

// Eval is the value of a JavaScript expression in the tab.
func Eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// Overflowing names the shown elements of the page that reach past the
// right edge of the screen (a phone's, say), and says whether the page
// scrolls sideways; "" when nothing does.
func Overflowing(t *testing.T, ctx context.Context) string {
	t.Helper()
	return Eval[string](t, ctx, `(() => { const w = document.documentElement.clientWidth;
		const out = [...document.querySelectorAll('body *')].filter((e) => e.checkVisibility() && e.getBoundingClientRect().right > w + 0.5)
			.map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '')
				+ ' (' + Math.round(e.getBoundingClientRect().right) + ' px)');
		if (document.documentElement.scrollWidth > w) out.unshift('the page scrolls sideways (' + document.documentElement.scrollWidth + ' px)');
		return out.slice(0, 10).join(', '); })()`)
}
