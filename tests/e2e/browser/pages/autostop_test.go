package pages

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
	"postrider/internal/seed"
)

// arf is a complaint report about the message with this Message-ID to
// rcpt, as a mailbox provider's feedback loop sends it.
func arf(msgID, rcpt string) string {
	return strings.ReplaceAll(`From: fbl@isp.test
To: abuse@postrider.test
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"

--ARF
Content-Type: text/plain

This is an abuse report.

--ARF
Content-Type: message/feedback-report

Feedback-Type: abuse
Version: 1
Original-Rcpt-To: `+rcpt+`

--ARF
Content-Type: message/rfc822

Message-ID: <`+msgID+`>
Subject: Seeded mailing

(body removed)
--ARF--
`, "\n", "\r\n")
}

// postReport posts a raw report to the reports route, as an operator's
// mailbox script does, and reads what it did.
func postReport(t *testing.T, in *e2e.Instance, token, raw string) map[string]any {
	t.Helper()
	req, err := http.NewRequest("POST", in.URL+"/api/postrider/bounces", strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "message/rfc822")
	req.Header.Set("Authorization", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 {
		t.Fatalf("POST /api/postrider/bounces: %d %v %v", res.StatusCode, out, err)
	}
	return out
}

// A sender whose complaints passed 0.3 % of 1,000 messages: the seeded
// owner's mailing stops by itself (four complaints posted to the reports
// route). A moderator finds it first among the mailings to review, above
// a newer one, its owner marked on the users page and the server named in
// the log (English, desktop); the owner reads why on the mailings page and
// the mailing's page, with no Resume (Russian, phone).
func TestBrowserAutoStopShowsFirstToModeratorsAndWhyToTheOwner(t *testing.T) {
	dir, due := e2e.Seeded(t, 4)
	in := e2e.Serve(t, map[string]string{"POSTRIDER_DISPATCH_CRON": "off"}, e2e.DataDirFiles(t, dir, "pb_data"))
	su := e2e.SuperuserToken(t, in)
	moderatorAccount(t, in, su, "mod@example.com")
	// the week's numbers: 1,000 sent by a run that started an hour ago,
	// four of its messages those the complaints are about
	at := time.Now().UTC().Add(-time.Hour).Format("2006-01-02 15:04:05.000Z")
	run := in.Must(200, "POST", "/api/collections/runs/records", su, map[string]any{
		"owner": due.User, "mailing": due.Mailing, "schedule": due.Schedule, "run_at": at, "status": "done",
		"total": 1000, "sent": 1000, "started_at": at, "finished_at": at,
	})
	for i := 1; i <= 4; i++ {
		id := fmt.Sprintf("autostopdeliv0%d", i)[:15]
		in.Must(200, "POST", "/api/collections/deliveries/records", su, map[string]any{
			"id": id, "owner": due.User, "mailing": due.Mailing, "run": run["id"], "schedule": due.Schedule,
			"client": fmt.Sprintf("seed%011d", i), "email": fmt.Sprintf("client%d@example.test", i), "run_at": at,
			"status": "sent", "attempts": 1, "sent_at": at, "message_id": "<" + id + "@postrider.test>",
		})
		out := postReport(t, in, su, arf(id+"@postrider.test", fmt.Sprintf("client%d@example.test", i)))
		if want := map[bool]float64{true: 1, false: 0}[i == 4]; out["applied"] != float64(1) || out["stopped"] != want {
			t.Fatalf("complaint %d: %v", i, out)
		}
	}
	// a newer mailing of another user, which newest-first would show first
	mailingAt(t, in, e2e.ConfirmedUser(t, in, "other@example.com"), "Club news", "<p>On Friday.</p>", time.Now().Add(24*time.Hour), "c2@example.org")

	ctx := e2e.Browser(t)
	e2e.LogInAs(t, ctx, in, "mod@example.com")
	e2e.Page(t, ctx, "h1", chromedp.Navigate(in.URL+"/moderation/mailings"), e2e.WaitRows("#mod-mailings-table", 2))
	rows := e2e.RowsOf(t, ctx, "#mod-mailings-table")
	e2e.MustContain(t, "the first mailing to review", rows[0], "owner@postrider.test | Seeded mailing")
	e2e.MustContain(t, "the first mailing to review", rows[0],
		"stopped automatically\nits owner’s rate past the limit — complaint rate 0.4 % over 7 days (4 of 1,000 messages) passed the limit of 0.3 %")
	e2e.MustContain(t, "the newer one, second", rows[1], "Club news")
	e2e.Page(t, ctx, "h1", setValue("mod-mailings-state", "auto_stopped"), chromedp.Click("#mod-mailings-filters button[type=submit]"),
		e2e.WaitRows("#mod-mailings-table", 1))
	e2e.Screenshot(t, ctx, "moderation-auto-stopped.png")
	e2e.Page(t, ctx, "h1", chromedp.Click(`#mod-tabs a[href="/moderation/users"]`), e2e.WaitRows("#mod-users-table", 3))
	owner := ""
	for _, r := range e2e.RowsOf(t, ctx, "#mod-users-table") {
		if strings.Contains(r, seed.OwnerEmail) {
			owner = r
		}
	}
	e2e.MustContain(t, "the owner on the users page", owner, "| 1 1 stopped automatically |")
	e2e.MustContain(t, "the owner on the users page", owner, "| 0.4% (4) |")
	// the mark leads to the mailings it counts
	e2e.Page(t, ctx, "h1", chromedp.Click("#mod-users-table a.auto-stopped"), e2e.WaitRows("#mod-mailings-table", 1))
	e2e.MustContain(t, "the owner's auto-stopped mailings", e2e.RowsOf(t, ctx, "#mod-mailings-table")[0], "Seeded mailing")
	e2e.Page(t, ctx, "h1", chromedp.Click(`#mod-tabs a[href="/moderation/log"]`), e2e.WaitRows("#mod-log-table", 1))
	e2e.MustContain(t, "the log", e2e.RowsOf(t, ctx, "#mod-log-table")[0],
		"the server | stopped a mailing automatically | owner@postrider.test | Seeded mailing | complaint rate 0.4 %")

	// the owner, in Russian on a phone
	octx := e2e.Browser(t)
	e2e.Page(t, octx, "h1", e2e.LogIn(in, seed.OwnerEmail, seed.OwnerPassword)...)
	e2e.Page(t, octx, "h1", e2e.Phone.Size, chromedp.Navigate(in.URL+"/mailings"), chromedp.WaitVisible("#menu"), e2e.Speak("ru"),
		e2e.WaitRows("#mailings-table", 1))
	row := e2e.RowsOf(t, octx, "#mailings-table")[0]
	e2e.MustContain(t, "the owner's list", row, "остановлена автоматически")
	e2e.MustContain(t, "the owner's list", row, "Доля жалоб или возвратов ваших писем превысила предел сервиса (complaint rate 0.4 % over 7 days (4 of 1,000 messages) passed the limit of 0.3 %)")
	e2e.MustContain(t, "the owner's list", row, "Возобновить их может только модератор.")
	noResume := `!document.querySelector('#app button.resume')`
	e2e.Page(t, octx, "h1", e2e.Until(noResume))
	e2e.Screenshot(t, octx, "phone-auto-stopped-ru.png")
	e2e.Page(t, octx, "h1", chromedp.Navigate(in.URL+"/mailing?id="+due.Mailing), chromedp.WaitVisible("#mailing-summary dd"))
	e2e.MustContain(t, "the owner's mailing page", e2e.Page(t, octx, "#mailing-head"), "остановлена автоматически")
	e2e.Page(t, octx, "h1", e2e.Until(noResume))
}
