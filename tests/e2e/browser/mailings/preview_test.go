package main

// A mailing's Preview in the browser: the message as a chosen recipient
// gets it, on the mailing's page and in its form before saving; "Send a
// test" to the owner alone, a few a minute, in English and Russian; and
// the section on a phone.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"postrider/internal/smtptest"
)

// previewed waits until the preview prefix shows a subject containing want.
func previewed(prefix, want string) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`document.querySelector('#%s-subject')?.textContent.includes(%q) &&
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
	ctx := browser(t)
	in := serve(t, nil)
	token := confirmedUser(t, in, "previewer@example.com")
	list := in.must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	for email, name := range map[string]string{"a@example.org": "Анна Петрова", "b@example.org": "Boris Lee", "c@example.org": ""} {
		in.must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": email, "name": name, "lists": []any{list["id"]}})
	}
	m := in.must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "Hello {{first_name|there}}", "body": "<p>Dear {{name|friend}}, <b>news</b>.</p>", "lists": []any{list["id"]}})
	id := m["id"].(string)
	logInAs(t, ctx, in, "previewer@example.com")

	page(t, ctx, "h1", chromedp.Navigate(in.url+"/mailing?id="+id), previewed("preview", "Hello Анна"))
	mustContain(t, "the heading", page(t, ctx, "#preview-heading"), "Preview")
	screenshot(t, ctx, "mailing-preview.png")
	mustContain(t, "the recipient picked first", jsString(t, ctx, `document.querySelector('#preview-client').selectedOptions[0].text`), "Анна Петрова <a@example.org>")
	mustContain(t, "the HTML", page(t, ctx, "#mailing-preview"), "Dear Анна Петрова, news.")
	if html := jsString(t, ctx, `document.querySelector('#mailing-preview').innerHTML`); !strings.Contains(html, "<b>news</b>") || !strings.Contains(html, "/unsubscribe/preview") {
		t.Errorf("the HTML lost its formatting or its inert unsubscribe link: %s", html)
	}
	text := page(t, ctx, "#preview-text", chromedp.Click("#preview-tab-text"), chromedp.WaitVisible("#preview-text"), chromedp.WaitNotVisible("#mailing-preview"))
	mustContain(t, "the plain text", text, "Dear Анна Петрова, news.")
	if sel := jsString(t, ctx, `document.querySelector('#preview-tab-text').getAttribute('aria-selected')`); sel != "true" {
		t.Errorf("the plain-text tab is not marked selected (%s)", sel)
	}

	page(t, ctx, "h1", pickRecipient("preview", "Boris"), previewed("preview", "Hello Boris"))
	mustContain(t, "the plain text for Boris", page(t, ctx, "#preview-text"), "Dear Boris Lee, news.")
	// the arrow keys switch the tabs too
	page(t, ctx, "h1", chromedp.Focus("#preview-tab-text"), chromedp.KeyEvent(kb.ArrowRight), chromedp.WaitVisible("#mailing-preview"),
		until(`document.activeElement.id === 'preview-tab-html'`))
	mustContain(t, "the HTML for Boris", page(t, ctx, "#mailing-preview"), "Dear Boris Lee, news.")
	page(t, ctx, "h1", pickRecipient("preview", "c@example.org"), previewed("preview", "Hello there"))
	mustContain(t, "the fallback", page(t, ctx, "#mailing-preview"), "Dear friend, news.")

	// the form previews the edit before it is saved, and saves nothing
	page(t, ctx, "h1", steps(chromedp.Navigate(in.url+"/mailings/edit?id="+id),
		chromedp.WaitVisible("#mailing-lists input"),
		fill(map[string]string{"mailing-subject": "Hi {{name}}!"}),
		chromedp.Click("#draft-preview-show"), previewed("draft-preview", "Hi Анна Петрова!"))...)
	mustContain(t, "the draft's body", page(t, ctx, "#draft-preview-html"), "Dear Анна Петрова, news.")
	page(t, ctx, "h1", pickRecipient("draft-preview", "Boris"), previewed("draft-preview", "Hi Boris Lee!"))
	if saved := in.must(200, "GET", "/api/collections/mailings/records/"+id, token, nil); saved["subject"] != "Hello {{first_name|there}}" {
		t.Fatalf("the preview saved the draft: %q", saved["subject"])
	}
	// a placeholder misspelt: said beside the subject
	page(t, ctx, "h1", steps(fill(map[string]string{"mailing-subject": "Hi {{nmae}}"}), chromedp.Click("#draft-preview-show"),
		until(`document.querySelector('#mailing-subject-error').textContent !== ''`))...)
	mustContain(t, "the subject's error", page(t, ctx, "#mailing-subject-error"), "Unknown or unclosed placeholder")

	// a new mailing, no recipients yet: the sample client
	page(t, ctx, "h1", steps(chromedp.Navigate(in.url+"/mailings/edit"), chromedp.WaitVisible(".window"),
		fill(map[string]string{"mailing-subject": "{{first_name|Friend}}, welcome"}),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Glad to see you."),
		chromedp.Click("#draft-preview-show"), previewed("draft-preview", "Anna, welcome"))...)
	mustContain(t, "the sample in the picker", page(t, ctx, "#draft-preview-client"), "A sample client")
	mustContain(t, "the new mailing's hint", page(t, ctx, "#draft-preview"), "Once the mailing is saved, its page sends you a test.")
	if n := len(records(in, token, "mailings", "")); n != 1 {
		t.Fatalf("%d mailings after previewing a new one, want 1", n)
	}
}

// "Send a test" (in Russian) sends the chosen recipient's message to the
// owner alone, over SMTP, and says to whom; the test is no delivery. The
// fourth within a minute is refused with the reason beside the button, and
// so is a test to an address no longer confirmed.
func TestBrowserSendsATestToTheOwnerOnly(t *testing.T) {
	ctx := browser(t)
	in, _, smtp := serveWithSMTP(t)
	token := confirmedUser(t, in, "owner@example.com")
	list := in.must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	in.must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "anna@example.org", "name": "Анна Ли", "lists": []any{list["id"]}})
	id := in.must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "News for {{first_name|you}}", "body": "<p>Hello, {{name|friend}}!</p>", "lists": []any{list["id"]}})["id"].(string)
	logInAs(t, ctx, in, "owner@example.com")

	page(t, ctx, "h1", chromedp.Evaluate[chromedp.Void](`localStorage.setItem('postrider.lang', 'ru')`),
		chromedp.Navigate(in.url+"/mailing?id="+id), previewed("preview", "News for Анна"),
		until(`!document.querySelector('#preview-send').disabled`))
	mustContain(t, "the heading in Russian", page(t, ctx, "#preview-heading"), "Предпросмотр")
	mustContain(t, "the button in Russian", page(t, ctx, "#preview-send"), "Отправить пробное письмо")

	mustContain(t, "the answer", sendTest(t, ctx, "ok"), "Отправлено на owner@example.com.")
	var got []smtptest.Message
	deadline := time.Now().Add(90 * time.Second)
	for len(got) == 0 && time.Now().Before(deadline) {
		for _, msg := range smtp.Messages() {
			if strings.HasPrefix(smtptest.ReadMail(t, msg.Data).Subject, "News for") {
				got = append(got, msg)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
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
	mustContain(t, "the test's subject", mail.Subject, "News for Анна")
	mustContain(t, "the test's HTML", mail.Parts["text/html"], "Hello, Анна Ли!")
	mustContain(t, "the test's text", mail.Parts["text/plain"], "Hello, Анна Ли!")
	if n := len(records(in, token, "deliveries", "")); n != 0 {
		t.Fatalf("the test logged %d deliveries", n)
	}

	// two more are allowed in the minute, the fourth is refused
	in.must(200, "POST", "/api/postrider/mailings/"+id+"/test", token, map[string]any{})
	in.must(200, "POST", "/api/postrider/mailings/"+id+"/test", token, map[string]any{})
	mustContain(t, "the fourth test", sendTest(t, ctx, "err"), "Не больше 3 пробных писем в минуту")

	// an address no longer confirmed takes no test (whatever the limit)
	in.must(200, "PATCH", "/api/collections/users/records/"+userID(t, in, token), superuserToken(t, in), map[string]any{"verified": false})
	mustContain(t, "a test to an unconfirmed address", sendTest(t, ctx, "err"), "Сначала подтвердите свой адрес почты")
}

// sendTest clicks "Send a test" and waits for the answer beside it (of
// kind ok or err), which it returns.
func sendTest(t *testing.T, ctx context.Context, kind string) string {
	t.Helper()
	return page(t, ctx, "#preview-sent", chromedp.Evaluate[chromedp.Void](`document.querySelector('#preview-send').click()`),
		until(fmt.Sprintf(`!document.querySelector('#preview-send').disabled && document.querySelector('#preview-sent.%s') !== null &&
			document.querySelector('#preview-sent').textContent !== ''`, kind)))
}

// On a phone the section folds: nothing of it, nor the page, is wider
// than the screen, with a long subject, a long address in the body, in
// HTML and in plain text, before and after a test is sent; the form's
// preview too.
func TestBrowserPreviewFoldsOnAPhone(t *testing.T) {
	ctx := browser(t)
	in, _, _ := serveWithSMTP(t)
	token := confirmedUser(t, in, "phone-owner@example.com")
	list := in.must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	in.must(200, "POST", "/api/collections/clients/records", token, map[string]any{
		"email": "a-rather-long-address-of-a-reader@example-of-a-long-domain.org", "name": "Констанция Вильгельмина Длинноимённая", "lists": []any{list["id"]}})
	long := "https://example.com/" + strings.Repeat("a-very-long-path-", 8)
	id := in.must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "A subject that goes on for a while, {{name|friend}}, " + strings.Repeat("longer ", 6),
		"body":    `<p>Dear {{name|friend}}, read ` + long + ` or <a href="` + long + `">this</a>. ` + strings.Repeat("Words go on. ", 30) + `</p>`,
		"lists":   []any{list["id"]}})["id"].(string)
	logInAs(t, ctx, in, "phone-owner@example.com")
	page(t, ctx, "h1", phone.size, chromedp.Navigate(in.url+"/mailing?id="+id), previewed("preview", "Констанция"),
		until(`!document.querySelector('#preview-send').disabled`))

	fits := func(what string) {
		t.Helper()
		wide := jsString(t, ctx, `(() => { const w = document.documentElement.clientWidth;
			const out = [...document.querySelectorAll('.mail-preview, .mail-preview *')].filter((e) => e.checkVisibility() && e.getBoundingClientRect().right > w + 0.5)
				.map((e) => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
			if (document.documentElement.scrollWidth > w) out.unshift('the page is ' + document.documentElement.scrollWidth + 'px wide');
			return out.join('; '); })()`)
		if wide != "" {
			t.Errorf("%s on a phone: wider than the screen: %s", what, wide)
		}
	}
	fits("the HTML")
	page(t, ctx, "h1", chromedp.Click("#preview-tab-text"), chromedp.WaitVisible("#preview-text"))
	fits("the plain text")
	mustContain(t, "the answer on a phone", sendTest(t, ctx, "ok"), "Sent to phone-owner@example.com.")
	fits("the answer of a test")

	page(t, ctx, "h1", chromedp.Navigate(in.url+"/mailings/edit?id="+id), chromedp.WaitVisible("#mailing-lists input"),
		chromedp.Click("#draft-preview-show"), previewed("draft-preview", "Констанция"))
	fits("the form's preview")
}
