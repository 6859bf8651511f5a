package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"postrider/internal/smtptest"
)

// A window saved while `serve` runs goes out at its time, not at the next
// five-minute tick: its first message reaches the SMTP server within a
// second of the window's start, never before it. The owner, watching the
// mailing's page, sees the run appear and finish without a reload.
func TestServeSendsAWindowOnTime(t *testing.T) {
	srv := smtptest.Start(t)
	in := serve(t, smtpServeEnv(srv))
	in.smtp = srv
	token := confirmedUser(t, in, "ontime@example.com")
	const clients = 20
	var ids []any
	for i := range clients {
		ids = append(ids, in.must(200, "POST", "/api/collections/clients/records", token,
			map[string]any{"email": fmt.Sprintf("r%d@example.org", i)})["id"])
	}
	m := in.must(200, "POST", "/api/collections/mailings/records", token,
		map[string]any{"subject": "On time", "body": "<p>Right on time.</p>", "clients": ids})
	id := m["id"].(string)

	ctx := browser(t)
	page(t, ctx, "h1", steps(logIn(in, "ontime@example.com", "a long password"),
		chromedp.Navigate(in.url+"/mailing?id="+id), chromedp.WaitVisible("#mailing-preview"))...)
	if rows := rowsOf(t, ctx, "#runs-table"); len(rows) != 0 {
		t.Fatalf("a run before the window was even made: %q", rows)
	}

	start := time.Now().Add(3 * time.Second).UTC().Truncate(time.Millisecond)
	in.must(200, "POST", "/api/collections/schedules/records", token, map[string]any{
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
	if late < 0 || late > time.Second {
		t.Fatalf("the first message arrived %s after the window's start; want within a second, not before", late)
	}

	live := page(t, ctx, "#runs-table", until(fmt.Sprintf(
		`document.querySelector('#runs-table').innerText.includes('%d sent, 0 failed of %d')`, clients, clients)))
	mustContain(t, "the page that was open while the run went", live, "done")
}
