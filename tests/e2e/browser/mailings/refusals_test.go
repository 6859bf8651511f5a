package mailings

// A refused save names everything wrong at once, not only the first part
// the server stopped at.

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
)

// A new mailing with an unknown placeholder in its subject, no one to send
// to, and two windows, the first right and the second starting in the
// past: one Save shows all three errors and saves nothing; a saved mailing
// edited the same way too.
func TestBrowserARefusedSaveShowsEveryPartsErrors(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	token := e2e.ConfirmedUser(t, in, "parts@example.com")
	e2e.LogInAs(t, ctx, in, "parts@example.com")

	now := time.Now()
	subjectRefused := e2e.Until(`document.querySelector('#mailing-subject-error').textContent.includes('Unknown or unclosed placeholder')`)
	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible(".window"),
		e2e.Fill(map[string]string{"mailing-subject": "Hello {{nickname}}"}),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Hello, readers."),
		chromedp.Click("#add-window"), e2e.Until(`document.querySelectorAll('#windows .window').length === 2`),
		setWindowN(0, now.Add(time.Hour), now.Add(25*time.Hour)),
		setWindowN(1, now.Add(-time.Hour), now.Add(25*time.Hour)),
		chromedp.Click("#mailing button[type=submit]"),
		subjectRefused,
	)...)
	// the windows' own checks answer after the mailing's: wait for the lists' error to be said
	e2e.MustContain(t, "no one to send to, refused with the subject",
		e2e.Page(t, ctx, "#mailing-lists-error", e2e.Until(`document.querySelector('#mailing-lists-error').textContent !== ''`)),
		"Choose at least one list or client")
	e2e.MustContain(t, "window 2's start in the past, refused with the subject",
		e2e.Page(t, ctx, windowField(2, "starts_at")+" ~ .field-error", e2e.Until(`document.querySelector('`+windowField(2, "starts_at")+`[aria-invalid=true]') != null`)),
		"The window cannot start in the past.")
	if bad := e2e.Eval[string](t, ctx, `document.querySelector('`+windowField(1, "starts_at")+`').getAttribute('aria-invalid') || ''`); bad != "" {
		t.Errorf("window 1, which was right, is marked wrong")
	}
	if ms, ws, ls := records(in, token, "mailings", ""), records(in, token, "schedules", ""), records(in, token, "lists", ""); len(ms)+len(ws)+len(ls) != 0 {
		t.Fatalf("a refused save left %d mailings, %d windows and %d lists behind", len(ms), len(ws), len(ls))
	}

	// fixed: it saves, both windows with it
	in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Reload(), chromedp.WaitVisible(".window"), chromedp.WaitVisible("#mailing-lists input"),
		e2e.Fill(map[string]string{"mailing-subject": "Hello {{first_name|you}}"}),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Hello, readers."),
		chromedp.Click(`#mailing-lists input[type=checkbox]`),
		e2e.Until(`document.querySelector('#mailing-reach.warn') != null`),
		chromedp.Click("#add-window"), e2e.Until(`document.querySelectorAll('#windows .window').length === 2`),
		setWindowN(0, now.Add(time.Hour), now.Add(25*time.Hour)),
		setWindowN(1, now.Add(2*time.Hour), now.Add(26*time.Hour)),
		chromedp.Click("#mailing button[type=submit]"), chromedp.WaitVisible("#mailing-preview"))...)
	ms := records(in, token, "mailings", "")
	if len(ms) != 1 || len(records(in, token, "schedules", "")) != 2 {
		t.Fatalf("after the fix: %d mailings, %d windows, want 1 and 2", len(ms), len(records(in, token, "schedules", "")))
	}

	// the edit: a bad subject again, and window 2 ending before it starts
	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Navigate(in.URL+"/mailings/edit?id="+ms[0]["id"].(string)),
		e2e.Until(`document.querySelectorAll('#windows .window').length === 2 && document.querySelector('#mailing-subject').value !== ''`),
		e2e.Fill(map[string]string{"mailing-subject": "Hello {{nickname}}"}),
		setWindowN(1, now.Add(5*time.Hour), now.Add(3*time.Hour)),
		chromedp.Click("#mailing button[type=submit]"),
		subjectRefused,
	)...)
	e2e.MustContain(t, "window 2's end, refused with the subject",
		e2e.Page(t, ctx, windowField(2, "ends_at")+" ~ .field-error", e2e.Until(`document.querySelector('`+windowField(2, "ends_at")+`[aria-invalid=true]') != null`)),
		"The window must end after it starts.")
	if m := records(in, token, "mailings", "")[0]; m["subject"] != "Hello {{first_name|you}}" {
		t.Errorf("a refused edit changed the subject to %q", m["subject"])
	}
}
