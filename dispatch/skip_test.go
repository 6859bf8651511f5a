package dispatch_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"postrider/dispatch"
	"postrider/internal/smtptest"
)

// TestAClientWhoLeavesWhileTheRunSendsGetsNothing: while a run sends under
// a rate limit, one client unsubscribes, one is marked bouncing (by another
// mailing's refusals) and one is deleted. None of them gets the message;
// each delivery is logged as not sent, saying why; everyone else gets it.
// At 5 messages a second, each job waits longer than what its read says of
// its client is trusted (skip.go's fresh), as behind any slow rate.
func TestAClientWhoLeavesWhileTheRunSendsGetsNothing(t *testing.T) {
	w := newWorld(t)
	m := w.listMailing(10)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	// when the first message arrives, three of the others leave, before
	// the server answers it: the run has read them all as pending already
	var once sync.Once
	var leavers []string
	var leaveErr error
	w.smtp.OnData = func(msg smtptest.Message) error {
		once.Do(func() {
			for i := 0; len(leavers) < 3; i++ {
				if to := msg.To[0]; to != clientEmail(i) {
					leavers = append(leavers, clientEmail(i))
				}
			}
			leaveErr = leave(w, leavers)
		})
		return nil
	}
	s := w.mustPass(dispatch.Options{Rate: 5, Workers: 1})
	if leaveErr != nil {
		t.Fatal(leaveErr)
	}

	got := w.recipients()
	for _, to := range leavers {
		if slices.Contains(got, to) {
			t.Errorf("%s got the message after leaving", to)
		}
	}
	if len(got) != 7 || s.Sent != 7 || s.Failed != 3 {
		t.Fatalf("%s; the server got %v, want the 7 who stayed", s, got)
	}
	want := map[string]string{
		leavers[0]: dispatch.SkippedUnsubscribed, leavers[1]: dispatch.SkippedBouncing, leavers[2]: dispatch.SkippedDeleted,
	}
	for _, d := range w.deliveries(m) {
		why, left := want[d.GetString("email")]
		switch {
		case left && (d.GetString("status") != "failed" || d.GetString("response") != why || d.GetInt("attempts") != 0):
			t.Errorf("%s: %s after %d attempts %q, want not sent: %q", d.GetString("email"), d.GetString("status"), d.GetInt("attempts"), d.GetString("response"), why)
		case !left && d.GetString("status") != "sent":
			t.Errorf("%s: %s %q", d.GetString("email"), d.GetString("status"), d.GetString("response"))
		}
	}
	run, err := w.app.FindFirstRecordByFilter("runs", "mailing = {:m}", map[string]any{"m": m.Id})
	if err != nil {
		t.Fatal(err)
	}
	if run.GetString("status") != "done" || run.GetInt("sent") != 7 || run.GetInt("failed") != 3 {
		t.Fatalf("run %s: %d sent, %d failed", run.GetString("status"), run.GetInt("sent"), run.GetInt("failed"))
	}
}

func clientEmail(i int) string { return "c" + string(rune('0'+i)) + "@example.org" }

// leave unsubscribes the first, marks the second bouncing and deletes the
// third, each saved as the app saves them.
func leave(w *world, emails []string) error {
	for i, email := range emails {
		c, err := w.app.FindFirstRecordByFilter("clients", "email = {:e}", map[string]any{"e": email})
		if err != nil {
			return err
		}
		switch i {
		case 0:
			c.Set("unsubscribed", true)
			err = w.app.Save(c)
		case 1:
			c.Set("bouncing", true)
			c.Set("bounces", 3)
			err = w.app.Save(c)
		case 2:
			err = w.app.Delete(c)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
