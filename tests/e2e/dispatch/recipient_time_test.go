package dispatch

import (
	"fmt"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"postrider/dispatch"
	"postrider/internal/e2e"
	"postrider/internal/schedule"
	"postrider/internal/smtptest"
)

// A run sent at each recipient's own time, claimed in chunks of 500, its
// dispatcher killed with SIGKILL half-way and a second pass run: every
// client whose moment has come gets the message once (at most one
// repeat per connection in flight at the kill), at the wall clock of its
// own zone; the clients whose moment is after the window's end get none,
// logged as skipped. The owner is in Kiritimati (UTC+14) and the window
// opened 23 hours ago, so every moment but Pago Pago's (UTC−11) has come.
func TestRecipientTimeRunKilledMidwaySendsEachOnceAtItsMoment(t *testing.T) {
	const (
		clients = 4000
		workers = 8
		killAt  = 1200
	)
	zones := []string{"", "Pacific/Kiritimati", "Asia/Tokyo", "Australia/Lord_Howe", "Europe/Berlin", "UTC", "America/New_York", "Pacific/Pago_Pago"}
	dir, due := e2e.Seeded(t, clients)
	now := time.Now().UTC()
	start, end := now.Add(-23*time.Hour).Truncate(time.Second), now.Add(time.Hour)
	owner := schedule.Zone("Pacific/Kiritimati")
	{
		app := e2e.OpenData(t, dir)
		for _, q := range []string{
			`UPDATE users SET timezone = 'Pacific/Kiritimati' WHERE id = {:user}`,
			`UPDATE schedules SET recipient_time = TRUE, starts_at = {:start}, next_run_at = {:start}, ends_at = {:end} WHERE id = {:schedule}`,
			// client i in zones[i % 8]
			`UPDATE clients SET timezone = json_extract({:zones}, '$[' || (CAST(substr(id, 5) AS INTEGER) % 8) || ']')`,
		} {
			_, err := app.DB().NewQuery(q).Bind(dbx.Params{
				"user": due.User, "schedule": due.Schedule, "start": start.Format("2006-01-02 15:04:05.000Z"),
				"end": end.Format("2006-01-02 15:04:05.000Z"), "zones": `["","Pacific/Kiritimati","Asia/Tokyo","Australia/Lord_Howe","Europe/Berlin","UTC","America/New_York","Pacific/Pago_Pago"]`,
			}).Execute()
			if err != nil {
				t.Fatal(err)
			}
		}
		app.ResetBootstrapState()
	}
	zoneOf := func(i int) string { return zones[i%len(zones)] }
	momentOf := func(i int) time.Time {
		loc := owner
		if z := zoneOf(i); z != "" {
			loc = schedule.Zone(z)
		}
		return schedule.AtRecipient(start, owner, loc)
	}

	srv := smtptest.Start(t)
	reached, _ := srv.SlowUntil(time.Millisecond, killAt) // a slow server: the run takes seconds
	env := e2e.SMTPEnv(srv.Port, workers)
	env["POSTRIDER_CLAIM_CHUNK"] = "500"
	pass := e2e.StartDispatch(t, env, dir)
	pass.Reaches(t, reached, fmt.Sprintf("%d messages at the server", killAt))
	first := pass.Kill()
	beforeKill := len(srv.Messages())
	t.Logf("killed after %s with %d messages accepted", first.Took.Round(time.Millisecond), beforeKill)
	second := e2e.RunDispatch(t, env, dir)
	if second.Code != 0 {
		t.Fatalf("the second run failed:\n%s", second)
	}

	// Pago Pago's clients, whose moment is after the window, are strangers
	var moment []string
	for i, addr := range e2e.SeededClients(clients) {
		if zoneOf(i+1) != "Pacific/Pago_Pago" {
			moment = append(moment, addr)
		}
	}
	e2e.CheckEachOnceAfterKill(t, srv.Messages(), moment, workers)

	// the log: each delivery at its client's own moment, Pago Pago's skipped
	app := e2e.OpenData(t, dir)
	var rows []struct {
		Client   string `db:"client"`
		Status   string `db:"status"`
		RunAt    string `db:"run_at"`
		Response string `db:"response"`
	}
	if err := app.DB().NewQuery(`SELECT client, status, run_at, response FROM deliveries`).All(&rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != clients {
		t.Fatalf("%d deliveries for %d clients", len(rows), clients)
	}
	wrong := 0
	for _, r := range rows {
		var i int
		fmt.Sscanf(r.Client, "seed%d", &i)
		want, status := momentOf(i).Format("2006-01-02 15:04:05.000Z"), "sent"
		if zoneOf(i) == "Pacific/Pago_Pago" {
			status = "failed"
			if r.Response != dispatch.SkippedOutsideWindow {
				wrong++
			}
		}
		if r.Status != status || r.RunAt != want {
			if wrong++; wrong < 5 {
				t.Errorf("client %d (%q): %s at %s, want %s at %s", i, zoneOf(i), r.Status, r.RunAt, status, want)
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d deliveries not as their zone says", wrong)
	}
	e2e.CheckNotStopped(t, dir, due.Mailing)
}
