package mailings

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

var unsubscribeHref = regexp.MustCompile(`href="(http[^"]*/unsubscribe/[^"]+)"`)

// A recipient's message names them, and its unsubscribe link opens a page
// that names the sender and the mailing and unsubscribes no one until its
// button is pressed; the undo subscribes again, and the button unsubscribes
// again; the owner's clients table then says since when.
func TestBrowserUnsubscribesFromTheLinkInAMessage(t *testing.T) {
	ctx := e2e.Browser(t)
	smtp := smtptest.Start(t)
	env := map[string]string{
		"POSTRIDER_SMTP_HOST": smtp.Host, "POSTRIDER_SMTP_PORT": strconv.Itoa(smtp.Port), "POSTRIDER_SMTP_TLS": "none",
		"POSTRIDER_SENDER_ADDRESS": "news@postrider.test", "POSTRIDER_SENDER_NAME": "Acme, Inc.",
		// the test sends with `postrider dispatch` when it chooses
		"POSTRIDER_DISPATCH_CRON": "off",
	}
	in := e2e.Serve(t, env)
	in.SMTP = smtp
	token := e2e.ConfirmedUser(t, in, "owner@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{
		"email": "anna@example.org", "name": "Анна Ли", "lists": []any{list["id"]}})
	m := in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "News for {{first_name|you}}", "body": "<p>Hello, {{name|friend}}!</p>", "lists": []any{list["id"]}})
	start := time.Now().UTC()
	in.Must(200, "POST", "/api/collections/schedules/records", token, map[string]any{
		"mailing": m["id"], "starts_at": start.Format("2006-01-02 15:04:05.000Z"),
		"ends_at": start.Add(48 * time.Hour).Format("2006-01-02 15:04:05.000Z"), "period": "daily"})
	out, err := e2e.Run(t, env, "dispatch", "--dev=false", "--dir", in.DataDir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "sent 1") {
		t.Fatalf("postrider dispatch: %v\n%s", err, out)
	}

	var link string
	for _, msg := range smtp.Messages() {
		mail := smtptest.ReadMail(t, msg.Data)
		if !strings.HasPrefix(mail.Subject, "News for") {
			continue // the account's own mails
		}
		e2e.MustContain(t, "the subject", mail.Subject, "News for Анна")
		e2e.MustContain(t, "the greeting", mail.Parts["text/html"], "Hello, Анна Ли!")
		if found := unsubscribeHref.FindStringSubmatch(mail.Parts["text/html"]); found != nil {
			link = found[1]
		}
		if link == "" || strings.Trim(mail.Header.Get("List-Unsubscribe"), "<>") != link {
			t.Fatalf("the link %q and List-Unsubscribe %q", link, mail.Header.Get("List-Unsubscribe"))
		}
	}
	if !strings.HasPrefix(link, in.URL+"/unsubscribe/") {
		t.Fatalf("no unsubscribe link to %s in the message: %q", in.URL, link)
	}

	// opening the link (as a link scanner does) changes nothing
	e2e.MustContain(t, "the page", e2e.Page(t, ctx, "#message", chromedp.Navigate(link), chromedp.WaitVisible("#message")), "Unsubscribe from this sender")
	e2e.MustContain(t, "the sender", e2e.Page(t, ctx, "#sender"), "owner via Acme, Inc.")
	e2e.MustContain(t, "the mailing", e2e.Page(t, ctx, "#mailing"), "News for Анна")
	e2e.CheckAxe(t, ctx, "the unsubscribe page")
	if c := in.Must(200, "GET", "/api/collections/clients/records", token, nil)["items"].([]any)[0].(map[string]any); c["unsubscribed"] != false {
		t.Fatalf("opening the link unsubscribed the client: %v", c)
	}
	// the button is a form: the click loads the answer page, then it is read
	if err := chromedp.Do(ctx, chromedp.Click("form button[type=submit]")); err != nil {
		t.Fatalf("clicking unsubscribe: %v", err)
	}
	e2e.AfterFormPost(t, ctx, `document.querySelector('#message')?.innerText.includes('You are unsubscribed') === true`)
	e2e.CheckAxe(t, ctx, "the unsubscribed page")
	if err := chromedp.Do(ctx, chromedp.Click("form button[type=submit]")); err != nil {
		t.Fatalf("clicking the undo: %v", err)
	}
	e2e.AfterFormPost(t, ctx, `document.querySelector('#message')?.innerText.includes('subscribed again') === true`)
	e2e.MustContain(t, "the undo", e2e.Page(t, ctx, "#message"), "You are subscribed again")
	e2e.Page(t, ctx, "#message", chromedp.Navigate(link), e2e.Until(`document.querySelector('#message')?.innerText.includes('Unsubscribe from this sender')`))
	if err := chromedp.Do(ctx, chromedp.Click("form button[type=submit]")); err != nil {
		t.Fatalf("clicking unsubscribe again: %v", err)
	}
	e2e.AfterFormPost(t, ctx, `document.querySelector('#message')?.innerText.includes('You are unsubscribed') === true`)

	e2e.LogInAs(t, ctx, in, "owner@example.com")
	row := e2e.Page(t, ctx, "#clients-table tbody", chromedp.Navigate(in.URL+"/clients"), e2e.WaitRows("#clients-table", 1),
		e2e.Until(`document.querySelector('#clients-table tbody').innerText.includes('Unsubscribed on')`))
	e2e.MustContain(t, "the client's row", row, "Unsubscribed on "+time.Now().Format("January"))

	// the editor's sanitizer keeps a link to the placeholder, as the server does
	e2e.Page(t, ctx, "h1", chromedp.Evaluate[chromedp.Void](`import('/js/sanitize.js').then((m) => {
		window.cleaned = m.cleanBody('<a href="{{unsubscribe_url}}">Leave</a><script>alert(1)</script>'); })`),
		e2e.Until(`window.cleaned !== undefined`))
	cleaned, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.cleaned`))
	if err != nil || cleaned != `<a href="{{unsubscribe_url}}">Leave</a>` {
		t.Errorf("the editor cleans the link to %q (%v)", cleaned, err)
	}
}
