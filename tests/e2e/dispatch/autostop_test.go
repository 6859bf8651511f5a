package dispatch

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/e2e"
	"postrider/internal/seed"
	"postrider/internal/smtptest"
)

// A run of 1,000 messages, and a daily mailing of the same sender that
// sent its first one; complaints come back through serve's SMTP listener.
// Three (0.3 % of 1,001) stop nothing; the fourth passes the default limit
// and both mailings stop by themselves, with the reason the owner reads
// through the API and cannot lift.
func TestComplaintsThroughTheListenerStopTheSendersMailings(t *testing.T) {
	const clients = 1000
	dir, due := e2e.Seeded(t, clients)
	daily := addDailyMailing(t, dir, due)
	relay := smtptest.Start(t)
	inboundAddr := "127.0.0.1:" + strconv.Itoa(e2e.FreePort(t))
	env := e2e.SMTPEnv(relay.Port, 0)
	env["POSTRIDER_INBOUND_ADDR"] = inboundAddr
	env["POSTRIDER_BOUNCE_DOMAIN"] = "bounces.test"
	in := e2e.Serve(t, env, e2e.DataDirFiles(t, dir, "pb_data"))

	msgs := relay.WaitFor(t, clients+1, 3*time.Minute)
	auth := in.Must(200, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": seed.OwnerEmail, "password": seed.OwnerPassword})
	token, _ := auth["token"].(string)
	// the runs' counters as the owner sees them: every message counted
	e2e.Eventually(t, time.Minute, func() error {
		var page struct {
			Items []struct {
				Status string
				Sent   int
			}
		}
		in.Call("GET", "/api/collections/runs/records?perPage=10", token, nil, &page)
		sent, done := 0, 0
		for _, r := range page.Items {
			sent += r.Sent
			if r.Status == "done" {
				done++
			}
		}
		if sent != clients+1 || done != 2 {
			return fmt.Errorf("runs: %+v", page.Items)
		}
		return nil
	})
	mailing := func(id string) map[string]any {
		return in.Must(200, "GET", "/api/collections/mailings/records/"+id, token, nil)
	}

	for i, m := range msgs[:4] {
		if err := e2e.DeliverReport(t, inboundAddr, m.From, e2e.ARFComplaint(m)); err != nil {
			t.Fatalf("the listener refused complaint %d: %v", i+1, err)
		}
		if i == 2 {
			if m := mailing(daily); m["stopped"] != false {
				t.Fatalf("3 complaints of 1,001 messages (0.3 %%, not past it) stopped the mailing: %v", m)
			}
		}
	}
	reason := "complaint rate 0.4 % over 7 days (4 of 1,001 messages) passed the limit of 0.3 %"
	for _, id := range []string{daily, due.Mailing} {
		m := mailing(id)
		if m["stopped"] != true || m["auto_stopped"] != true || m["stopped_by"] != "" || m["stop_reason"] != reason {
			t.Errorf("mailing %s after the fourth complaint: stopped %v, auto %v, by %q, reason %q",
				m["subject"], m["stopped"], m["auto_stopped"], m["stopped_by"], m["stop_reason"])
		}
	}
	// the owner cannot lift it
	var refused map[string]any
	if got := in.Call("PATCH", "/api/collections/mailings/records/"+daily, token, map[string]any{"stopped": false}, &refused); got != 403 ||
		!strings.Contains(fmt.Sprint(refused), "only a moderator can resume it") {
		t.Errorf("the owner's resume: %d %v", got, refused)
	}
	// a moderator (here the superuser) finds them first, and the log has one auto_stop for each
	super := e2e.SuperuserToken(t, in)
	list := in.Must(200, "GET", "/api/postrider/moderation/mailings", super, nil)
	items, _ := list["items"].([]any)
	if len(items) != 2 || items[0].(map[string]any)["auto_stopped"] != true || items[1].(map[string]any)["auto_stopped"] != true {
		t.Errorf("the moderators' list: %v", items)
	}
	log := in.Must(200, "GET", "/api/collections/moderation_log/records?filter="+strings.ReplaceAll("action='auto_stop'", "'", "%27"), super, nil)
	if log["totalItems"] != float64(2) {
		t.Errorf("the log: %v", log)
	}
	// and a fifth report stops and logs nothing more
	if err := e2e.DeliverReport(t, inboundAddr, msgs[4].From, e2e.ARFComplaint(msgs[4])); err != nil {
		t.Fatal(err)
	}
	if log := in.Must(200, "GET", "/api/collections/moderation_log/records", super, nil); log["totalItems"] != float64(2) {
		t.Errorf("the log after a fifth complaint: %v", log)
	}
}

// addDailyMailing gives the seeded owner a daily mailing to one client of
// the list, whose window opened five minutes ago: it sends one message now
// and is running.
func addDailyMailing(t *testing.T, dir string, due seed.Due) string {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	save := func(collection string, data map[string]any) *core.Record {
		col, err := app.FindCollectionByNameOrId(collection)
		if err != nil {
			t.Fatal(err)
		}
		r := core.NewRecord(col)
		r.Load(data)
		if err := app.Save(r); err != nil {
			t.Fatalf("%s: %v", collection, err)
		}
		return r
	}
	now := types.NowDateTime()
	m := save("mailings", map[string]any{"owner": due.User, "subject": "Daily tips", "body": "<p>A tip a day.</p>",
		"clients": []string{"seed00000000001"}, "status": "created"})
	save("schedules", map[string]any{"mailing": m.Id, "starts_at": now.Add(-5 * time.Minute), "ends_at": now.Add(30 * 24 * time.Hour),
		"period": "daily", "next_run_at": now.Add(-5 * time.Minute)})
	return m.Id
}
