package main

// Tests in a real browser: Debian's Chromium, headless, driven with
// chromedp, against the real binary. Without Chromium they skip on a
// developer's machine and fail under CI (CI=true), where .ci/run installs it.

import (
	"context"
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
