package dispatch

import (
	"fmt"
	"testing"
	"time"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// A dispatcher killed with SIGKILL while its run is still being claimed
// (written a chunk at a time beside the sending) leaves a data dir whose
// deliveries match the run's claimed total, chunk by chunk; the next pass
// claims the rest where the cursor stopped, and every client gets the
// message once (at most the messages in flight at the kill twice).
func TestDispatchKilledInsideAClaimGoesOnWhereItStopped(t *testing.T) {
	const (
		clients = 10000
		workers = 8
		killAt  = 100
	)
	dir, _ := e2e.Seeded(t, clients)
	srv := smtptest.Start(t)
	reached, _ := srv.SlowUntil(time.Millisecond, killAt)
	env := e2e.SMTPEnv(srv.Port, workers)
	env["POSTRIDER_CLAIM_CHUNK"] = "5" // 2,000 chunks: the claim lasts well past the kill

	pass := e2e.StartDispatch(t, env, dir)
	pass.Reaches(t, reached, fmt.Sprintf("%d messages at the server", killAt))
	pass.Kill()
	beforeKill := len(srv.Messages())
	{
		app := e2e.OpenData(t, dir)
		var run struct {
			Claiming  bool   `db:"claiming"`
			ClaimedTo string `db:"claimed_to"`
			Total     int    `db:"total"`
		}
		if err := app.DB().NewQuery(`SELECT claiming, claimed_to, total FROM runs`).One(&run); err != nil {
			t.Fatal(err)
		}
		c := e2e.CountDeliveries(t, app)
		t.Logf("killed with %d messages accepted; the run: claiming %v, claimed to %q, total %d; %d deliveries, %d sent",
			beforeKill, run.Claiming, run.ClaimedTo, run.Total, c.Total, c.Sent)
		if !run.Claiming {
			t.Fatalf("the claim was over before the kill (%d deliveries): the test proves nothing; make the chunks smaller", c.Total)
		}
		// each chunk commits whole, with the run's total: the kill leaves
		// no chunk half written and no total ahead of its rows
		if c.Total != run.Total || c.Total%5 != 0 || c.Total >= clients {
			t.Errorf("after the kill: %d deliveries for a run whose claim says %d, of %d clients in chunks of 5", c.Total, run.Total, clients)
		}
		if c.Sent > beforeKill {
			t.Errorf("after the kill: %d deliveries say sent but the server accepted %d messages", c.Sent, beforeKill)
		}
		app.ResetBootstrapState()
	}

	second := e2e.RunDispatch(t, env, dir)
	t.Logf("second pass:\n%s", second)
	if second.Code != 0 {
		t.Fatalf("the second pass failed:\n%s", second)
	}
	e2e.CheckEachOnceAfterKill(t, srv.Messages(), e2e.SeededClients(clients), workers)
	app := e2e.OpenData(t, dir)
	c := e2e.CountDeliveries(t, app)
	if c.Total != clients || c.Sent != clients || c.Clients != clients || c.Runs != 1 {
		t.Errorf("deliveries: %+v; want %d, all sent, one per client, in one run", c, clients)
	}
	var claiming bool
	if err := app.DB().NewQuery(`SELECT claiming FROM runs`).Row(&claiming); err != nil || claiming {
		t.Errorf("the run still claims after the second pass (%v)", err)
	}
}
