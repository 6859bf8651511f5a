package wake

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// A public service gives new accounts a daily limit
// (POSTRIDER_NEW_USER_DAILY_LIMIT): a new account's mailing to 50 clients
// with a limit of 20 sends exactly 20, and its run waits, saying why,
// through the API. A moderator clears the limit (with a reason) and the
// other 30 go out by themselves, each client once. The resume at the
// owner's next midnight needs a day to pass: the dispatch package proves
// it with its test clock (TestADailyLimitHoldsARunUntilTheOwnersNextMidnight).
func TestServeHoldsANewAccountToItsDailyLimitUntilAModeratorLiftsIt(t *testing.T) {
	srv := smtptest.Start(t)
	env := e2e.SMTPServeEnv(srv)
	env["POSTRIDER_DISPATCH_CRON"] = "0 0 31 2 *" // February 31st: only the wake-up sends
	env["POSTRIDER_NEW_USER_DAILY_LIMIT"] = "20"
	in := e2e.Serve(t, env)
	in.SMTP = srv
	token := e2e.ConfirmedUser(t, in, "newcomer@example.com")
	owner := e2e.UserID(t, in, token)
	if me := in.Must(200, "GET", "/api/collections/users/records/"+owner, token, nil); me["daily_limit"] != float64(20) {
		t.Fatalf("a new account's daily_limit: %v; want 20", me["daily_limit"])
	}
	// the owner cannot lift it
	in.Must(403, "PATCH", "/api/collections/users/records/"+owner, token, map[string]any{"daily_limit": 0})

	const clients = 50
	var ids []any
	for i := range clients {
		ids = append(ids, in.Must(200, "POST", "/api/collections/clients/records", token,
			map[string]any{"email": fmt.Sprintf("r%d@example.org", i)})["id"])
	}
	m := in.Must(200, "POST", "/api/collections/mailings/records", token,
		map[string]any{"subject": "Limited", "body": "<p>Twenty a day.</p>", "clients": ids})
	mailing := m["id"].(string)
	before := len(srv.Messages()) // the account's confirmation mail
	start := time.Now().Add(2 * time.Second).UTC().Truncate(time.Millisecond)
	in.Must(200, "POST", "/api/collections/schedules/records", token, map[string]any{
		"mailing": mailing, "period": "once",
		"starts_at": start.Format("2006-01-02 15:04:05.000Z"), "ends_at": start.Add(time.Hour).Format("2006-01-02 15:04:05.000Z"),
	})

	// the run waits, with its note, once 20 went out
	runOf := func() map[string]any {
		var list struct{ Items []map[string]any }
		in.Call("GET", "/api/collections/runs/records?filter="+url.QueryEscape("mailing='"+mailing+"'"), token, nil, &list)
		if len(list.Items) != 1 {
			return nil
		}
		return list.Items[0]
	}
	e2e.Eventually(t, time.Minute, func() error {
		if r := runOf(); r == nil || r["status"] != "waiting" {
			return fmt.Errorf("the run: %v", r)
		}
		return nil
	})
	run := runOf()
	if note, _ := run["note"].(string); note != "daily limit of 20 reached; the rest goes out from 00:00 your time" {
		t.Fatalf("the waiting run's note: %q", note)
	}
	if run["sent"] != float64(20) || run["failed"] != float64(0) {
		t.Fatalf("the waiting run: sent %v, failed %v; want 20 and 0", run["sent"], run["failed"])
	}
	if got := len(srv.Messages()) - before; got != 20 {
		t.Fatalf("%d messages went out under a limit of 20", got)
	}
	stats := in.Must(200, "GET", "/api/postrider/stats", token, nil)
	if stats["sent_today"] != float64(20) || stats["daily_limit"] != float64(20) {
		t.Fatalf("the home page's numbers: sent_today %v, daily_limit %v; want 20 of 20", stats["sent_today"], stats["daily_limit"])
	}

	// a moderator clears the limit, saying why: the rest goes out by itself
	su := e2e.SuperuserToken(t, in)
	modToken := e2e.ConfirmedUser(t, in, "mod@example.com")
	in.Must(200, "PATCH", "/api/collections/users/records/"+e2e.UserID(t, in, modToken), su, map[string]any{"role": "moderator"})
	in.Must(400, "PATCH", "/api/collections/users/records/"+owner, modToken, map[string]any{"daily_limit": 0})
	in.Must(200, "PATCH", "/api/collections/users/records/"+owner, modToken, map[string]any{"daily_limit": 0, "reason": "A known shop"})
	e2e.Eventually(t, time.Minute, func() error {
		if r := runOf(); r == nil || r["status"] != "done" {
			return fmt.Errorf("the run: %v", r)
		}
		return nil
	})
	var mine []smtptest.Message
	for _, msg := range srv.Messages() {
		if strings.HasPrefix(msg.To[0], "r") && strings.HasSuffix(msg.To[0], "@example.org") {
			mine = append(mine, msg)
		}
	}
	each := e2e.PerRecipient(t, mine)
	if len(mine) != clients || len(each) != clients {
		t.Fatalf("%d messages to %d clients; want each of the %d once", len(mine), len(each), clients)
	}
	if run := runOf(); run["sent"] != float64(clients) || run["failed"] != float64(0) {
		t.Fatalf("the run: sent %v, failed %v; want %d and 0", run["sent"], run["failed"], clients)
	}
	var log struct{ Items []map[string]any }
	in.Call("GET", "/api/collections/moderation_log/records?filter="+url.QueryEscape("action='limit'"), modToken, nil, &log)
	if len(log.Items) != 1 || log.Items[0]["reason"] != "20 → none: A known shop" {
		t.Fatalf("the moderation log: %v", log.Items)
	}
}
