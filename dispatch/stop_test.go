package dispatch_test

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
	"postrider/internal/smtptest"
)

// A stop saved while a run sends (the owner's, as the REST API saves it,
// or the owner blocked) lets at most the message each connection has in
// flight go out; the rest stay pending and a resume sends them once.
func TestAStopMidRunLetsAtMostOneMessagePerConnectionThrough(t *testing.T) {
	cases := map[string]struct {
		why       string
		stop, end func(w *world, m *core.Record) error
	}{
		"the owner stops the mailing": {
			why:  "The mailing is stopped",
			stop: func(w *world, m *core.Record) error { return setField(w, m, "stopped", true) },
			end:  func(w *world, m *core.Record) error { return setField(w, m, "stopped", false) },
		},
		"the owner is blocked": {
			why:  "The owner is blocked",
			stop: func(w *world, m *core.Record) error { return setField(w, w.user, "blocked", true) },
			end:  func(w *world, m *core.Record) error { return setField(w, w.user, "blocked", false) },
		},
	}
	const recipients, stopAt, workers = 300, 50, 4
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			m := w.listMailing(recipients)
			w.window(m, w.now, w.now.Add(time.Hour), "once")
			var arrived, afterStop atomic.Int64
			var stopped atomic.Bool
			w.smtp.OnData = func(smtptest.Message) error {
				if stopped.Load() {
					afterStop.Add(1)
				}
				if arrived.Add(1) == stopAt {
					// saved before the server answers the stopAt-th message;
					// the other connections send on while it is being saved
					if err := c.stop(w, m); err != nil {
						t.Errorf("saving the stop: %v", err)
					}
					stopped.Store(true)
				}
				return nil
			}

			s := w.mustPass(dispatch.Options{Workers: workers})
			got := len(w.smtp.Messages())
			t.Logf("%d messages arrived, %d of them after the stop was saved", got, afterStop.Load())
			if n := afterStop.Load(); n > workers {
				t.Fatalf("%d messages went out after the stop was saved, over %d connections", n, workers)
			}
			run, err := w.app.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": m.Id})
			if err != nil {
				t.Fatal(err)
			}
			if run.GetString("status") != "paused" || !strings.HasPrefix(run.GetString("note"), c.why) {
				t.Fatalf("run %s: %q", run.GetString("status"), run.GetString("note"))
			}
			var sent, pending int
			for _, d := range w.deliveries(m) {
				switch d.GetString("status") {
				case "sent":
					sent++
				case "pending":
					pending++
				}
			}
			if sent != got || s.Sent != got || pending != recipients-got {
				t.Fatalf("server got %d; deliveries sent %d, pending %d; summary %s", got, sent, pending, s)
			}

			// resumed: the rest goes out, each recipient once
			if err := c.end(w, m); err != nil {
				t.Fatal(err)
			}
			if s := w.mustPass(dispatch.Options{Workers: workers}); s.Sent != recipients-got {
				t.Fatalf("after resuming: %s, want %d sent", s, recipients-got)
			}
			all := w.recipients()
			if len(all) != recipients || len(slices.Compact(all)) != recipients {
				t.Fatalf("%d messages for %d different recipients, want %d once each", len(all), len(slices.Compact(slices.Clone(all))), recipients)
			}
			if run = w.reload(run); run.GetString("status") != "done" {
				t.Fatalf("run %s after resuming", run.GetString("status"))
			}
		})
	}
}

// setField saves one field of a fresh copy of r, as the REST API would.
func setField(w *world, r *core.Record, field string, value any) error {
	fresh, err := w.app.FindRecordById(r.Collection().Name, r.Id)
	if err != nil {
		return err
	}
	fresh.Set(field, value)
	return w.app.Save(fresh)
}

// A stop saved by another process (`postrider dispatch` beside `serve`)
// fires no hook here: written straight to the database, it is still seen
// by the run while it sends, which parks with the rest pending.
func TestAStopSavedByAnotherProcessIsSeenWhileTheRunSends(t *testing.T) {
	w := newWorld(t)
	const recipients, stopAt = 300, 100
	m := w.listMailing(recipients)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	var arrived atomic.Int64
	w.smtp.OnData = func(smtptest.Message) error {
		if arrived.Add(1) == stopAt {
			if _, err := w.app.DB().NewQuery("UPDATE mailings SET stopped = TRUE WHERE id = {:id}").
				Bind(dbx.Params{"id": m.Id}).Execute(); err != nil {
				t.Errorf("saving the stop: %v", err)
			}
		}
		return nil
	}
	// 300 messages at 200 a second take 1.5 s: the stop is read within 100 ms
	s := w.mustPass(dispatch.Options{Workers: 4, Rate: 200})
	got := len(w.smtp.Messages())
	t.Logf("%d messages arrived for a stop saved at the %dth", got, stopAt)
	run, err := w.app.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": m.Id})
	if err != nil {
		t.Fatal(err)
	}
	if got == recipients || run.GetString("status") != "paused" || s.Pending != recipients-got {
		t.Fatalf("server got %d of %d; run %s (%q); %s", got, recipients, run.GetString("status"), run.GetString("note"), s)
	}
}

// A run left unfinished by an earlier pass sends nothing more while its
// mailing may not send (lifecycle.MaySend, the rule that claims windows):
// stopped, completed (as the dashboard may set it) or its owner blocked.
// The run waits, paused, saying why.
func TestARunLeftOverWaitsWhileItsMailingMayNotSend(t *testing.T) {
	cases := map[string]struct {
		why   string
		spoil func(w *world, m *core.Record) error
	}{
		"stopped":   {"The mailing is stopped", func(w *world, m *core.Record) error { return setField(w, m, "stopped", true) }},
		"completed": {"The mailing is completed", func(w *world, m *core.Record) error { return setField(w, m, "status", "completed") }},
		"blocked":   {"The owner is blocked", func(w *world, m *core.Record) error { return setField(w, w.user, "blocked", true) }},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			w.serverDown()
			m := w.listMailing(3)
			w.window(m, w.now, w.now.Add(time.Hour), "once")
			if _, err := w.pass(dispatch.Options{}); err == nil {
				t.Fatal("the first pass reached a server that is down")
			}
			if err := c.spoil(w, w.reload(m)); err != nil {
				t.Fatal(err)
			}
			s := w.app.Settings()
			s.SMTP.Port = w.smtp.Port
			if err := w.app.Save(s); err != nil {
				t.Fatal(err)
			}
			if sum := w.mustPass(dispatch.Options{}); sum.Sent != 0 || len(w.smtp.Messages()) != 0 {
				t.Fatalf("sent %d (the server got %d): %s", sum.Sent, len(w.smtp.Messages()), sum)
			}
			run, err := w.app.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": m.Id})
			if err != nil {
				t.Fatal(err)
			}
			if run.GetString("status") != "paused" || !strings.HasPrefix(run.GetString("note"), c.why+": 3 messages wait") {
				t.Fatalf("run %s: %q; want paused, %q", run.GetString("status"), run.GetString("note"), c.why)
			}
		})
	}
}
