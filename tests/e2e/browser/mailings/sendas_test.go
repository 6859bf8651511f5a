package mailings

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-msgauth/dkim"

	"postrider/internal/dnstest"
	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// A user publishes the records the Domains page shows (in Russian, on a
// phone), checks them, adds and confirms a sender on that domain and one
// elsewhere, and makes a mailing from each in the form. The first goes out
// as the sender itself, From its own address and signed d= its domain, a
// signature that go-msgauth (asking the test's DNS) and dkimpy (Debian's
// python3-dkim, given the record the page showed) both verify; the second
// goes "via" the service with replies to the sender's address.
func TestBrowserSendsAsItselfFromAVerifiedDomain(t *testing.T) {
	python := e2e.PythonDKIM(t)
	ctx := e2e.Browser(t)
	dns := dnstest.Start(t)
	smtp := smtptest.Start(t)
	env := e2e.SMTPServeEnv(smtp)
	env["POSTRIDER_SENDER_NAME"] = "Postrider Test"
	env["POSTRIDER_DNS_SERVER"] = dns.Addr
	env["POSTRIDER_BOUNCE_DOMAIN"] = "mail.postrider.test"
	in := e2e.Serve(t, env)
	in.SMTP = smtp
	token := e2e.ConfirmedUser(t, in, "owner@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "reader@example.org", "lists": []any{list["id"]}})
	e2e.LogInAs(t, ctx, in, "owner@example.com")

	// the domain, in Russian on a phone: its records go to the DNS as the
	// page shows them, and its check finds them all
	e2e.Page(t, ctx, "h1", e2e.Phone.Size, chromedp.Navigate(in.URL+"/domains"), chromedp.WaitVisible("#new-domain-domain"), e2e.Speak("ru"))
	const domain = "their-domain.test"
	article := fmt.Sprintf(`article[data-domain=%q]`, domain)
	e2e.Page(t, ctx, "#domains-list", e2e.Steps(e2e.Fill(map[string]string{"new-domain-domain": domain}),
		chromedp.Click("#new-domain button[type=submit]"),
		e2e.Until(fmt.Sprintf(`document.querySelector('%s tr[data-kind="return_path"]') != null`, article)))...)
	type record struct{ Kind, Type, Name, Value string }
	records := e2e.Eval[[]record](t, ctx, fmt.Sprintf(`[...document.querySelectorAll('%s tr[data-kind]')]
		.map(r => ({Kind: r.dataset.kind, Type: r.cells[1].innerText.trim(),
			Name: r.cells[2].querySelector('code').textContent, Value: r.cells[3].querySelector('code').textContent}))`, article))
	var dkimRecord record
	for _, r := range records {
		if r.Type == "CNAME" {
			dns.CNAME(r.Name, r.Value)
		} else {
			dns.TXT(r.Name, r.Value)
		}
		if r.Kind == "dkim" {
			dkimRecord = r
		}
	}
	if len(records) != 4 || dkimRecord.Name == "" {
		t.Fatalf("the page shows the records %+v, want four with DKIM's", records)
	}
	state := e2e.Page(t, ctx, article, chromedp.Click(article+" button.check"),
		e2e.Until(fmt.Sprintf(`document.querySelector('%s .domain-state').innerText.includes('Проверен')`, article)))
	e2e.MustContain(t, "the domain after its check", state, "Подтверждён")
	if rows := strings.Join(e2e.RowsOf(t, ctx, article+" table"), "\n"); strings.Count(rows, "В порядке") != 4 {
		t.Fatalf("the records after the check: %q, want all four holding", rows)
	}
	if wide := e2e.Overflowing(t, ctx); wide != "" {
		t.Errorf("the Domains page is wider than a phone: %s", wide)
	}

	// two senders, each confirmed by the link mailed to it
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/senders"), chromedp.WaitVisible("#new-sender-name"))
	for i, s := range [][2]string{{"Новости", "news@" + domain}, {"Desk", "desk@elsewhere.example"}} {
		e2e.Page(t, ctx, "h1", e2e.Steps(
			e2e.Fill(map[string]string{"new-sender-name": s[0], "new-sender-email": s[1]}),
			chromedp.Click("#new-sender button[type=submit]"),
			e2e.WaitRows("#senders-table", i+1),
		)...)
	}
	for _, address := range []string{"news@" + domain, "desk@elsewhere.example"} {
		link := senderLink.FindString(smtptest.ReadMail(t, waitForMail(t, smtp, address, "").Data).Parts["text/plain"])
		if link == "" {
			t.Fatalf("no confirmation link in the mail to %s", address)
		}
		e2e.Page(t, ctx, "#message", chromedp.Navigate(link), chromedp.WaitVisible("#confirm"))
		if err := chromedp.Do(ctx, chromedp.Click("#confirm")); err != nil {
			t.Fatalf("clicking the button: %v", err)
		}
		e2e.AfterFormPost(t, ctx, fmt.Sprintf(`document.querySelector('#message')?.innerText.includes('%s is confirmed') === true`, address))
	}

	// a mailing from each sender: the first in Russian on the phone, the
	// second in English on a desktop
	mailingFrom(t, ctx, in, "Own domain news", "news@"+domain)
	e2e.MustContain(t, "the mailing's page", e2e.Page(t, ctx, "#mailing-sent-as"), "Новости <news@"+domain+">")
	if wide := e2e.Overflowing(t, ctx); wide != "" {
		t.Errorf("the mailing's page is wider than a phone: %s", wide)
	}
	e2e.Page(t, ctx, "h1", e2e.Desktop.Size, e2e.Speak("en"))
	mailingFrom(t, ctx, in, "Desk news", "desk@elsewhere.example")
	e2e.MustContain(t, "the mailing's page", e2e.Page(t, ctx, "#mailing-sent-as"), "Desk <desk@elsewhere.example>")

	// the first went out as the sender itself, signed for its domain
	own := waitForMail(t, smtp, "reader@example.org", "Own domain news")
	msg := smtptest.ReadMail(t, own.Data)
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Новости" || from[0].Address != "news@"+domain {
		t.Fatalf("the own domain's message is From %q (%v), want Новости <news@%s>", msg.Header.Get("From"), err, domain)
	}
	if r := msg.Header.Get("Reply-To"); r != "" {
		t.Errorf("the own domain's message has Reply-To %q: replies go to its From", r)
	}
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return new(net.Dialer).DialContext(ctx, "udp", dns.Addr)
	}}
	verifications, err := dkim.VerifyWithOptions(bytes.NewReader(own.Data), &dkim.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) { return resolver.LookupTXT(context.Background(), name) },
	})
	if err != nil || len(verifications) != 1 {
		t.Fatalf("go-msgauth: %d signatures (%v), want one", len(verifications), err)
	}
	v := verifications[0]
	t.Logf("go-msgauth: d=%s err=%v", v.Domain, v.Err)
	if v.Err != nil || v.Domain != domain {
		t.Errorf("go-msgauth verifies d=%s: %v; want d=%s, as the From's domain (DMARC alignment)", v.Domain, v.Err, domain)
	}
	cmd := exec.Command(python, "testdata/dkim_verify.py", dkimRecord.Name, dkimRecord.Value)
	cmd.Stdin = bytes.NewReader(own.Data)
	out, err := cmd.CombinedOutput()
	t.Logf("dkimpy: %s", out)
	selector := strings.TrimSuffix(dkimRecord.Name, "._domainkey."+domain)
	if want := fmt.Sprintf("dkim.verify: pass d=%s s=%s", domain, selector); err != nil || strings.TrimSpace(string(out)) != want {
		t.Errorf("dkimpy says %q (%v), want %q", out, err, want)
	}

	// the second went via the service, replies to the sender's address
	msg = smtptest.ReadMail(t, waitForMail(t, smtp, "reader@example.org", "Desk news").Data)
	if from, err := msg.Header.AddressList("From"); err != nil || len(from) != 1 ||
		from[0].Name != "Desk via Postrider Test" || from[0].Address != "news@postrider.test" {
		t.Errorf("the other sender's message is From %q (%v), want Desk via Postrider Test <news@postrider.test>", msg.Header.Get("From"), err)
	}
	if reply, err := msg.Header.AddressList("Reply-To"); err != nil || len(reply) != 1 || reply[0].Address != "desk@elsewhere.example" {
		t.Errorf("the other sender's message has Reply-To %q (%v)", msg.Header.Get("Reply-To"), err)
	}
}

// mailingFrom makes a mailing of the list's readers in the form, from the
// sender at address, with a window open now: it goes out by itself.
func mailingFrom(t *testing.T, ctx context.Context, in *e2e.Instance, subject, address string) {
	t.Helper()
	now := time.Now().UTC()
	e2e.Page(t, ctx, "h1", e2e.Steps(
		chromedp.Navigate(in.URL+"/mailings/edit"), chromedp.WaitVisible(".window"),
		e2e.Until(fmt.Sprintf(`[...document.querySelectorAll('#mailing-sender option')].some(o => o.innerText.includes(%q))`, address)),
		e2e.Fill(map[string]string{"mailing-subject": subject}),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector('#mailing-sender');
			s.value = [...s.options].find(o => o.innerText.includes(%q)).value; })()`, address)),
		chromedp.Click("#mailing-body"), chromedp.SendKeys("#mailing-body", "Hello, readers."),
		chromedp.Click(`#mailing-lists input[type=checkbox]`),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const w = document.querySelector('.window');
			w.querySelector('[name=starts_at]').value = %q; w.querySelector('[name=ends_at]').value = %q; })()`,
			now.Format("2006-01-02T15:04"), now.Add(24*time.Hour).Format("2006-01-02T15:04"))),
		chromedp.Click("#mailing button[type=submit]"),
		chromedp.WaitVisible("#mailing-sent-as"),
	)...)
}

// waitForMail waits (90 s at most) for a message to address, with the
// subject given unless it is "".
func waitForMail(t *testing.T, smtp *smtptest.Server, address, subject string) smtptest.Message {
	t.Helper()
	var got smtptest.Message
	e2e.Eventually(t, 90*time.Second, func() error {
		for _, m := range smtp.Messages() {
			if len(m.To) == 1 && m.To[0] == address && (subject == "" || smtptest.ReadMail(t, m.Data).Subject == subject) {
				got = m
				return nil
			}
		}
		return fmt.Errorf("no message to %s with the subject %q", address, subject)
	})
	return got
}
