package accounts

import (
	"postrider/internal/e2e"
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
	ctx := e2e.Browser(t)
	relay := smtptest.Start(t)
	inboundAddr := "127.0.0.1:" + strconv.Itoa(e2e.FreePort(t))
	env := map[string]string{
		"POSTRIDER_SMTP_HOST": relay.Host, "POSTRIDER_SMTP_PORT": strconv.Itoa(relay.Port), "POSTRIDER_SMTP_TLS": "none",
		"POSTRIDER_DISPATCH_CRON": "off", "POSTRIDER_INBOUND_ADDR": inboundAddr, "POSTRIDER_BOUNCE_DOMAIN": "bounces.test",
	}
	in := e2e.Serve(t, env)
	in.SMTP = relay
	token := e2e.ConfirmedUser(t, in, "owner@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	for _, email := range []string{"gone@example.org", "here@example.org"} {
		in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": email, "lists": []any{list["id"]}})
	}
	m := in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "Winter news", "body": "<p>Hello</p>", "lists": []any{list["id"]}})
	start := time.Now().UTC()
	in.Must(200, "POST", "/api/collections/schedules/records", token, map[string]any{
		"mailing": m["id"], "starts_at": start.Format("2006-01-02 15:04:05.000Z"),
		"ends_at": start.Add(time.Hour).Format("2006-01-02 15:04:05.000Z"), "period": "once"})
	if out, err := e2e.Run(t, env, "dispatch", "--dev=false", "--dir", in.DataDir).CombinedOutput(); err != nil || !strings.Contains(string(out), "sent 2") {
		t.Fatalf("postrider dispatch: %v\n%s", err, out)
	}
	for _, msg := range relay.Messages() {
		if msg.To[0] == "gone@example.org" {
			if err := e2e.DeliverReport(t, inboundAddr, msg.From, e2e.PostfixDSN(msg, "5.1.1")); err != nil {
				t.Fatal(err)
			}
		}
	}

	e2e.LogInAs(t, ctx, in, "owner@example.com")
	e2e.Page(t, ctx, "#logs-table", chromedp.Navigate(in.URL+"/logs"), e2e.WaitRows("#logs-table", 2))
	rows := e2e.RowsOf(t, ctx, "#logs-table")
	for _, r := range rows {
		bounced := strings.Contains(r, "bounced: no such address")
		if strings.Contains(r, "gone@example.org") != bounced {
			t.Errorf("log row %q: want the bounce beside gone@ alone", r)
		}
	}
	summary := e2e.Page(t, ctx, "#mailing-summary", chromedp.Navigate(in.URL+"/mailing?id="+m["id"].(string)),
		e2e.Until(`document.querySelector('#mailing-bounces') != null`))
	e2e.MustContain(t, "the mailing's page", summary, "Bounced later: 1 (50%) · spam complaints: 0 (0%)")
	e2e.MustContain(t, "the mailing's log", e2e.Page(t, ctx, "#log-table", e2e.WaitRows("#log-table", 2)), "bounced: no such address")
	home := e2e.Page(t, ctx, "#app", chromedp.Navigate(in.URL+"/"), e2e.Until(`document.querySelector('.tiles') != null`))
	e2e.MustContain(t, "the home page", home, "Bounced, 30 days")

	// in Russian
	e2e.Page(t, ctx, "#logs-table", chromedp.Evaluate[chromedp.Void](`localStorage.setItem('postrider.lang', 'ru')`),
		chromedp.Navigate(in.URL+"/logs"), e2e.WaitRows("#logs-table", 2))
	e2e.MustContain(t, "the log in Russian", strings.Join(e2e.RowsOf(t, ctx, "#logs-table"), "\n"), "вернулось: адреса нет")
	summary = e2e.Page(t, ctx, "#mailing-summary", chromedp.Navigate(in.URL+"/mailing?id="+m["id"].(string)),
		e2e.Until(`document.querySelector('#mailing-bounces') != null`))
	e2e.MustContain(t, "the mailing's page in Russian", summary, "Вернулось позже: 1 (50%)")
}
