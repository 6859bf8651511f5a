package dispatch_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/dispatch"
	"postrider/internal/schedule"
)

// bulkMailing makes n clients of owner in a new list, by SQL (a Save per
// client would take minutes at tens of thousands), and a mailing to that list.
func (w *world) bulkMailing(owner *core.Record, prefix string, n int) *core.Record {
	w.t.Helper()
	list := w.save("lists", map[string]any{"owner": owner.Id, "name": prefix})
	now := types.NowDateTime().String()
	_, err := w.app.DB().NewQuery(`
		INSERT INTO clients (id, owner, email, name, comment, lists, unsubscribed, created, updated)
		WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {:n})
		SELECT printf('%s%09d', {:prefix}, i), {:owner}, printf('%s%d@example.org', {:prefix}, i), '', '',
		       json_array({:list}), 0, {:now}, {:now}
		FROM seq`).Bind(dbx.Params{"n": n, "prefix": prefix, "owner": owner.Id, "list": list.Id, "now": now}).Execute()
	if err != nil {
		w.t.Fatal(err)
	}
	return w.save("mailings", map[string]any{
		"owner": owner.Id, "subject": "News for " + prefix, "body": "<p>Hello</p>", "lists": []string{list.Id},
	})
}

// runOf is the one run of a mailing.
func (w *world) runOf(mailing *core.Record) *core.Record {
	w.t.Helper()
	runs, err := w.app.FindRecordsByFilter("runs", "mailing = {:m}", "", 0, 0, dbx.Params{"m": mailing.Id})
	if err != nil || len(runs) != 1 {
		w.t.Fatalf("runs of mailing %s: %d (%v)", mailing.Id, len(runs), err)
	}
	return runs[0]
}

// sentAfter counts the messages of mailing sent after t.
func (w *world) sentAfter(mailing *core.Record, t types.DateTime) int {
	w.t.Helper()
	var n int
	err := w.app.DB().NewQuery(`SELECT COUNT(*) FROM deliveries WHERE mailing = {:m} AND status = 'sent' AND sent_at > {:t}`).
		Bind(dbx.Params{"m": mailing.Id, "t": t.String()}).Row(&n)
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

// bigRecipients is the size of the big run beside a small one. The
// dispatcher before it served runs in turn (bf19f11^) sent the big run
// whole first and fails this test at any size (seen at 20, 100 and 1,000);
// this one sends the small run's 10 within the big run's first few dozen,
// but at 100 a loaded machine once left only 47 of them after it, so 1,000
// keeps a margin. It was 50,000: a minute of the package's tests.
const bigRecipients = 1000

// A sender's big run does not hold back another sender's mailing of 10:
// the workers serve both runs in turn, so the small one is done while the
// big one still sends, and each recipient gets one message.
func TestASmallMailingIsDoneWhileABigOneOfAnotherOwnerStillSends(t *testing.T) {
	w := newWorld(t)
	big := w.bulkMailing(w.user, "big", bigRecipients)
	other := w.newUser("other@example.com", "UTC")
	small := w.bulkMailing(other, "small", 10)
	// the big one fell due first: oldest first, it used to go out whole before the small one began
	w.window(big, w.now.Add(-2*time.Minute), w.now.Add(time.Hour), schedule.PeriodOnce)
	w.window(small, w.now.Add(-time.Minute), w.now.Add(time.Hour), schedule.PeriodOnce)

	s := w.mustPass(dispatch.Options{Workers: 4})
	if s.Runs != 2 || s.Sent != bigRecipients+10 || s.Failed != 0 {
		t.Fatalf("pass: %s; want 2 runs, %d sent", s, bigRecipients+10)
	}
	smallRun, bigRun := w.runOf(small), w.runOf(big)
	if smallRun.GetString("status") != "done" || bigRun.GetString("status") != "done" {
		t.Fatalf("runs: small %s, big %s; want both done", smallRun.GetString("status"), bigRun.GetString("status"))
	}
	doneAt := smallRun.GetDateTime("finished_at")
	if later := w.sentAfter(big, doneAt); later == 0 {
		t.Fatalf("the big run sent nothing after the small one was done (at %s): the small one waited for it", doneAt)
	} else {
		t.Logf("the small run was done at %s; the big run sent %d of its %d after that", doneAt, later, bigRecipients)
	}
	each := w.smtp.PerRecipient()
	if len(each) != bigRecipients+10 {
		t.Fatalf("%d recipients got a message; want %d", len(each), bigRecipients+10)
	}
	for rcpt, n := range each {
		if n != 1 {
			t.Fatalf("%s got %d messages", rcpt, n)
		}
	}
}

// A window that falls due while a pass sends a long run is claimed by that
// pass and sent beside it, not after it: on the server's wake-up (Wake) at
// once, as on the pass's own look every second.
func TestAWindowDueDuringAPassGoesOutBesideTheRunningOne(t *testing.T) {
	w := newWorld(t)
	long := w.bulkMailing(w.user, "long", 3000)
	w.window(long, w.now.Add(-time.Minute), w.now.Add(time.Hour), schedule.PeriodOnce)
	other := w.newUser("other@example.com", "UTC")
	soon := w.bulkMailing(other, "soon", 5)
	w.window(soon, w.now.Add(time.Minute), w.now.Add(time.Hour), schedule.PeriodOnce)

	// the clock moves past the second window once the long run has begun
	var moved atomic.Bool
	now := func() time.Time {
		if moved.Load() {
			return w.now.Add(2 * time.Minute)
		}
		return w.now
	}
	wake := make(chan struct{}, 1)
	go func() {
		w.smtp.WaitFor(t, 1, time.Minute)
		moved.Store(true)
		wake <- struct{}{}
	}()
	// 1,000 messages a second: the long run takes 3 s
	s := w.mustPass(dispatch.Options{Workers: 4, Rate: 1000, Now: now, Wake: wake})
	if s.Runs != 2 || s.Sent != 3005 {
		t.Fatalf("pass: %s; want 2 runs, 3005 sent", s)
	}
	doneAt := w.runOf(soon).GetDateTime("finished_at")
	if later := w.sentAfter(long, doneAt); later == 0 {
		t.Fatalf("the long run sent nothing after the second mailing's run was done (%s)", doneAt)
	} else {
		t.Logf("the second run was done while the first still had %d messages to send", later)
	}
	if got := len(w.smtp.PerRecipient()); got != 3005 {
		t.Fatalf("%d recipients got a message; want %d", got, 3005)
	}
}
