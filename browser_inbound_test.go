package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/smtptest"
)

// A bounce that arrives after the relay said 250 shows beside the message
// in the owner's log and on the mailing's page, with the mailing's rates,
// in both languages; the home page counts it.
func TestBrowserShowsABounceThatCameBackLater(t *testing.T) {
	ctx := browser(t)
	relay := smtptest.Start(t)
	inboundAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	env := map[string]string{
		"POSTRIDER_SMTP_HOST": relay.Host, "POSTRIDER_SMTP_PORT": strconv.Itoa(relay.Port), "POSTRIDER_SMTP_TLS": "none",
		"POSTRIDER_DISPATCH_CRON": "off", "POSTRIDER_INBOUND_ADDR": inboundAddr, "POSTRIDER_BOUNCE_DOMAIN": "bounces.test",
	}
	in := serve(t, env)
	in.smtp = relay
	token := confirmedUser(t, in, "owner@example.com")
	list := in.must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	for _, email := range []string{"gone@example.org", "here@example.org"} {
		in.must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": email, "lists": []any{list["id"]}})
	}
	m := in.must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "Winter news", "body": "<p>Hello</p>", "lists": []any{list["id"]}})
	start := time.Now().UTC()
	in.must(200, "POST", "/api/collections/schedules/records", token, map[string]any{
		"mailing": m["id"], "starts_at": start.Format("2006-01-02 15:04:05.000Z"),
		"ends_at": start.Add(time.Hour).Format("2006-01-02 15:04:05.000Z"), "period": "once"})
	if out, err := run(t, env, "dispatch", "--dev=false", "--dir", in.dataDir).CombinedOutput(); err != nil || !strings.Contains(string(out), "sent 2") {
		t.Fatalf("postrider dispatch: %v\n%s", err, out)
	}
	for _, msg := range relay.Messages() {
		if msg.To[0] == "gone@example.org" {
			if err := deliverReport(t, inboundAddr, msg.From, postfixDSN(msg, "5.1.1")); err != nil {
				t.Fatal(err)
			}
		}
	}

	logInAs(t, ctx, in, "owner@example.com")
	page(t, ctx, "#logs-table", chromedp.Navigate(in.url+"/logs"), waitRows("#logs-table", 2))
	rows := rowsOf(t, ctx, "#logs-table")
	for _, r := range rows {
		bounced := strings.Contains(r, "bounced: no such address")
		if strings.Contains(r, "gone@example.org") != bounced {
			t.Errorf("log row %q: want the bounce beside gone@ alone", r)
		}
	}
	summary := page(t, ctx, "#mailing-summary", chromedp.Navigate(in.url+"/mailing?id="+m["id"].(string)),
		until(`document.querySelector('#mailing-bounces') != null`))
	mustContain(t, "the mailing's page", summary, "Bounced later: 1 (50%) · spam complaints: 0 (0%)")
	mustContain(t, "the mailing's log", page(t, ctx, "#log-table", waitRows("#log-table", 2)), "bounced: no such address")
	home := page(t, ctx, "#app", chromedp.Navigate(in.url+"/"), until(`document.querySelector('.tiles') != null`))
	mustContain(t, "the home page", home, "Bounced, 30 days")

	// in Russian
	page(t, ctx, "#logs-table", chromedp.Evaluate[chromedp.Void](`localStorage.setItem('postrider.lang', 'ru')`),
		chromedp.Navigate(in.url+"/logs"), waitRows("#logs-table", 2))
	mustContain(t, "the log in Russian", strings.Join(rowsOf(t, ctx, "#logs-table"), "\n"), "вернулось: адреса нет")
	summary = page(t, ctx, "#mailing-summary", chromedp.Navigate(in.url+"/mailing?id="+m["id"].(string)),
		until(`document.querySelector('#mailing-bounces') != null`))
	mustContain(t, "the mailing's page in Russian", summary, "Вернулось позже: 1 (50%)")
}
