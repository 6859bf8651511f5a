package dispatch_test

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
	"postrider/internal/smtptest"
)

// A finished run with 3 temporary failures, 1 hard refusal (5.1.1), 1
// message that may have arrived and 1 failure whose client complained
// since is sent again, once, to the 3 temporary ones, and with
// unconfirmed to the one that may have arrived too: each gets one message,
// the others none, though the one-off mailing completed with its run. Two
// asks at once make one retry run.
func TestARetrySendsEachFailureThatMayPassOnce(t *testing.T) {
	for _, c := range []struct {
		name        string
		unconfirmed bool
		want        []string
	}{
		{"temporary only", false, []string{"c1@example.org", "c2@example.org", "c3@example.org"}},
		{"with those that may have arrived", true, []string{"c1@example.org", "c2@example.org", "c3@example.org", "c5@example.org"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			var down atomic.Bool
			down.Store(true)
			busy := map[string]bool{"c1@example.org": true, "c2@example.org": true, "c3@example.org": true, "c6@example.org": true}
			w.smtp.SetFaults(smtptest.Faults{Refuse: map[string]int{"c4@example.org": 550}})
			w.smtp.OnRcpt = func(to string) error {
				if down.Load() && busy[to] {
					return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
				}
				return nil
			}
			w.smtp.OnData = func(m smtptest.Message) error {
				if down.Load() && slices.Contains(m.To, "c5@example.org") {
					return smtptest.ErrDrop // cut after the whole message: it may have arrived
				}
				return nil
			}
			m := w.listMailing(7)
			w.window(m, w.now, w.now.Add(time.Hour), "once")
			clk := &clock{now: w.now}
			opts := dispatch.Options{Now: clk.Now, RetryDelays: []time.Duration{time.Minute}, RetryFor: 2 * time.Minute}
			w.mustPass(opts)
			clk.set(w.now.Add(time.Hour)) // their time is up: they fail
			w.mustPass(opts)

			runs, err := w.app.FindAllRecords("runs")
			if err != nil || len(runs) != 1 {
				t.Fatalf("runs: %v %v", runs, err)
			}
			run := runs[0]
			if run.GetString("status") != "done" || run.GetInt("failed") != 6 || run.GetString("kind") != "scheduled" {
				t.Fatalf("the run: %s, %d failed, kind %q; want done, 6, scheduled", run.GetString("status"), run.GetInt("failed"), run.GetString("kind"))
			}
			if st := w.reload(m).GetString("status"); st != "completed" {
				t.Fatalf("the mailing is %s, want completed: its retry must send all the same", st)
			}
			// c6 complained since about an earlier message: unsubscribed
			// (as the bounce processing leaves it), its delivery marked
			for _, d := range w.deliveries(m) {
				if d.GetString("email") == "c6@example.org" {
					d.Set("bounce", "complaint")
					mustSave(t, w.app, d)
					client, _ := w.app.FindRecordById("clients", d.GetString("client"))
					client.Set("unsubscribed", true)
					client.Set("unsubscribed_reason", "complaint")
					mustSave(t, w.app, client)
				}
			}

			counts, err := dispatch.CountRetryable(w.app, run.Id)
			if err != nil || counts != (dispatch.RetryCounts{Temporary: 3, Unconfirmed: 1}) {
				t.Fatalf("counts %+v (%v), want 3 temporary, 1 unconfirmed", counts, err)
			}

			down.Store(false)
			clk.set(w.now.Add(2 * time.Hour))
			var made atomic.Int32
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := dispatch.Retry(w.app, run.Id, c.unconfirmed, clk.Now())
					switch {
					case err == nil:
						made.Add(1)
					case !errors.Is(err, dispatch.ErrRetriedBefore):
						t.Errorf("retry: %v", err)
					}
				}()
			}
			wg.Wait()
			if made.Load() != 1 {
				t.Fatalf("%d retry runs made, want 1", made.Load())
			}
			before := w.smtp.PerRecipient()
			w.mustPass(opts)
			w.mustPass(opts) // and nothing more
			after := w.smtp.PerRecipient()
			var got []string
			for to, n := range after {
				if n-before[to] > 0 {
					got = append(got, to)
				}
				if n-before[to] > 1 {
					t.Errorf("%s got %d messages from the retry", to, n-before[to])
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Fatalf("the retry reached %v, want %v", got, c.want)
			}
			retry, err := w.app.FindFirstRecordByData("runs", "retry_of", run.Id)
			if err != nil {
				t.Fatal(err)
			}
			if retry.GetString("kind") != "retry" || retry.GetString("status") != "done" || retry.GetInt("sent") != len(c.want) || retry.GetInt("total") != len(c.want) {
				t.Fatalf("the retry run: kind %q, %s, %d of %d sent", retry.GetString("kind"), retry.GetString("status"), retry.GetInt("sent"), retry.GetInt("total"))
			}
		})
	}
}

func mustSave(t testing.TB, app core.App, r *core.Record) {
	t.Helper()
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
}
