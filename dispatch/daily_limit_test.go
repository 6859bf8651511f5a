package dispatch_test

import (
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
	"postrider/internal/schedule"
)

// limitTo sets a user's daily limit as a moderator's save would.
func (w *world) limitTo(u *core.Record, n int) {
	w.t.Helper()
	u = w.reload(u)
	u.Set("daily_limit", n)
	if err := w.app.Save(u); err != nil {
		w.t.Fatal(err)
	}
}

// sentOnce checks that the server got exactly want messages, each
// recipient one.
func (w *world) sentOnce(want int) {
	w.t.Helper()
	each := w.smtp.PerRecipient()
	total := 0
	for rcpt, n := range each {
		if n != 1 {
			w.t.Errorf("%s got %d messages", rcpt, n)
		}
		total += n
	}
	if total != want {
		w.t.Fatalf("the server got %d messages; want %d", total, want)
	}
}

// statusIs checks a run's status, and its note when want note is not "-".
func (w *world) statusIs(run *core.Record, status, note string) *core.Record {
	w.t.Helper()
	run = w.reload(run)
	if got := run.GetString("status"); got != status {
		w.t.Fatalf("run %s: status %q, want %q (note %q)", run.Id, got, status, run.GetString("note"))
	}
	if note != "-" && run.GetString("note") != note {
		w.t.Fatalf("run %s: note %q, want %q", run.Id, run.GetString("note"), note)
	}
	return run
}

// A run that reaches its owner's daily limit waits, saying so, with its
// next try at the owner's next midnight (in the owner's zone) for serve's
// timer; it goes on by itself then, a limit's worth a day, until every
// recipient has had one message: nothing fails, nothing twice.
func TestADailyLimitHoldsARunUntilTheOwnersNextMidnight(t *testing.T) {
	w := newWorld(t)
	owner := w.newUser("moscow@example.com", "Europe/Moscow") // 09:00 UTC is 12:00 there
	w.limitTo(owner, 7)
	m := w.bulkMailing(owner, "lim", 20)
	w.window(m, w.now.Add(-time.Minute), w.now.Add(72*time.Hour), schedule.PeriodOnce)
	const note = "daily limit of 7 reached; the rest goes out from 00:00 your time"
	midnight := time.Date(2027, 3, 1, 21, 0, 0, 0, time.UTC) // 00:00 of 2 March in Moscow
	at := func(t time.Time) dispatch.Options {
		return dispatch.Options{Workers: 4, Now: func() time.Time { return t }}
	}

	s := w.mustPass(at(w.now))
	if s.Sent != 7 || s.Failed != 0 {
		t.Fatalf("first day: %s; want 7 sent, none failed", s)
	}
	run := w.statusIs(w.runOf(m), "waiting", note)
	if got := run.GetDateTime("next_try_at").Time(); !got.Equal(midnight) {
		t.Fatalf("next try at %s; want the owner's midnight %s", got, midnight)
	}
	if due, ok, err := dispatch.NextDue(w.app); err != nil || !ok || !due.Equal(midnight) {
		t.Fatalf("serve's timer is set for %s (%v, %v); want %s", due, ok, err, midnight)
	}
	w.sentOnce(7)

	// a minute before the owner's midnight: still waiting, nothing more
	if s := w.mustPass(at(midnight.Add(-time.Minute))); s.Sent != 0 {
		t.Fatalf("before midnight: %s; want nothing sent", s)
	}
	w.statusIs(run, "waiting", note)

	// the next day: seven more, then waiting again for the day after
	if s := w.mustPass(at(midnight)); s.Sent != 7 || s.Failed != 0 {
		t.Fatalf("second day: %s; want 7 sent", s)
	}
	run = w.statusIs(run, "waiting", note)
	if got := run.GetDateTime("next_try_at").Time(); !got.Equal(midnight.Add(24 * time.Hour)) {
		t.Fatalf("second day: next try at %s; want %s", got, midnight.Add(24*time.Hour))
	}
	// the third day: the last six, and the run is done
	if s := w.mustPass(at(midnight.Add(24*time.Hour + time.Hour))); s.Sent != 6 || s.Failed != 0 {
		t.Fatalf("third day: %s; want the last 6 sent", s)
	}
	run = w.statusIs(run, "done", "")
	if run.GetInt("sent") != 20 || run.GetInt("failed") != 0 {
		t.Fatalf("run: sent %d, failed %d; want 20 and 0", run.GetInt("sent"), run.GetInt("failed"))
	}
	w.sentOnce(20)
	for day, want := range map[time.Time]int{w.now: 7, midnight: 7, midnight.Add(25 * time.Hour): 6} {
		if n, err := dispatch.SentToday(w.app, owner.Id, "Europe/Moscow", day); err != nil || n != want {
			t.Errorf("sent on the day of %s: %d (%v); want %d", day, n, err, want)
		}
	}
}

// Two runs of one owner share the owner's day, and the owner's limit
// holds back no one else: another owner's run goes out whole.
func TestTwoRunsOfOneOwnerShareTheLimitAndOthersKeepSending(t *testing.T) {
	w := newWorld(t)
	owner := w.newUser("limited@example.com", "UTC")
	w.limitTo(owner, 10)
	a, b := w.bulkMailing(owner, "la", 8), w.bulkMailing(owner, "lb", 8)
	other := w.bulkMailing(w.newUser("free@example.com", "UTC"), "free", 15)
	for _, m := range []*core.Record{a, b, other} {
		w.window(m, w.now.Add(-time.Minute), w.now.Add(time.Hour), schedule.PeriodOnce)
	}
	s := w.mustPass(dispatch.Options{Workers: 4})
	if s.Sent != 25 || s.Failed != 0 {
		t.Fatalf("pass: %s; want 10 of the limited owner's and 15 of the other's", s)
	}
	limited := w.reload(w.runOf(a)).GetInt("sent") + w.reload(w.runOf(b)).GetInt("sent")
	if limited != 10 {
		t.Fatalf("the limited owner's runs sent %d; want 10", limited)
	}
	w.statusIs(w.runOf(other), "done", "")
	for _, m := range []*core.Record{a, b} {
		if st := w.reload(w.runOf(m)).GetString("status"); st != "waiting" && st != "done" {
			t.Fatalf("run of %s: %s", m.Id, st)
		}
	}
	w.sentOnce(25)

	// the limit raised: the rest goes out at the next pass, the same day
	w.limitTo(owner, 0)
	if s := w.mustPass(dispatch.Options{Workers: 4, Now: func() time.Time { return w.now.Add(time.Minute) }}); s.Sent != 6 {
		t.Fatalf("after the limit was cleared: %s; want the 6 left", s)
	}
	w.statusIs(w.runOf(a), "done", "")
	w.statusIs(w.runOf(b), "done", "")
	w.sentOnce(31)
}

// However many workers and passes try at once, no more than the limit
// leaves: two passes started together (one holds the data dir, the other
// finds it busy) with eight workers each.
func TestTwoPassesAtOnceNeverPassTheLimit(t *testing.T) {
	w := newWorld(t)
	owner := w.newUser("racy@example.com", "UTC")
	w.limitTo(owner, 25)
	m := w.bulkMailing(owner, "race", 100)
	w.window(m, w.now.Add(-time.Minute), w.now.Add(time.Hour), schedule.PeriodOnce)
	var wg sync.WaitGroup
	sums := make([]dispatch.Summary, 2)
	for i := range sums {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums[i] = w.mustPass(dispatch.Options{Workers: 8})
		}()
	}
	wg.Wait()
	if sums[0].Sent+sums[1].Sent != 25 {
		t.Fatalf("passes: %s / %s; want 25 sent in all", sums[0], sums[1])
	}
	w.sentOnce(25)
	run := w.statusIs(w.runOf(m), "waiting", "daily limit of 25 reached; the rest goes out from 00:00 your time")
	if run.GetInt("sent") != 25 {
		t.Fatalf("run: sent %d; want 25", run.GetInt("sent"))
	}
	// a third pass the same day sends nothing
	if s := w.mustPass(dispatch.Options{Workers: 8}); s.Sent != 0 {
		t.Fatalf("a later pass the same day: %s; want nothing", s)
	}
	w.sentOnce(25)
}

// A lowered limit holds from the next message: a user who sent 5 today
// and is lowered to 5 sends nothing more today.
func TestALoweredLimitHoldsAtOnce(t *testing.T) {
	w := newWorld(t)
	owner := w.newUser("lowered@example.com", "UTC")
	w.limitTo(owner, 5)
	first := w.bulkMailing(owner, "one", 5)
	w.window(first, w.now.Add(-time.Minute), w.now.Add(time.Hour), schedule.PeriodOnce)
	if s := w.mustPass(dispatch.Options{}); s.Sent != 5 {
		t.Fatalf("first: %s", s)
	}
	w.statusIs(w.runOf(first), "done", "")
	w.limitTo(owner, 3)
	second := w.bulkMailing(owner, "two", 5)
	w.window(second, w.now.Add(-time.Minute), w.now.Add(time.Hour), schedule.PeriodOnce)
	if s := w.mustPass(dispatch.Options{Now: func() time.Time { return w.now.Add(time.Minute) }}); s.Sent != 0 {
		t.Fatalf("after the limit was lowered below today's use: %s; want nothing", s)
	}
	w.statusIs(w.runOf(second), "waiting", "daily limit of 3 reached; the rest goes out from 00:00 your time")
	w.sentOnce(5)
}

// An owner who moves to a zone where the day is still the one used up
// does not get a second day's messages at the old midnight: the run waits
// for midnight in the new zone, and serve's timer with it (not again at
// once, over and over).
func TestAnOwnerWhoMovesZoneWaitsForTheNewZonesMidnight(t *testing.T) {
	w := newWorld(t)
	owner := w.newUser("mover@example.com", "UTC")
	w.limitTo(owner, 5)
	m := w.bulkMailing(owner, "move", 8)
	w.window(m, w.now.Add(-time.Minute), w.now.Add(72*time.Hour), schedule.PeriodOnce)
	if s := w.mustPass(dispatch.Options{}); s.Sent != 5 {
		t.Fatalf("first day: %s", s)
	}
	utcMidnight := time.Date(2027, 3, 2, 0, 0, 0, 0, time.UTC)
	w.statusIs(w.runOf(m), "waiting", "-")

	// 2 March 00:00 UTC is still 1 March, 12:00, at UTC-12
	u := w.reload(owner)
	u.Set("timezone", "Etc/GMT+12")
	if err := w.app.Save(u); err != nil {
		t.Fatal(err)
	}
	if s := w.mustPass(dispatch.Options{Now: func() time.Time { return utcMidnight }}); s.Sent != 0 {
		t.Fatalf("at UTC midnight, still 1 March for the owner: %s; want nothing", s)
	}
	newMidnight := utcMidnight.Add(12 * time.Hour)
	run := w.statusIs(w.runOf(m), "waiting", "-")
	if got := run.GetDateTime("next_try_at").Time(); !got.Equal(newMidnight) {
		t.Fatalf("next try at %s; want midnight at UTC-12, %s", got, newMidnight)
	}
	if due, ok, err := dispatch.NextDue(w.app); err != nil || !ok || !due.Equal(newMidnight) {
		t.Fatalf("serve's timer is set for %s (%v, %v); want %s", due, ok, err, newMidnight)
	}
	if s := w.mustPass(dispatch.Options{Now: func() time.Time { return newMidnight }}); s.Sent != 3 {
		t.Fatalf("at midnight in the new zone: %s; want the last 3", s)
	}
	w.statusIs(w.runOf(m), "done", "")
	w.sentOnce(8)
}
