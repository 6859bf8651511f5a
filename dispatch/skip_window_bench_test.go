package dispatch_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"postrider/dispatch"
	"postrider/internal/smtptest"
)

// BenchmarkUnsubscribeWindow measures how late a message can still reach a
// client who unsubscribed while its run was sending: a run to 5,000
// clients through a real SMTP server (4 connections, at full speed and at
// 500 messages a second) while another writer unsubscribes a client not
// yet sent to every few milliseconds. late-max-ms is the longest time from
// an unsubscribe's commit to the arrival of a message to that client;
// late-n how many of the unsubscribed got one after it; left-n how many
// unsubscribed while the run sent.
func BenchmarkUnsubscribeWindow(b *testing.B) {
	for _, rate := range []float64{0, 500} {
		b.Run(fmt.Sprintf("rate=%v", rate), func(b *testing.B) {
			var lateMax time.Duration
			var late, left int
			for b.Loop() {
				m, n, l := unsubscribeWindow(b, rate)
				lateMax, late, left = max(lateMax, m), late+n, left+l
			}
			b.ReportMetric(float64(lateMax.Microseconds())/1e3, "late-max-ms")
			b.ReportMetric(float64(late)/float64(b.N), "late-n")
			b.ReportMetric(float64(left)/float64(b.N), "left-n")
		})
	}
}

func unsubscribeWindow(b *testing.B, rate float64) (lateMax time.Duration, late, left int) {
	const n = 5000
	w := newWorld(b)
	list := w.save("lists", map[string]any{"owner": w.user.Id, "name": "L"})
	if _, err := w.app.NonconcurrentDB().NewQuery(`
		INSERT INTO clients (id, owner, email, name, comment, lists, unsubscribed, created, updated)
		WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {:n} - 1)
		SELECT printf('c%014d', i), {:owner}, printf('c%d@example.org', i), '', '', json_array({:list}), 0, {:now}, {:now} FROM seq`).
		Bind(dbx.Params{"n": n, "owner": w.user.Id, "list": list.Id, "now": time.Now().UTC().Format("2006-01-02 15:04:05.000Z")}).Execute(); err != nil {
		b.Fatal(err)
	}
	m := w.mailing([]string{list.Id}, nil)
	w.window(m, w.now, w.now.Add(time.Hour), "once")

	var mu sync.Mutex
	arrived := map[string]time.Time{}
	w.smtp.OnData = func(msg smtptest.Message) error {
		mu.Lock()
		arrived[msg.To[0]] = msg.Received
		mu.Unlock()
		return nil
	}
	gone := map[string]time.Time{} // email → when its unsubscribe committed
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			time.Sleep(time.Duration(2+rand.IntN(4)) * time.Millisecond)
			mu.Lock()
			var open []string
			for i := range n {
				to := fmt.Sprintf("c%d@example.org", i)
				if _, ok := arrived[to]; !ok {
					if _, ok := gone[to]; !ok {
						open = append(open, to)
					}
				}
			}
			mu.Unlock()
			if len(open) == 0 {
				return
			}
			to := open[rand.IntN(min(len(open), 200))] // among the next ones, as they go in client order
			if _, err := w.app.NonconcurrentDB().NewQuery("UPDATE clients SET unsubscribed = TRUE WHERE email = {:e}").
				Bind(dbx.Params{"e": to}).Execute(); err != nil {
				b.Error(err)
				return
			}
			gone[to] = time.Now()
		}
	}()
	opts := dispatch.Options{Workers: 4, Rate: rate, Now: func() time.Time { return w.now }}
	if _, err := dispatch.Run(context.Background(), w.app, opts); err != nil {
		b.Fatal(err)
	}
	stop()
	<-done
	var lates []time.Duration
	for to, at := range gone {
		if got, ok := arrived[to]; ok && got.After(at) {
			lates = append(lates, got.Sub(at))
		}
	}
	slices.Sort(lates)
	if len(lates) > 0 {
		lateMax = lates[len(lates)-1]
	}
	return lateMax, len(lates), len(gone)
}
