package dispatch_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
)

// decide sets a mailing's approval as a moderator's decision leaves it.
func (w *world) decide(m *core.Record, approval string) {
	w.t.Helper()
	m = w.reload(m)
	m.Set("approval", approval)
	if err := w.app.Save(m); err != nil {
		w.t.Fatal(err)
	}
}

// A pending or rejected mailing sends nothing, whatever its windows; once
// approved, its window's latest occurrence goes out, once, to each client
// (the occurrences missed while it waited are not sent in a burst).
func TestAPendingOrRejectedMailingSendsNothingUntilApproved(t *testing.T) {
	for _, decision := range []string{"pending", "rejected"} {
		t.Run(decision, func(t *testing.T) {
			w := newWorld(t)
			m := w.listMailing(3)
			start := w.now.Add(-2*24*time.Hour - time.Hour) // two daily occurrences passed while it waited
			w.window(m, start, w.now.Add(30*24*time.Hour), "daily")
			w.decide(m, decision)

			if s := w.mustPass(dispatch.Options{}); s.Runs != 0 || s.Sent != 0 || len(w.smtp.Messages()) != 0 {
				t.Fatalf("a %s mailing: %s, the server got %d messages", decision, s, len(w.smtp.Messages()))
			}
			if st := w.reload(m).GetString("status"); st != "created" {
				t.Fatalf("a %s mailing's status is %s, want created", decision, st)
			}

			w.decide(m, "approved")
			if s := w.mustPass(dispatch.Options{}); s.Runs != 1 || s.Sent != 3 {
				t.Fatalf("once approved: %s", s)
			}
			if got := w.recipients(); strings.Join(got, " ") != "c0@example.org c1@example.org c2@example.org" {
				t.Fatalf("the server got messages for %v, want one per client", got)
			}
			run, err := w.app.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": m.Id})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := run.GetDateTime("run_at").Time(), start.Add(2*24*time.Hour); !got.Equal(want) {
				t.Fatalf("run_at %v, want the latest occurrence %v", got, want)
			}
		})
	}
}

// A window that ended while its mailing waited is closed unsent once
// approved, and the mailing completes.
func TestAWindowThatEndedWhileWaitingIsNotSentLate(t *testing.T) {
	w := newWorld(t)
	m := w.listMailing(2)
	w.window(m, w.now.Add(-2*time.Hour), w.now.Add(-time.Hour), "once")
	w.decide(m, "pending")
	if s := w.mustPass(dispatch.Options{}); s.Sent != 0 || s.Skipped != 0 {
		t.Fatalf("while pending: %s", s)
	}
	if st := w.reload(m).GetString("status"); st != "created" {
		t.Fatalf("a pending mailing whose window ended is %s, want created until a moderator decides", st)
	}
	w.decide(m, "approved")
	if s := w.mustPass(dispatch.Options{}); s.Sent != 0 || len(w.smtp.Messages()) != 0 {
		t.Fatalf("once approved: %s", s)
	}
	if st := w.reload(m).GetString("status"); st != "completed" {
		t.Fatalf("status %s, want completed", st)
	}
}

// A run under way when its mailing goes back to pending (an edit after
// approval) waits, saying why, and goes on once approved again.
func TestARunWaitsWhileItsMailingIsPendingAgain(t *testing.T) {
	w := newWorld(t)
	port := w.smtp.Port
	w.serverDown()
	m := w.listMailing(2)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	if _, err := w.pass(dispatch.Options{}); err == nil {
		t.Fatal("the pass sent with the server down")
	}
	s := w.app.Settings()
	s.SMTP.Port = port
	if err := w.app.Save(s); err != nil {
		t.Fatal(err)
	}

	w.decide(m, "pending")
	if sum := w.mustPass(dispatch.Options{}); sum.Sent != 0 {
		t.Fatalf("a pending mailing's run sent: %s", sum)
	}
	run, err := w.app.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": m.Id})
	if err != nil {
		t.Fatal(err)
	}
	if run.GetString("status") != "paused" || !strings.Contains(run.GetString("note"), "approval") {
		t.Fatalf("run %s, note %q: want paused, saying it waits for approval", run.GetString("status"), run.GetString("note"))
	}

	w.decide(m, "approved")
	if sum := w.mustPass(dispatch.Options{}); sum.Sent != 2 {
		t.Fatalf("once approved again: %s", sum)
	}
	if got := w.recipients(); len(got) != 2 {
		t.Fatalf("the server got %v, want each client once", got)
	}
}
