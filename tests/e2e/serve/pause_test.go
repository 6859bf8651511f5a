package serve

// A run paused through the API while the real binary sends it, to a slow
// SMTP server: once the pause is answered, only the messages in flight (one
// a connection) still arrive; the resume sends the rest, each client once.

import (
	"fmt"
	"testing"
	"time"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

func TestServePausesARunMidSendAndResumesIt(t *testing.T) {
	const clients, pauseAt, workers = 60, 10, 2
	smtp := smtptest.Start(t)
	env := e2e.SMTPServeEnv(smtp)
	env["POSTRIDER_DISPATCH_WORKERS"] = fmt.Sprint(workers)
	in := e2e.Serve(t, env)
	in.SMTP = smtp
	owner := e2e.ConfirmedUser(t, in, "pauser@example.com")
	mails := len(smtp.Messages()) // the confirmation

	var ids []any
	for i := 1; i <= clients; i++ {
		ids = append(ids, in.Must(200, "POST", "/api/collections/clients/records", owner, map[string]any{"email": fmt.Sprintf("client%d@example.test", i)})["id"])
	}
	m := in.Must(200, "POST", "/api/collections/mailings/records", owner, map[string]any{"subject": "Slow news", "body": "<p>Hello</p>", "clients": ids})
	reached, arrived := smtp.SlowUntil(100*time.Millisecond, pauseAt) // a slow server
	start := time.Now().UTC()
	in.Must(200, "POST", "/api/collections/schedules/records", owner, map[string]any{
		"mailing": m["id"], "period": "once",
		"starts_at": start.Format("2006-01-02 15:04:05.000Z"), "ends_at": start.Add(24 * time.Hour).Format("2006-01-02 15:04:05.000Z"),
	})
	select {
	case <-reached:
	case <-time.After(60 * time.Second):
		t.Fatalf("%d messages arrived in a minute, want %d", arrived(), pauseAt)
	}

	var runs struct{ Items []map[string]any }
	in.Call("GET", "/api/collections/runs/records?filter="+fmt.Sprintf("mailing%%3D%%22%s%%22", m["id"]), owner, nil, &runs)
	if len(runs.Items) != 1 {
		t.Fatalf("runs of the mailing: %v", runs.Items)
	}
	runURL := "/api/collections/runs/records/" + runs.Items[0]["id"].(string)
	paused := in.Must(200, "POST", "/api/postrider/runs/"+runs.Items[0]["id"].(string)+"/pause", owner, nil)
	atPause := arrived()
	if paused["status"] != "paused" {
		t.Fatalf("the pause answered %v", paused)
	}
	// the pass settles the run once its messages in flight are logged
	e2e.Eventually(t, 30*time.Second, func() error {
		run := in.Must(200, "GET", runURL, owner, nil)
		if run["status"] != "paused" || run["sent"] != float64(arrived()) {
			return fmt.Errorf("run %v with %v sent, %d arrived", run["status"], run["sent"], arrived())
		}
		return nil
	})
	held := arrived()
	t.Logf("%d messages arrived when the pause was answered, %d in all", atPause, held)
	if held-atPause > workers {
		t.Fatalf("%d messages arrived after the pause was answered, over %d connections", held-atPause, workers)
	}
	if held >= clients {
		t.Fatalf("all %d messages went out: the pause held nothing", held)
	}

	in.Must(200, "POST", "/api/postrider/runs/"+runs.Items[0]["id"].(string)+"/resume", owner, nil)
	e2e.Eventually(t, 60*time.Second, func() error {
		run := in.Must(200, "GET", runURL, owner, nil)
		if run["status"] != "done" {
			return fmt.Errorf("run %v with %v sent of %d", run["status"], run["sent"], clients)
		}
		return nil
	})
	e2e.CheckEachOnce(t, smtp.Messages()[mails:], clients)
}
