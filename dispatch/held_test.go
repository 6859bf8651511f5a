package dispatch_test

import (
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
	"postrider/internal/smtptest"
)

// holdMidRun sends a mailing of recipients over workers connections to a
// slow server, and has the owner act on its run (as the routes do: one
// transaction) once stopAt messages arrived, before the server answers the
// last of them. It tells how many messages arrived, how many after the
// owner's change was committed, and the run as it is after the pass.
func holdMidRun(w *world, m *core.Record, recipients, stopAt, workers int, act func(tx core.App, run *core.Record) error) (got, after int, run *core.Record) {
	w.t.Helper()
	var arrived, afterHold atomic.Int64
	var held atomic.Bool
	w.smtp.OnData = func(smtptest.Message) error {
		if held.Load() {
			afterHold.Add(1)
		}
		if arrived.Add(1) == int64(stopAt) {
			err := w.app.RunInTransaction(func(tx core.App) error {
				run, err := tx.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": m.Id})
				if err != nil {
					return err
				}
				if err := act(tx, run); err != nil {
					return err
				}
				return tx.Save(run)
			})
			if err != nil {
				w.t.Errorf("saving the owner's change: %v", err)
			}
			held.Store(true)
		}
		time.Sleep(2 * time.Millisecond) // a slow server
		return nil
	}
	w.mustPass(dispatch.Options{Workers: workers})
	w.smtp.OnData = nil
	run, err := w.app.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": m.Id})
	if err != nil {
		w.t.Fatal(err)
	}
	return len(w.smtp.Messages()), int(afterHold.Load()), run
}

// countStatuses counts a mailing's deliveries by status, and the failed
// ones with reply.
func countStatuses(w *world, m *core.Record, reply string) (sent, failed, pending, withReply int) {
	for _, d := range w.deliveries(m) {
		switch d.GetString("status") {
		case "sent":
			sent++
		case "failed":
			failed++
		case "pending":
			pending++
		}
		if d.GetString("response") == reply {
			withReply++
		}
	}
	return
}

// A run its owner pauses mid-send takes no new message once the pause is
// committed: only those in flight (one a connection) finish, and are
// logged. Another pass leaves it paused; their resume sends the rest, each
// recipient once, and the run is done.
func TestARunPausedByItsOwnerMidSendStopsAndResumesOnce(t *testing.T) {
	const recipients, stopAt, workers = 200, 40, 4
	w := newWorld(t)
	m := w.listMailing(recipients)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	got, after, run := holdMidRun(w, m, recipients, stopAt, workers, func(_ core.App, run *core.Record) error {
		dispatch.PauseByOwner(run)
		return nil
	})
	t.Logf("%d messages arrived, %d of them after the pause was committed", got, after)
	if after > workers {
		t.Fatalf("%d messages went out after the pause was committed, over %d connections", after, workers)
	}
	if run.GetString("status") != "paused" || !run.GetBool("paused_by_owner") || run.GetString("note") != dispatch.PausedByOwnerNote {
		t.Fatalf("run after the pause: %s, by owner %v, %q", run.GetString("status"), run.GetBool("paused_by_owner"), run.GetString("note"))
	}
	sent, _, pending, _ := countStatuses(w, m, "")
	if sent != got || pending != recipients-got || run.GetInt("sent") != got {
		t.Fatalf("server got %d; deliveries sent %d, pending %d; run's sent %d", got, sent, pending, run.GetInt("sent"))
	}

	// a later pass leaves the owner's pause be
	if s := w.mustPass(dispatch.Options{Workers: workers}); s.Sent != 0 {
		t.Fatalf("a pass sent %d messages of a run its owner paused", s.Sent)
	}
	if run = w.reload(run); run.GetString("status") != "paused" {
		t.Fatalf("run %s after a pass, want paused", run.GetString("status"))
	}

	dispatch.ResumeByOwner(run)
	if err := w.app.Save(run); err != nil {
		t.Fatal(err)
	}
	if s := w.mustPass(dispatch.Options{Workers: workers}); s.Sent != recipients-got {
		t.Fatalf("after the resume: %s, want %d sent", s, recipients-got)
	}
	all := w.recipients()
	if len(all) != recipients || len(slices.Compact(all)) != recipients {
		t.Fatalf("%d messages for %d different recipients, want %d once each", len(all), len(slices.Compact(slices.Clone(all))), recipients)
	}
	if run = w.reload(run); run.GetString("status") != "done" || run.GetInt("sent") != recipients {
		t.Fatalf("run %s with %d sent after the resume, want done with %d", run.GetString("status"), run.GetInt("sent"), recipients)
	}
}

// A run its owner cancels mid-send: the messages in flight finish and are
// logged sent, every other one is logged failed "cancelled by its owner"
// and never goes out, however many passes follow; the run is cancelled
// with its counters right.
func TestARunCancelledByItsOwnerMidSendNeverSendsTheRest(t *testing.T) {
	const recipients, stopAt, workers = 200, 40, 4
	w := newWorld(t)
	m := w.listMailing(recipients)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	got, after, run := holdMidRun(w, m, recipients, stopAt, workers, dispatch.CancelByOwner)
	t.Logf("%d messages arrived, %d of them after the cancel was committed", got, after)
	if after > workers {
		t.Fatalf("%d messages went out after the cancel was committed, over %d connections", after, workers)
	}
	sent, failed, pending, cancelled := countStatuses(w, m, "cancelled by its owner")
	if sent != got || pending != 0 || failed != recipients-got || cancelled != failed {
		t.Fatalf("server got %d; deliveries sent %d, failed %d (%d cancelled), pending %d", got, sent, failed, cancelled, pending)
	}
	if run.GetString("status") != "cancelled" || run.GetInt("sent") != got || run.GetInt("failed") != recipients-got {
		t.Fatalf("run %s, sent %d, failed %d; want cancelled, %d, %d", run.GetString("status"), run.GetInt("sent"), run.GetInt("failed"), got, recipients-got)
	}

	if s := w.mustPass(dispatch.Options{Workers: workers}); s.Sent != 0 {
		t.Fatalf("a pass after the cancel sent %d messages", s.Sent)
	}
	if n := len(w.smtp.Messages()); n != got {
		t.Fatalf("%d messages arrived in all, %d before the cancel", n, got)
	}
	if run = w.reload(run); run.GetString("status") != "cancelled" {
		t.Fatalf("run %s after a later pass, want cancelled", run.GetString("status"))
	}
}
