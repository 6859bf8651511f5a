package mailings

import (
	"fmt"
	"postrider/internal/e2e"
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
	ctx := e2e.Browser(t)
	smtp := smtptest.Start(t)
	env := e2e.SMTPServeEnv(smtp)
	env["POSTRIDER_SENDER_NAME"] = "Postrider Test"
	in := e2e.Serve(t, env)
	in.SMTP = smtp
	token := e2e.ConfirmedUser(t, in, "writer@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "reader@example.org", "lists": []any{list["id"]}})
	e2e.LogInAs(t, ctx, in, "writer@example.com")

	// the Senders page, in Russian, on a phone
	e2e.Page(t, ctx, "h1", e2e.Phone.Size, chromedp.Navigate(in.URL+"/senders"), chromedp.WaitVisible("#new-sender-name"), e2e.Speak("ru"))
	e2e.MustContain(t, "the page's title in Russian", e2e.Page(t, ctx, "h1"), "Отправители")
	e2e.Page(t, ctx, "h1", e2e.Steps(
		e2e.Fill(map[string]string{"new-sender-name": "Пресс-служба", "new-sender-email": "desk@elka.example", "new-sender-reply_to": "answers@elka.example"}),
		chromedp.Click("#new-sender button[type=submit]"),
		e2e.WaitRows("#senders-table", 1),
	)...)
	row := e2e.RowsOf(t, ctx, "#senders-table")[0]
	for _, want := range []string{"Пресс-служба", "desk@elka.example", "answers@elka.example", "Ждёт подтверждения", "Отправить ссылку ещё раз"} {
		e2e.MustContain(t, "the new sender's row", row, want)
	}
	e2e.MustContain(t, "what adding said", e2e.Page(t, ctx, "#senders-status"), "desk@elka.example")
	if wide := e2e.Eval[bool](t, ctx, `document.documentElement.scrollWidth > innerWidth`); wide {
		t.Error("the Senders page is wider than a phone")
	}
	if label := e2e.Eval[string](t, ctx, `getComputedStyle(document.querySelector('#senders-table tbody tr').cells[1], '::before').content`); label != `"Эл. почта"` {
		t.Errorf("a sender's card on a phone labels its address %s", label)
	}
	e2e.Screenshot(t, ctx, "phone-senders.png")

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
		in.Call("GET", "/api/collections/senders/records", token, nil, &out)
		return len(out.Items) == 1 && out.Items[0].Verified
	}
	e2e.Page(t, ctx, "#message", chromedp.Navigate(link), chromedp.WaitVisible("#confirm"))
	if senderVerified() {
		t.Fatal("opening the link verified the sender before its button")
	}
	// the button is a form: the click loads the answer page, then it is read
	if err := chromedp.Do(ctx, chromedp.Click("#confirm")); err != nil {
		t.Fatalf("clicking the button: %v", err)
	}
	e2e.AfterFormPost(t, ctx, `document.querySelector('#message')?.innerText.includes('desk@elka.example is confirmed') === true`)
	if !senderVerified() {
		t.Fatal("the button did not verify the sender")
	}
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/senders"), e2e.WaitRows("#senders-table", 1))
	e2e.MustContain(t, "the verified sender's row", e2e.RowsOf(t, ctx, "#senders-table")[0], "Подтверждён")

	// a mailing from it, on a desktop in English
	now := time.Now().UTC()
	e2e.Page(t, ctx, "h1", e2e.Desktop.Size, e2e.Speak("en"), chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible(".window"),
		e2e.Until(`document.querySelectorAll('#mailing-sender option').length === 2`))
	e2e.Page(t, ctx, "h1", e2e.Steps(
		e2e.Fill(map[string]string{"mailing-subject": "Spring news"}),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#mailing-sender'); s.value = s.options[1].value; })()`),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Spring is here."),
		chromedp.Click(`#mailing-lists input[type=checkbox]`),
		chromedp.Click("#draft-preview-show"), e2e.Until(`document.querySelector('#draft-preview-from').innerText.includes('Пресс-служба via Postrider Test')`),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const w = document.querySelector('.window');
			w.querySelector('[name=starts_at]').value = %q; w.querySelector('[name=ends_at]').value = %q; })()`,
			now.Format("2006-01-02T15:04"), now.Add(24*time.Hour).Format("2006-01-02T15:04"))),
		chromedp.Click("#mailing button[type=submit]"),
		chromedp.WaitVisible("#mailing-sent-as"), e2e.Until(`document.querySelector('#preview-reply-to')?.innerText !== ''`),
	)...)
	e2e.MustContain(t, "the mailing's page", e2e.Page(t, ctx, "#mailing-sent-as"), "Пресс-служба <desk@elka.example>")
	e2e.MustContain(t, "the preview's Reply-To", e2e.Page(t, ctx, "#preview-reply-to"), "answers@elka.example")

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

	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/mailings"), e2e.WaitRows("#mailings-table", 1))
	e2e.MustContain(t, "the mailing's row", e2e.RowsOf(t, ctx, "#mailings-table")[0], "Пресс-служба")
}
