package dispatch_test

import (
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
)

// welcomeWorld is a world with a list, a welcome mailing whose window of
// that list opened an hour ago (on the real clock: a join is saved now)
// and ends in a day, delay minutes after joining.
type welcomeWorld struct {
	*world
	list, other, mailing, window *core.Record
	opened                       time.Time
}

func newWelcomeWorld(t *testing.T, delay int, end time.Duration) *welcomeWorld {
	w := &welcomeWorld{world: newWorld(t)}
	w.list = w.save("lists", map[string]any{"owner": w.user.Id, "name": "Newsletter"})
	w.other = w.save("lists", map[string]any{"owner": w.user.Id, "name": "Other"})
	w.mailing = w.world.mailing([]string{w.list.Id}, nil)
	w.opened = time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	w.window = w.save("schedules", map[string]any{
		"mailing": w.mailing.Id, "starts_at": w.opened, "ends_at": time.Now().Add(end), "period": "on_join",
		"list": w.list.Id, "delay_minutes": delay, "next_run_at": w.opened,
	})
	return w
}

// at runs a pass with its clock at t.
func (w *welcomeWorld) at(t time.Time, opts dispatch.Options) dispatch.Summary {
	w.t.Helper()
	opts.Now = func() time.Time { return t }
	return w.mustPass(opts)
}

func (w *welcomeWorld) join(c *core.Record, lists ...string) {
	w.t.Helper()
	c = w.reload(c)
	c.Set("lists", lists)
	if err := w.app.Save(c); err != nil {
		w.t.Fatal(err)
	}
}

// A client who joins the list while the window is open gets the mailing
// once, delay minutes after joining, in a run of kind welcome: not
// before, not again; a client of another list, or in the list before the
// window opened, gets nothing; the mailing runs while the window is open.
func TestAWelcomeGoesToEachJoinerOnceAfterItsDelay(t *testing.T) {
	w := newWelcomeWorld(t, 60, 24*time.Hour)
	w.clients("early", 1, w.list.Id, nil) // made in the list: joins it
	old := w.clients("other", 1, w.other.Id, nil)
	joiner := w.clients("new", 1, "", nil)[0]
	w.join(joiner, w.list.Id)
	joined := time.Now()

	if s := w.at(joined.Add(30*time.Minute), dispatch.Options{}); s.Sent != 0 {
		t.Fatalf("half an hour after joining: %s, want nothing sent yet", s)
	}
	if st := w.reload(w.mailing).GetString("status"); st != "running" {
		t.Errorf("while its window is open the mailing is %q, want running", st)
	}
	if s := w.at(joined.Add(61*time.Minute), dispatch.Options{}); s.Sent != 2 {
		t.Fatalf("an hour after joining: %s, want the two joiners sent", s)
	}
	if got := w.recipients(); !slices.Equal(got, []string{"early0@example.org", "new0@example.org"}) {
		t.Fatalf("the server got %v", got)
	}
	runs, err := w.app.FindRecordsByFilter("runs", "mailing = {:m}", "", 0, 0, map[string]any{"m": w.mailing.Id})
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v %v, want one welcome run", runs, err)
	}
	run := runs[0]
	if run.GetString("kind") != "welcome" || run.GetInt("total") != 2 || run.GetInt("sent") != 2 || run.GetString("status") != "done" {
		t.Errorf("run: kind %q, %d of %d sent, %s; want welcome, 2 of 2, done", run.GetString("kind"), run.GetInt("sent"), run.GetInt("total"), run.GetString("status"))
	}
	if day := run.GetDateTime("run_at").Time(); !day.Equal(joined.UTC().Truncate(24 * time.Hour)) {
		t.Errorf("the run's day is %s, want the start of the day of joining", day)
	}
	if s := w.at(joined.Add(3*time.Hour), dispatch.Options{}); s.Sent != 0 {
		t.Errorf("a later pass: %s, want nothing sent again", s)
	}

	// a new joiner brings the finished run back to sending
	w.join(old[0], w.other.Id, w.list.Id)
	if st := w.reload(run).GetString("status"); st != "sending" {
		t.Errorf("a finished welcome run that gets a joiner is %q, want sending", st)
	}
	if s := w.at(time.Now().Add(61*time.Minute), dispatch.Options{}); s.Sent != 1 || len(w.smtp.Messages()) != 3 {
		t.Errorf("after the third joiner's delay: %s, the server holds %d messages; want 1 more, 3", s, len(w.smtp.Messages()))
	}
}

// Leaving the list before the delay cancels the welcome (logged, not
// sent); joining again brings it back once; a client who had it and joins
// again does not get it twice; a client who unsubscribes in between gets
// nothing.
func TestLeavingBeforeTheDelayCancelsTheWelcome(t *testing.T) {
	w := newWelcomeWorld(t, 60, 24*time.Hour)
	cs := w.clients("c", 3, w.list.Id, nil)
	w.join(cs[0]) // leaves
	unsub := w.reload(cs[2])
	unsub.Set("unsubscribed", true)
	if err := w.app.Save(unsub); err != nil {
		t.Fatal(err)
	}
	if s := w.at(time.Now().Add(61*time.Minute), dispatch.Options{}); s.Sent != 1 {
		t.Fatalf("%s, want only the client who stayed sent", s)
	}
	want := map[string]string{"c0@example.org": dispatch.SkippedLeft, "c1@example.org": "", "c2@example.org": dispatch.SkippedUnsubscribed}
	for _, d := range w.deliveries(w.mailing) {
		if d.GetString("response") != want[d.GetString("email")] && d.GetString("status") != "sent" {
			t.Errorf("%s: %s %q, want %q", d.GetString("email"), d.GetString("status"), d.GetString("response"), want[d.GetString("email")])
		}
	}

	w.join(cs[0], w.list.Id) // back: the welcome comes now
	w.join(cs[1])            // had it: leaves
	w.join(cs[1], w.list.Id) // and joins again: no second one
	if s := w.at(time.Now().Add(61*time.Minute), dispatch.Options{}); s.Sent != 1 {
		t.Fatalf("%s, want the client who came back sent", s)
	}
	if got := w.recipients(); !slices.Equal(got, []string{"c0@example.org", "c1@example.org"}) {
		t.Errorf("the server got %v, want each stayer once", got)
	}
}

// The give-up clock of a welcome counts from when it was due, not from its
// run's start: due three hours after a run began, with RetryFor an hour, a
// greylisting server's refusal is tried again, not failed.
func TestAWelcomesRetriesCountFromItsOwnTime(t *testing.T) {
	w := newWelcomeWorld(t, 180, 24*time.Hour)
	refused := 0
	w.smtp.OnRcpt = func(string) error {
		if refused++; refused == 1 {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted, try again"}
		}
		return nil
	}
	w.clients("c", 1, w.list.Id, nil)
	due := time.Now().Add(181 * time.Minute)
	opts := dispatch.Options{RetryFor: time.Hour, RetryDelays: []time.Duration{10 * time.Minute}}
	if s := w.at(due, opts); s.Sent != 0 || s.Failed != 0 || s.Pending != 1 {
		t.Fatalf("when due: %s, want the greylisted welcome pending", s)
	}
	if s := w.at(due.Add(11*time.Minute), opts); s.Sent != 1 {
		t.Fatalf("after the back-off: %s, want it sent", s)
	}
}

// A client who joins before the window's end with a delay that takes
// their welcome past it still gets it; the mailing stays running until
// then and completes after.
func TestAWelcomeDuePastTheWindowsEndStillGoes(t *testing.T) {
	w := newWelcomeWorld(t, 3*1440, 2*time.Hour)
	w.clients("c", 1, w.list.Id, nil)
	end := w.window.GetDateTime("ends_at").Time()
	if w.at(end.Add(time.Hour), dispatch.Options{}); w.reload(w.mailing).GetString("status") != "running" {
		t.Errorf("after its end, a welcome still to go: the mailing is %q, want running", w.reload(w.mailing).GetString("status"))
	}
	if s := w.at(time.Now().Add(3*24*time.Hour+time.Minute), dispatch.Options{}); s.Sent != 1 {
		t.Fatalf("three days after joining: %s, want it sent", s)
	}
	if st := w.reload(w.mailing).GetString("status"); st != "completed" {
		t.Errorf("once the last welcome went: %q, want completed", st)
	}
	// a join after the end counts for nothing
	w.clients("late", 1, w.list.Id, nil)
	if n := len(w.deliveries(w.mailing)); n != 1 {
		t.Errorf("%d deliveries, want no welcome for a join after the end", n)
	}
}

// A stopped mailing sends no welcome; resumed, it sends the ones due.
func TestAStoppedWelcomeMailingSendsNothing(t *testing.T) {
	w := newWelcomeWorld(t, 0, 24*time.Hour)
	w.clients("c", 1, w.list.Id, nil)
	m := w.reload(w.mailing)
	m.Set("stopped", true)
	if err := w.app.Save(m); err != nil {
		t.Fatal(err)
	}
	if s := w.at(time.Now().Add(time.Minute), dispatch.Options{}); s.Sent != 0 {
		t.Fatalf("stopped: %s, want nothing sent", s)
	}
	m.Set("stopped", false)
	if err := w.app.Save(m); err != nil {
		t.Fatal(err)
	}
	if s := w.at(time.Now().Add(time.Minute), dispatch.Options{}); s.Sent != 1 {
		t.Fatalf("resumed: %s, want the welcome sent", s)
	}
}

// The rules of any run hold for welcomes: a mailing waiting for approval
// sends none until approved; a mailing sent once per client welcomes no
// one who had it from another window; the owner's daily limit holds the
// rest of a day's welcomes back.
func TestWelcomesKeepApprovalOncePerClientAndTheDailyLimit(t *testing.T) {
	t.Run("approval", func(t *testing.T) {
		w := newWelcomeWorld(t, 0, 24*time.Hour)
		w.decide(w.mailing, "pending")
		w.clients("c", 1, w.list.Id, nil)
		if s := w.at(time.Now().Add(time.Minute), dispatch.Options{}); s.Sent != 0 {
			t.Fatalf("pending approval: %s, want nothing sent", s)
		}
		w.decide(w.mailing, "approved")
		if s := w.at(time.Now().Add(time.Minute), dispatch.Options{}); s.Sent != 1 {
			t.Fatalf("approved: %s, want the welcome sent", s)
		}
	})
	t.Run("once per client", func(t *testing.T) {
		w := newWelcomeWorld(t, 0, 24*time.Hour)
		m := w.reload(w.mailing)
		m.Set("once_per_client", true)
		if err := w.app.Save(m); err != nil {
			t.Fatal(err)
		}
		had := w.clients("had", 1, "", nil)[0]
		if _, err := w.app.DB().NewQuery(`INSERT INTO _postrider_reached (mailing, client) VALUES ({:m}, {:c})`).
			Bind(map[string]any{"m": m.Id, "c": had.Id}).Execute(); err != nil {
			t.Fatal(err)
		}
		w.join(had, w.list.Id)
		w.clients("new", 1, w.list.Id, nil)
		if s := w.at(time.Now().Add(time.Minute), dispatch.Options{}); s.Sent != 1 {
			t.Fatalf("%s, want only the newcomer sent", s)
		}
		if got := w.recipients(); !slices.Equal(got, []string{"new0@example.org"}) {
			t.Errorf("the server got %v, want the newcomer only", got)
		}
	})
	t.Run("daily limit", func(t *testing.T) {
		w := newWelcomeWorld(t, 0, 24*time.Hour)
		w.limitTo(w.user, 2)
		w.clients("c", 3, w.list.Id, nil)
		if s := w.at(time.Now().Add(time.Minute), dispatch.Options{}); s.Sent != 2 || s.Failed != 0 {
			t.Fatalf("%s, want 2 sent under a limit of 2, none failed", s)
		}
	})
}
