package dispatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"postrider/dispatch"
)

// The nightly retention deletes the deliveries of runs that finished
// longer ago than the days kept, batch after batch, and leaves the runs'
// counters, newer runs and a second night alone.
func TestTheLogsRetentionDeletesOldRunsDeliveriesOnly(t *testing.T) {
	w := newWorld(t)
	old := w.listMailing(1200) // more than two batches
	w.window(old, w.now, w.now.Add(time.Hour), "once")
	w.mustPass(dispatch.Options{})
	recent := w.mailing(nil, []string{w.deliveries(old)[0].GetString("client")})
	w.now = w.now.Add(2 * time.Hour)
	w.window(recent, w.now, w.now.Add(time.Hour), "once")
	w.mustPass(dispatch.Options{})

	oldRun, err := w.app.FindFirstRecordByData("runs", "mailing", old.Id)
	if err != nil {
		t.Fatal(err)
	}
	finished := time.Now().AddDate(0, 0, -31)
	oldRun.Set("finished_at", finished)
	if err := w.app.Save(oldRun); err != nil {
		t.Fatal(err)
	}

	deleted, runs, err := dispatch.PruneLog(context.Background(), w.app, 30, time.Now())
	if err != nil || deleted != 1200 || runs != 1 {
		t.Fatalf("first night: %d deliveries of %d runs deleted, %v; want 1,200 of 1", deleted, runs, err)
	}
	if n := len(w.deliveries(old)); n != 0 {
		t.Errorf("%d deliveries of the old run are left", n)
	}
	if n := len(w.deliveries(recent)); n != 1 {
		t.Errorf("the recent run has %d deliveries, want its 1", n)
	}
	oldRun = w.reload(oldRun)
	if oldRun.GetInt("total") != 1200 || oldRun.GetInt("sent") != 1200 || oldRun.GetDateTime("log_deleted_at").IsZero() {
		t.Errorf("the old run: total %d, sent %d, log deleted at %q; want its counters kept and the time",
			oldRun.GetInt("total"), oldRun.GetInt("sent"), oldRun.GetString("log_deleted_at"))
	}

	if deleted, runs, err := dispatch.PruneLog(context.Background(), w.app, 30, time.Now()); err != nil || deleted != 0 || runs != 0 {
		t.Errorf("second night: %d deliveries of %d runs, %v; want nothing", deleted, runs, err)
	}
}

// The same night prunes the daily limit's counts of days long past,
// batch after batch, and keeps every zone's today and yesterday: the
// limit and the home page still read them.
func TestTheNightPrunesOldDailyCountsAndKeepsToday(t *testing.T) {
	w := newWorld(t)
	now := time.Date(2027, 3, 10, 3, 17, 0, 0, time.UTC)
	owners := []string{"ownera", "ownerb"}
	for _, owner := range owners {
		for d := range 700 { // 1,400 rows, more than two batches
			_, err := w.app.DB().NewQuery(`INSERT INTO _postrider_daily_sends (owner, day, sent) VALUES ({:o}, {:d}, {:n})`).
				Bind(dbx.Params{"o": owner, "d": now.AddDate(0, 0, -d).Format(time.DateOnly), "n": d + 1}).Execute()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	deleted, err := dispatch.PruneDailySends(context.Background(), w.app, now)
	if err != nil || deleted != 2*(700-4) {
		t.Fatalf("%d rows deleted, %v; want every day but the last four of each owner (%d)", deleted, err, 2*(700-4))
	}
	for _, owner := range owners {
		// Honolulu's today is still UTC's yesterday, Kiritimati's is UTC's today
		for zone, want := range map[string]int{"UTC": 1, "Pacific/Honolulu": 2, "Pacific/Kiritimati": 1} {
			if n, err := dispatch.SentToday(w.app, owner, zone, now); err != nil || n != want {
				t.Errorf("%s in %s: sent today %d, %v; want %d", owner, zone, n, err, want)
			}
		}
		if n, err := dispatch.SentToday(w.app, owner, "UTC", now.AddDate(0, 0, -4)); err != nil || n != 0 {
			t.Errorf("%s: four days ago still counts %d, %v; want it gone", owner, n, err)
		}
	}
	if deleted, err := dispatch.PruneDailySends(context.Background(), w.app, now); err != nil || deleted != 0 {
		t.Errorf("a second night deleted %d, %v; want nothing", deleted, err)
	}
}
