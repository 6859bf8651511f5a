package dispatch

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// A run its owner pauses mid-send while its dispatcher is killed with
// SIGKILL: a second dispatcher sends nothing more while it stays paused;
// once resumed, a third sends every client left exactly once, none
// skipped (a repeat allowed only for a message in flight at the kill,
// which the server took but the killed pass never logged).
func TestAPausedRunKilledMidSendStaysPausedAndResumesEachOnce(t *testing.T) {
	const (
		clients = 600
		workers = 4
		pauseAt = 100
	)
	dir, due := e2e.Seeded(t, clients)
	srv := smtptest.Start(t)
	var arrived, inFlight atomic.Int64
	reached, release := make(chan struct{}), make(chan struct{})
	var once, freed sync.Once
	free := func() { freed.Do(func() { close(release) }) }
	t.Cleanup(free) // a test that fails early leaves no answer held
	// from the pauseAt-th message on, the server holds its answers until
	// the pass is paused and killed: the kill comes mid-send, with a
	// message on each connection
	srv.OnData = func(smtptest.Message) error {
		inFlight.Add(1)
		defer inFlight.Add(-1)
		if arrived.Add(1) >= pauseAt {
			once.Do(func() { close(reached) })
			<-release
		}
		return nil
	}
	env := e2e.SMTPEnv(srv.Port, workers)

	pass := e2e.StartDispatch(t, env, dir)
	pass.Reaches(t, reached, fmt.Sprintf("%d messages at the server", pauseAt))
	ownerDoes(t, dir, due.Mailing, dispatch.PauseByOwner) // what POST /api/postrider/runs/{id}/pause does
	first := pass.Kill()
	free()
	// the messages the server was reading when the pass died are kept or
	// dropped by now
	e2e.Eventually(t, 10*time.Second, func() error {
		if n := inFlight.Load(); n > 0 {
			return fmt.Errorf("%d messages still in flight", n)
		}
		return nil
	})
	atKill := len(srv.Messages())
	t.Logf("paused and killed after %s with %d messages accepted", first.Took.Round(time.Millisecond), atKill)
	if atKill >= clients {
		t.Fatalf("all %d messages went out before the pause", atKill)
	}

	second := e2e.RunDispatch(t, env, dir)
	if second.Code != 0 {
		t.Fatalf("the second pass failed:\n%s", second)
	}
	if n := len(srv.Messages()); n != atKill {
		t.Fatalf("the second pass sent %d messages of a paused run", n-atKill)
	}
	if run := runOf(t, dir, due.Mailing); run.GetString("status") != "paused" {
		t.Fatalf("after the second pass the run is %s (%s), want paused", run.GetString("status"), run.GetString("note"))
	}

	ownerDoes(t, dir, due.Mailing, dispatch.ResumeByOwner)
	third := e2e.RunDispatch(t, env, dir)
	if third.Code != 0 {
		t.Fatalf("the pass after the resume failed:\n%s", third)
	}
	// one a connection at the kill may go twice
	e2e.CheckEachOnceAfterKill(t, srv.Messages(), e2e.SeededClients(clients), workers)
	run := runOf(t, dir, due.Mailing)
	if run.GetString("status") != "done" || run.GetInt("sent") != clients {
		t.Errorf("the run is %s with %d sent, want done with %d", run.GetString("status"), run.GetInt("sent"), clients)
	}
	e2e.CheckNotStopped(t, dir, due.Mailing)
}

// runOf reads the one run of mailing in the data dir.
func runOf(t *testing.T, dir, mailing string) *core.Record {
	t.Helper()
	app := e2e.OpenData(t, dir)
	defer app.ResetBootstrapState()
	return onlyRun(t, app, mailing)
}

func onlyRun(t *testing.T, app core.App, mailing string) *core.Record {
	t.Helper()
	runs, err := app.FindAllRecords("runs")
	if err != nil || len(runs) != 1 || runs[0].GetString("mailing") != mailing {
		t.Fatalf("the runs: %v %v, want one of %s", runs, err, mailing)
	}
	return runs[0]
}

// ownerDoes does to mailing's one run what its owner's route does (the
// route's own function, saved the same way, in one transaction), in the
// data dir a pass may be sending from, opened as the binary opens it: once,
// with no retry (a transaction that read before the pass's commit and wrote
// after it failed with "database is locked (517)" before every transaction
// took the write lock first: internal/sqlitedb).
func ownerDoes(t *testing.T, dir, mailing string, do func(*core.Record)) {
	t.Helper()
	app := e2e.OpenData(t, dir)
	defer app.ResetBootstrapState()
	err := app.RunInTransaction(func(tx core.App) error {
		run := onlyRun(t, tx, mailing)
		do(run)
		return tx.Save(run)
	})
	if err != nil {
		t.Fatalf("the owner's change of the run: %v", err)
	}
}
