package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/smtptest"
)

var senderLink = regexp.MustCompile(`https?://\S*/senders/confirm/[A-Za-z0-9._-]+`)

// A user adds a sender on the Senders page (in Russian, on a phone), opens
// the link mailed to its address (the page changes nothing until its
// button), picks the verified sender in a mailing's form, and the
// delivered message is "Name via Service" from the service's address with
// replies to the sender's reply-to address; the list and the mailing's
// page name the sender.
func TestBrowserSenderFromAddingToTheDeliveredMessage(t *testing.T) {
	ctx := browser(t)
	smtp := smtptest.Start(t)
	env := smtpServeEnv(smtp)
	env["POSTRIDER_SENDER_NAME"] = "Postrider Test"
	in := serve(t, env)
	in.smtp = smtp
	token := confirmedUser(t, in, "writer@example.com")
	list := in.must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	in.must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "reader@example.org", "lists": []any{list["id"]}})
	logInAs(t, ctx, in, "writer@example.com")

	// the Senders page, in Russian, on a phone
	page(t, ctx, "h1", phone.size, chromedp.Navigate(in.url+"/senders"), chromedp.WaitVisible("#new-sender-name"), speak("ru"))
	mustContain(t, "the page's title in Russian", page(t, ctx, "h1"), "Отправители")
	page(t, ctx, "h1", steps(
		fill(map[string]string{"new-sender-name": "Пресс-служба", "new-sender-email": "desk@elka.example", "new-sender-reply_to": "answers@elka.example"}),
		chromedp.Click("#new-sender button[type=submit]"),
		waitRows("#senders-table", 1),
	)...)
	row := rowsOf(t, ctx, "#senders-table")[0]
	for _, want := range []string{"Пресс-служба", "desk@elka.example", "answers@elka.example", "Ждёт подтверждения", "Отправить ссылку ещё раз"} {
		mustContain(t, "the new sender's row", row, want)
	}
	mustContain(t, "what adding said", page(t, ctx, "#senders-status"), "desk@elka.example")
	if wide := eval[bool](t, ctx, `document.documentElement.scrollWidth > innerWidth`); wide {
		t.Error("the Senders page is wider than a phone")
	}
	if label := eval[string](t, ctx, `getComputedStyle(document.querySelector('#senders-table tbody tr').cells[1], '::before').content`); label != `"Эл. почта"` {
		t.Errorf("a sender's card on a phone labels its address %s", label)
	}
	screenshot(t, ctx, "phone-senders.png")

	// the link mailed to the address: its page asks, its button verifies
	var link string
	for deadline := time.Now().Add(30 * time.Second); link == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range smtp.Messages() {
			if len(m.To) == 1 && m.To[0] == "desk@elka.example" {
				mail := smtptest.ReadMail(t, m.Data)
				if strings.Contains(mail.Parts["text/plain"], "Пресс-служба") {
					t.Fatal("the confirmation mail carries the sender's name, text a stranger would get")
				}
				link = senderLink.FindString(mail.Parts["text/plain"])
			}
		}
	}
	if link == "" {
		t.Fatal("no confirmation link went to the sender's address")
	}
	senderVerified := func() bool {
		var out struct{ Items []struct{ Verified bool } }
		in.call("GET", "/api/collections/senders/records", token, nil, &out)
		return len(out.Items) == 1 && out.Items[0].Verified
	}
	page(t, ctx, "#message", chromedp.Navigate(link), chromedp.WaitVisible("#confirm"))
	if senderVerified() {
		t.Fatal("opening the link verified the sender before its button")
	}
	// the button is a form: the click loads the answer page, then it is read
	if err := chromedp.Do(ctx, chromedp.Click("#confirm")); err != nil {
		t.Fatalf("clicking the button: %v", err)
	}
	afterFormPost(t, ctx, `document.querySelector('#message')?.innerText.includes('desk@elka.example is confirmed') === true`)
	if !senderVerified() {
		t.Fatal("the button did not verify the sender")
	}
	page(t, ctx, "h1", chromedp.Navigate(in.url+"/senders"), waitRows("#senders-table", 1))
	mustContain(t, "the verified sender's row", rowsOf(t, ctx, "#senders-table")[0], "Подтверждён")

	// a mailing from it, on a desktop in English
	now := time.Now().UTC()
	page(t, ctx, "h1", desktop.size, speak("en"), chromedp.Navigate(in.url+"/mailings/edit"), chromedp.WaitVisible(".window"),
		until(`document.querySelectorAll('#mailing-sender option').length === 2`))
	page(t, ctx, "h1", steps(
		fill(map[string]string{"mailing-subject": "Spring news"}),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#mailing-sender'); s.value = s.options[1].value; })()`),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Spring is here."),
		chromedp.Click(`#mailing-lists input[type=checkbox]`),
		chromedp.Click("#draft-preview-show"), until(`document.querySelector('#draft-preview-from').innerText.includes('Пресс-служба via Postrider Test')`),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const w = document.querySelector('.window');
			w.querySelector('[name=starts_at]').value = %q; w.querySelector('[name=ends_at]').value = %q; })()`,
			now.Format("2006-01-02T15:04"), now.Add(24*time.Hour).Format("2006-01-02T15:04"))),
		chromedp.Click("#mailing button[type=submit]"),
		chromedp.WaitVisible("#mailing-sent-as"), until(`document.querySelector('#preview-reply-to')?.innerText !== ''`),
	)...)
	mustContain(t, "the mailing's page", page(t, ctx, "#mailing-sent-as"), "Пресс-служба <desk@elka.example>")
	mustContain(t, "the preview's Reply-To", page(t, ctx, "#preview-reply-to"), "answers@elka.example")

	// the delivered message
	var got *smtptest.Message
	for deadline := time.Now().Add(90 * time.Second); got == nil && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		for _, m := range smtp.Messages() {
			if len(m.To) == 1 && m.To[0] == "reader@example.org" {
				got = &m
			}
		}
	}
	if got == nil {
		t.Fatal("the mailing did not reach its reader")
	}
	msg := smtptest.ReadMail(t, got.Data)
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Пресс-служба via Postrider Test" || from[0].Address != "news@postrider.test" {
		t.Errorf("the delivered message is From %q (%v)", msg.Header.Get("From"), err)
	}
	if reply, err := msg.Header.AddressList("Reply-To"); err != nil || len(reply) != 1 || reply[0].Address != "answers@elka.example" {
		t.Errorf("the delivered message has Reply-To %q (%v)", msg.Header.Get("Reply-To"), err)
	}

	page(t, ctx, "h1", chromedp.Navigate(in.url+"/mailings"), waitRows("#mailings-table", 1))
	mustContain(t, "the mailing's row", rowsOf(t, ctx, "#mailings-table")[0], "Пресс-служба")
}
