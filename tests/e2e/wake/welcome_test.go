package wake

import (
	"errors"
	"testing"
	"time"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// A client who joins a welcome window's list through serve's API gets the
// welcome from serve itself, a minute after joining: the welcome run's next
// try sets serve's timer (the cron here never fires). The join comes once
// serve is idle (another list's welcome, due at once, has gone and its run
// is done), so nothing but the join can set the timer. How soon it came is
// logged; that it never comes before its minute is asserted.
func TestServeSendsAWelcomeItsDelayAfterTheJoin(t *testing.T) {
	srv := smtptest.Start(t)
	env := e2e.SMTPServeEnv(srv)
	env["POSTRIDER_DISPATCH_CRON"] = "0 0 31 2 *" // February 31st: only the wake-up sends
	in := e2e.Serve(t, env)
	in.SMTP = srv
	token := e2e.ConfirmedUser(t, in, "welcomer@example.com")
	welcome := func(list string, delay int) {
		m := in.Must(200, "POST", "/api/collections/mailings/records", token, map[string]any{
			"subject": "Welcome to " + list, "body": "<p>Glad you joined.</p>", "lists": []any{list}})
		now := time.Now().UTC()
		in.Must(200, "POST", "/api/collections/schedules/records", token, map[string]any{
			"mailing": m["id"], "starts_at": now.Format("2006-01-02 15:04:05.000Z"), "ends_at": now.Add(time.Hour).Format("2006-01-02 15:04:05.000Z"),
			"period": "on_join", "list": list, "delay_minutes": delay})
	}
	got := func(to string) func() error {
		return func() error {
			for _, msg := range srv.Messages() {
				for _, rcpt := range msg.To {
					if rcpt == to {
						return nil
					}
				}
			}
			return errors.New("no welcome for " + to)
		}
	}
	now := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Now"})["id"].(string)
	later := in.Must(200, "POST", "/api/collections/lists/records", token, map[string]any{"name": "Later"})["id"].(string)
	welcome(now, 0)
	welcome(later, 1)

	in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "first@welcome.test", "lists": []any{now}})
	e2e.Eventually(t, time.Minute, got("first@welcome.test"))
	e2e.Eventually(t, time.Minute, func() error {
		var runs struct{ Items []map[string]any }
		in.Call("GET", "/api/collections/runs/records", token, nil, &runs)
		if len(runs.Items) != 1 || runs.Items[0]["status"] != "done" {
			return errors.New("the first welcome's run is not done")
		}
		return nil
	})

	in.Must(200, "POST", "/api/collections/clients/records", token, map[string]any{"email": "second@welcome.test", "lists": []any{later}})
	joined := time.Now()
	e2e.Eventually(t, 3*time.Minute, got("second@welcome.test"))
	t.Logf("the welcome came %s after the join (its delay: 1 minute)", time.Since(joined).Round(time.Second))
	if took := time.Since(joined); took < time.Minute {
		t.Errorf("the welcome came %s after the join, before its minute's delay", took.Round(time.Millisecond))
	}
}
