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

// A bounce and a spam complaint that arrive after the relay said 250 show
// beside their messages in the owner's log and on the mailing's page, with
// the mailing's rates, in both languages; the home page counts them. On a
// phone, in Russian, the log's cards and the mailing's page stay within
// the screen.
func TestBrowserShowsABounceThatCameBackLater(t *testing.T) {
	ctx := e2e.Browser(t)
	relay := smtptest.Start(t)
	inboundAddr := "127.0.0.1:" + strconv.Itoa(e2e.FreePort(t))
	env := map[string]string{
		"POSTRIDER_SMTP_HOST": relay.Host, "POSTRIDER_SMTP_PORT": strconv.Itoa(relay.Port), "POSTRIDER_SMTP_TLS": "none",
		"POSTRIDER_DISPATCH_CRON": "off", "POSTRIDER_INBOUND_ADDR": inboundAddr, "POSTRIDER_BOUNCE_DOMAIN": "bounces.test",
		"POSTRIDER_LOG_RETENTION_DAYS": "45",
	}
	in := e2e.Serve(t, env)
	in.SMTP = relay
	token := e2e.ConfirmedUser(t, in, "owner@example.com")
	list := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Readers"})
	for _, email := range []string{"gone@example.org", "spam@example.org", "here@example.org", "there@example.org"} {
		in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": email, "lists": []any{list["id"]}})
	}
	m := in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
		"subject": "Winter news", "body": "<p>Hello</p>", "lists": []any{list["id"]}})
	start := time.Now().UTC()
	in.Must(200, "POST", "/api/collections/schedules/records", token, map[string]any{
		"mailing": m["id"], "starts_at": start.Format("2006-01-02 15:04:05.000Z"),
		"ends_at": start.Add(time.Hour).Format("2006-01-02 15:04:05.000Z"), "period": "once"})
	if out, err := e2e.Run(t, env, "dispatch", "--dev=false", "--dir", in.DataDir).CombinedOutput(); err != nil || !strings.Contains(string(out), "sent 4") {
		t.Fatalf("postrider dispatch: %v\n%s", err, out)
	}
	for _, msg := range relay.Messages() {
		report := map[string]string{"gone@example.org": e2e.PostfixDSN(msg, "5.1.1"), "spam@example.org": e2e.ARFComplaint(msg)}[msg.To[0]]
		if report == "" {
			continue
		}
		if err := e2e.DeliverReport(t, inboundAddr, msg.From, report); err != nil {
			t.Fatal(err)
		}
	}

	e2e.LogInAs(t, ctx, in, "owner@example.com")
	// each report beside its own message alone, in the owner's log
	marks := func(lang string) map[string]string {
		return map[string]map[string]string{
			"en": {"gone@example.org": "bounced: no such address", "spam@example.org": "marked as spam"},
			"ru": {"gone@example.org": "вернулось: адреса нет", "spam@example.org": "отмечено как спам"},
		}[lang]
	}
	kept := map[string]string{"en": "kept in the log for 45 days", "ru": "хранятся в журнале 45 дн."}
	checkLog := func(lang string) {
		t.Helper()
		page := e2e.Page(t, ctx, "#app", chromedp.Navigate(in.URL+"/logs"), e2e.WaitRows("#logs-table", 4))
		e2e.MustContain(t, "the log page says how long it keeps rows", page, kept[lang])
		rows := e2e.RowsOf(t, ctx, "#logs-table")
		for email, mark := range marks(lang) {
			for _, r := range rows {
				if strings.Contains(r, email) != strings.Contains(r, mark) {
					t.Errorf("log row %q: want %q beside %s alone", r, mark, email)
				}
			}
		}
	}
	checkLog("en")
	summary := e2e.Page(t, ctx, "#mailing-summary", chromedp.Navigate(in.URL+"/mailing?id="+m["id"].(string)),
		e2e.Until(`document.querySelector('#mailing-bounces') != null`))
	e2e.MustContain(t, "the mailing's page", summary, "Bounced later: 1 (25%) · spam complaints: 1 (25%)")
	log := e2e.Page(t, ctx, "#log-table", e2e.WaitRows("#log-table", 4))
	e2e.MustContain(t, "the mailing's log", log, "bounced: no such address")
	e2e.MustContain(t, "the mailing's log", log, "marked as spam")
	home := e2e.Page(t, ctx, "#app", chromedp.Navigate(in.URL+"/"), e2e.Until(`document.querySelector('.tiles') != null`))
	e2e.MustContain(t, "the home page", home, "Bounced, 30 days")
	e2e.MustContain(t, "the home page", home, "Spam complaints, 30 days")

	// in Russian, on a phone: the same, and nothing wider than the screen
	e2e.Page(t, ctx, "h1", e2e.Phone.Size, chromedp.Navigate(in.URL+"/"), chromedp.WaitVisible("#menu"), e2e.Speak("ru"))
	checkLog("ru")
	if wide := e2e.Overflowing(t, ctx); wide != "" {
		t.Errorf("on a phone the log is wider than the screen: %s", wide)
	}
	summary = e2e.Page(t, ctx, "#mailing-summary", chromedp.Navigate(in.URL+"/mailing?id="+m["id"].(string)),
		e2e.Until(`document.querySelector('#mailing-bounces') != null`))
	e2e.MustContain(t, "the mailing's page in Russian", summary, "Вернулось позже: 1 (25%) · жалоб на спам: 1 (25%)")
	log = e2e.Page(t, ctx, "#log-table", e2e.WaitRows("#log-table", 4))
	e2e.MustContain(t, "the mailing's log in Russian", log, "вернулось: адреса нет")
	e2e.MustContain(t, "the mailing's log in Russian", log, "отмечено как спам")
	if wide := e2e.Overflowing(t, ctx); wide != "" {
		t.Errorf("on a phone the mailing's page is wider than the screen: %s", wide)
	}
}
