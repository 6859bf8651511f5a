package wake

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// A window saved while `serve` runs goes out at its time by serve's wake-up
// timer alone (the cron here never fires), never before that time. The
// owner, watching the mailing's page, sees the run appear and finish
// without a reload. How late the first message is gets logged, not
// asserted: `go run ./bench ontime` measures it.
func TestServeSendsAWindowOnTime(t *testing.T) {
	srv := smtptest.Start(t)
	env := e2e.SMTPServeEnv(srv)
	env["POSTRIDER_DISPATCH_CRON"] = "0 0 31 2 *" // February 31st: only the wake-up sends
	in := e2e.Serve(t, env)
	in.SMTP = srv
	token := e2e.ConfirmedUser(t, in, "ontime@example.com")
	const clients = 20
	var ids []any
	for i := range clients {
		ids = append(ids, in.Must(200, "POST", "/api/collections/clients/records", token,
			map[string]any{"email": fmt.Sprintf("r%d@example.org", i)})["id"])
	}
	m := in.Must(200, "POST", "/api/collections/mailings/records", token,
		map[string]any{"subject": "On time", "body": "<p>Right on time.</p>", "clients": ids})
	id := m["id"].(string)

	ctx := e2e.Browser(t)
	e2e.Page(t, ctx, "h1", e2e.Steps(e2e.LogIn(in, "ontime@example.com", "a long password"),
		chromedp.Navigate(in.URL+"/mailing?id="+id), chromedp.WaitVisible("#mailing-preview"))...)
	if rows := e2e.RowsOf(t, ctx, "#runs-table"); len(rows) != 0 {
		t.Fatalf("a run before the window was even made: %q", rows)
	}

	start := time.Now().Add(3 * time.Second).UTC().Truncate(time.Millisecond)
	in.Must(200, "POST", "/api/collections/schedules/records", token, map[string]any{
		"mailing": id, "period": "once",
		"starts_at": start.Format("2006-01-02 15:04:05.000Z"), "ends_at": start.Add(time.Hour).Format("2006-01-02 15:04:05.000Z"),
	})
	before := len(srv.Messages()) // the account's confirmation mail
	msgs := srv.WaitFor(t, before+clients, time.Minute)[before:]
	first := msgs[0].Received
	for _, msg := range msgs {
		if !strings.HasPrefix(msg.To[0], "r") {
			t.Fatalf("a message to %v among the mailing's", msg.To)
		}
		if msg.Received.Before(first) {
			first = msg.Received
		}
	}
	late := first.Sub(start)
	t.Logf("first message %s after the window's start", late.Round(time.Millisecond))
	if late < 0 {
		t.Fatalf("the first message arrived %s before the window's start", -late)
	}

	live := e2e.Page(t, ctx, "#runs-table", e2e.Until(fmt.Sprintf(
		`document.querySelector('#runs-table').innerText.includes('%d sent, 0 failed of %d')`, clients, clients)))
	e2e.MustContain(t, "the page that was open while the run went", live, "done")
}
