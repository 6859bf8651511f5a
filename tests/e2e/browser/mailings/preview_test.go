package mailings

// A mailing's Preview in the browser: the message as a chosen recipient
// gets it, on the mailing's page and in its form before saving; "Send a
// test" to the owner alone, a few a minute, in English and Russian; and
// the section on a phone.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// previewed waits until the preview prefix shows a subject containing want.
func previewed(prefix, want string) chromedp.Action[chromedp.Void] {
	return e2e.Until(fmt.Sprintf(`document.querySelector('#%s-subject')?.textContent.includes(%q) &&
		!document.querySelector('#%s-view').hidden`, prefix, want, prefix))
}

// pickRecipient chooses the preview's recipient by the option's text.
func pickRecipient(prefix, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector('#%s-client');
		s.value = [...s.options].find((o) => o.text.includes(%q)).value; s.dispatchEvent(new Event('change')); })()`, prefix, text))
}

// The mailing's page shows the message as its first recipient gets it,
// placeholders filled (fallbacks for an empty name), as HTML or plain text;
// picking another recipient changes it. The form previews what is typed
// before it is saved, saving nothing, and says beside the subject what is
// wrong with a placeholder; a new mailing with no recipients yet shows the
// sample client.
func TestBrowserPreviewShowsTheChosenRecipient(t *testing.T) {
	ctx := e2e.Browser(t)
	in := e2e.Serve(t, nil)
	token := e2e.ConfirmedUser(t, in, "previewer@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	for email, name := range map[string]string{"a@example.org": "Анна Петрова", "b@example.org": "Boris Lee", "c@example.org": ""} {
		in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": email, "name": name, "lists": []any{list["id"]}})
	}
	m := in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "Hello {{first_name|there}}", "body": "<p>Dear {{name|friend}}, <b>news</b>.</p>", "lists": []any{list["id"]}})
	id := m["id"].(string)
	e2e.LogInAs(t, ctx, in, "previewer@example.com")

	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailing?id="+id), previewed("preview", "Hello Анна"))
	e2e.MustContain(t, "the heading", e2e.Page(t, ctx, "#preview-heading"), "Preview")
	e2e.Screenshot(t, ctx, "mailing-preview.png")
	e2e.MustContain(t, "the recipient picked first", e2e.Eval[string](t, ctx, `document.querySelector('#preview-client').selectedOptions[0].text`), "Анна Петрова <a@example.org>")
	e2e.MustContain(t, "the HTML", e2e.Page(t, ctx, "#mailing-preview"), "Dear Анна Петрова, news.")
	if html := e2e.Eval[string](t, ctx, `document.querySelector('#mailing-preview').innerHTML`); !strings.Contains(html, "<b>news</b>") || !strings.Contains(html, "/unsubscribe/preview") {
		t.Errorf("the HTML lost its formatting or its inert unsubscribe link: %s", html)
	}
	text := e2e.Page(t, ctx, "#preview-text", chromedp.Click("#preview-tab-text"), chromedp.WaitVisible("#preview-text"), chromedp.WaitNotVisible("#mailing-preview"))
	e2e.MustContain(t, "the plain text", text, "Dear Анна Петрова, news.")
	if sel := e2e.Eval[string](t, ctx, `document.querySelector('#preview-tab-text').getAttribute('aria-selected')`); sel != "true" {
		t.Errorf("the plain-text tab is not marked selected (%s)", sel)
	}

	e2e.Page(t, ctx, "h1", pickRecipient("preview", "Boris"), previewed("preview", "Hello Boris"))
	e2e.MustContain(t, "the plain text for Boris", e2e.Page(t, ctx, "#preview-text"), "Dear Boris Lee, news.")
	// the arrow keys switch the tabs too
	e2e.Page(t, ctx, "h1", chromedp.Focus("#preview-tab-text"), chromedp.KeyEvent(kb.ArrowRight), chromedp.WaitVisible("#mailing-preview"),
		e2e.Until(`document.activeElement.id === 'preview-tab-html'`))
	e2e.MustContain(t, "the HTML for Boris", e2e.Page(t, ctx, "#mailing-preview"), "Dear Boris Lee, news.")
	e2e.Page(t, ctx, "h1", pickRecipient("preview", "c@example.org"), previewed("preview", "Hello there"))
	e2e.MustContain(t, "the fallback", e2e.Page(t, ctx, "#mailing-preview"), "Dear friend, news.")

	// the form previews the edit before it is saved, and saves nothing
	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Navigate(in.URL+"/mailings/edit?id="+id),
		chromedp.WaitVisible("#mailing-lists input"),
		e2e.Fill(map[string]string{"mailing-subject": "Hi {{name}}!"}),
		chromedp.Click("#draft-preview-show"), previewed("draft-preview", "Hi Анна Петрова!"))...)
	e2e.MustContain(t, "the draft's body", e2e.Page(t, ctx, "#draft-preview-html"), "Dear Анна Петрова, news.")
	e2e.Page(t, ctx, "h1", pickRecipient("draft-preview", "Boris"), previewed("draft-preview", "Hi Boris Lee!"))
	if saved := in.Must(200, "GET", "/api/collections/mailings/records/"+id, token, nil); saved["subject"] != "Hello {{first_name|there}}" {
		t.Fatalf("the preview saved the draft: %q", saved["subject"])
	}
	// a placeholder misspelt: said beside the subject
	e2e.Page(t, ctx, "h1", e2e.Steps(e2e.Fill(map[string]string{"mailing-subject": "Hi {{nmae}}"}), chromedp.Click("#draft-preview-show"),
		e2e.Until(`document.querySelector('#mailing-subject-error').textContent !== ''`))...)
	e2e.MustContain(t, "the subject's error", e2e.Page(t, ctx, "#mailing-subject-error"), "Unknown or unclosed placeholder")

	// a new mailing, no recipients yet: the sample client
	e2e.Page(t, ctx, "h1", e2e.Steps(chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible(".window"),
		e2e.Fill(map[string]string{"mailing-subject": "{{first_name|Friend}}, welcome"}),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Glad to see you."),
		chromedp.Click("#draft-preview-show"), previewed("draft-preview", "Anna, welcome"))...)
	e2e.MustContain(t, "the sample in the picker", e2e.Page(t, ctx, "#draft-preview-client"), "A sample client")
	e2e.MustContain(t, "the new mailing's hint", e2e.Page(t, ctx, "#draft-preview"), "Once the mailing is saved, its page sends you a test.")
	if n := len(records(in, token, "mailings", "")); n != 1 {
		t.Fatalf("%d mailings after previewing a new one, want 1", n)
	}
}

// "Send a test" (in Russian) sends the chosen recipient's message to the
// owner alone, over SMTP, and says to whom; the test is no delivery. The
// fourth within a minute is refused with the reason beside the button, and
// so is a test to an address no longer confirmed.
func TestBrowserSendsATestToTheOwnerOnly(t *testing.T) {
	ctx := e2e.Browser(t)
	in, _, smtp := e2e.ServeWithSMTP(t)
	token := e2e.ConfirmedUser(t, in, "owner@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "anna@example.org", "name": "Анна Ли", "lists": []any{list["id"]}})
	id := in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "News for {{first_name|you}}", "body": "<p>Hello, {{name|friend}}!</p>", "lists": []any{list["id"]}})["id"].(string)
	e2e.LogInAs(t, ctx, in, "owner@example.com")

	e2e.Page(t, ctx, "h1", chromedp.Evaluate[chromedp.Void](`localStorage.setItem('postrider.lang', 'ru')`),
		chromedp.Navigate(in.URL+"/mailing?id="+id), previewed("preview", "News for Анна"),
		e2e.Until(`!document.querySelector('#preview-send').disabled`))
	e2e.MustContain(t, "the heading in Russian", e2e.Page(t, ctx, "#preview-heading"), "Предпросмотр")
	e2e.MustContain(t, "the button in Russian", e2e.Page(t, ctx, "#preview-send"), "Отправить пробное письмо")

	e2e.MustContain(t, "the answer", sendTest(t, ctx, "ok"), "Отправлено на owner@example.com.")
	var got []smtptest.Message
	e2e.Eventually(t, 90*time.Second, func() error {
		for _, msg := range smtp.Messages() {
			if strings.HasPrefix(smtptest.ReadMail(t, msg.Data).Subject, "News for") {
				got = append(got, msg)
			}
		}
		if len(got) == 0 {
			return errors.New("no test message arrived")
		}
		return nil
	})
	if len(got) != 1 {
		t.Fatalf("%d test messages arrived, want 1", len(got))
	}
	mail := smtptest.ReadMail(t, got[0].Data)
	if len(got[0].To) != 1 || got[0].To[0] != "owner@example.com" || !strings.Contains(mail.Header.Get("To"), "owner@example.com") ||
		mail.Header.Get("Cc") != "" || mail.Header.Get("Bcc") != "" {
		t.Fatalf("the test went to %v (To: %q, Cc: %q)", got[0].To, mail.Header.Get("To"), mail.Header.Get("Cc"))
	}
	if smtp.PerRecipient()["anna@example.org"] != 0 {
		t.Fatal("the recipient got the owner's test")
	}
	e2e.MustContain(t, "the test's subject", mail.Subject, "News for Анна")
	e2e.MustContain(t, "the test's HTML", mail.Parts["text/html"], "Hello, Анна Ли!")
	e2e.MustContain(t, "the test's text", mail.Parts["text/plain"], "Hello, Анна Ли!")
	if n := len(records(in, token, "deliveries", "")); n != 0 {
		t.Fatalf("the test logged %d deliveries", n)
	}

	// two more are allowed in the minute, the fourth is refused
	in.Must(200, "POST", "/api/postrider/mailings/"+id+"/test", token, map[string]any{})
	in.Must(200, "POST", "/api/postrider/mailings/"+id+"/test", token, map[string]any{})
	e2e.MustContain(t, "the fourth test", sendTest(t, ctx, "err"), "Не больше 3 пробных писем в минуту")

	// an address no longer confirmed takes no test (whatever the limit)
	in.Must(200, "PATCH", "/api/collections/users/records/"+e2e.UserID(t, in, token), e2e.SuperuserToken(t, in), map[string]any{"verified": false})
	e2e.MustContain(t, "a test to an unconfirmed address", sendTest(t, ctx, "err"), "Сначала подтвердите свой адрес почты")
}

// sendTest clicks "Send a test" and waits for the answer beside it (of
// kind ok or err), which it returns.
func sendTest(t *testing.T, ctx context.Context, kind string) string {
	t.Helper()
	return e2e.Page(t, ctx, "#preview-sent", chromedp.Evaluate[chromedp.Void](`document.querySelector('#preview-send').click()`),
		e2e.Until(fmt.Sprintf(`!document.querySelector('#preview-send').disabled && document.querySelector('#preview-sent.%s') !== null &&
			document.querySelector('#preview-sent').textContent !== ''`, kind)))
}

// On a phone the section folds: nothing of it, nor the page, is wider
// than the screen, with a long subject, a long address in the body, in
// HTML and in plain text, before and after a test is sent; the form's
// preview too.
func TestBrowserPreviewFoldsOnAPhone(t *testing.T) {
	ctx := e2e.Browser(t)
	in, _, _ := e2e.ServeWithSMTP(t)
	token := e2e.ConfirmedUser(t, in, "phone-owner@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{
		"email": "a-rather-long-address-of-a-reader@example-of-a-long-domain.org", "name": "Констанция Вильгельмина Длинноимённая", "lists": []any{list["id"]}})
	long := "https://example.com/" + strings.Repeat("a-very-long-path-", 8)
	id := in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "A subject that goes on for a while, {{name|friend}}, " + strings.Repeat("longer ", 6),
		"body":    `<p>Dear {{name|friend}}, read ` + long + ` or <a href="` + long + `">this</a>. ` + strings.Repeat("Words go on. ", 30) + `</p>`,
		"lists":   []any{list["id"]}})["id"].(string)
	e2e.LogInAs(t, ctx, in, "phone-owner@example.com")
	e2e.Page(t, ctx, "h1", e2e.Phone.Size, chromedp.Navigate(in.URL+"/mailing?id="+id), previewed("preview", "Констанция"),
		e2e.Until(`!document.querySelector('#preview-send').disabled`))

	fits := func(what string) {
		t.Helper()
		wide := e2e.Eval[string](t, ctx, `(() => { const w = document.documentElement.clientWidth;
			const out = [...document.querySelectorAll('.mail-preview, .mail-preview *')].filter((e) => e.checkVisibility() && e.getBoundingClientRect().right > w + 0.5)
				.map((e) => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
			if (document.documentElement.scrollWidth > w) out.unshift('the page is ' + document.documentElement.scrollWidth + 'px wide');
			return out.join('; '); })()`)
		if wide != "" {
			t.Errorf("%s on a phone: wider than the screen: %s", what, wide)
		}
	}
	fits("the HTML")
	e2e.Page(t, ctx, "h1", chromedp.Click("#preview-tab-text"), chromedp.WaitVisible("#preview-text"))
	fits("the plain text")
	e2e.MustContain(t, "the answer on a phone", sendTest(t, ctx, "ok"), "Sent to phone-owner@example.com.")
	fits("the answer of a test")

	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings/edit?id="+id), chromedp.WaitVisible("#mailing-lists input"),
		chromedp.Click("#draft-preview-show"), previewed("draft-preview", "Констанция"))
	fits("the form's preview")
}
