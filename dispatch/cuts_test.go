package dispatch_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"postrider/dispatch"
	"postrider/internal/smtptest"
)

// A connection cut after the whole message went out, before the server's
// reply, is an event of its own each time: a recipient cut 2 or 3 times in
// a row still gets the message, on the pass after the last cut. The server
// here keeps each cut message (the worst case: it stored it, then lost the
// connection), so each cut may cost one copy more and no other.
func TestAMessageCutSeveralTimesIsStillDelivered(t *testing.T) {
	for _, cuts := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d cuts", cuts), func(t *testing.T) {
			w := newWorld(t)
			var mu sync.Mutex
			kept := map[string]int{} // copies the server kept before cutting
			w.smtp.OnData = func(m smtptest.Message) error {
				mu.Lock()
				defer mu.Unlock()
				if to := m.To[0]; to == "c1@example.org" && kept[to] < cuts {
					kept[to]++
					return smtptest.ErrDrop
				}
				return nil
			}
			m := w.listMailing(4)
			w.window(m, w.now, w.now.Add(time.Hour), "once")

			for pass := 1; pass <= cuts; pass++ {
				if s := w.mustPass(dispatch.Options{}); s.Failed != 0 || s.Pending != 1 {
					t.Fatalf("pass %d: %s; want c1 pending after its cut", pass, s)
				}
			}
			if s := w.mustPass(dispatch.Options{}); s.Sent != 1 || s.Failed != 0 || s.Pending != 0 {
				t.Fatalf("the pass after %d cuts: %s; want c1 sent", cuts, s)
			}
			copies := w.smtp.PerRecipient()
			for _, addr := range []string{"c0@example.org", "c1@example.org", "c2@example.org", "c3@example.org"} {
				want := 1
				if addr == "c1@example.org" {
					copies[addr] += kept[addr]
					want = 1 + cuts // one repeat per cut at most
				}
				if copies[addr] != want {
					t.Errorf("%s got %d copies, want %d", addr, copies[addr], want)
				}
			}
			for _, d := range w.deliveries(m) {
				want := 1
				if d.GetString("email") == "c1@example.org" {
					want = cuts + 1
					resp := d.GetString("response")
					if !strings.HasPrefix(resp, "250 ") || !strings.Contains(resp, fmt.Sprintf("after %d connections were cut", cuts)) ||
						d.GetInt("cuts") != cuts || !d.GetBool("unconfirmed") {
						t.Errorf("c1: %q, cuts %d, unconfirmed %v", resp, d.GetInt("cuts"), d.GetBool("unconfirmed"))
					}
				}
				if d.GetString("status") != "sent" || d.GetInt("attempts") != want {
					t.Errorf("%s: %s after %d attempts, want sent after %d", d.GetString("email"), d.GetString("status"), d.GetInt("attempts"), want)
				}
			}
		})
	}
}

// A server that always cuts the connection after the message fails the
// delivery after MaxCuts tries, saying so: the cap bounds the copies such
// a server may have kept.
func TestAMessageAlwaysCutFailsAfterMaxCuts(t *testing.T) {
	w := newWorld(t)
	w.smtp.OnData = func(m smtptest.Message) error {
		if m.To[0] == "c0@example.org" {
			return smtptest.ErrDrop
		}
		return nil
	}
	m := w.listMailing(2)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	opts := dispatch.Options{MaxCuts: 3}
	for pass := 1; pass < 3; pass++ {
		if s := w.mustPass(opts); s.Pending != 1 || s.Failed != 0 {
			t.Fatalf("pass %d: %s", pass, s)
		}
	}
	if s := w.mustPass(opts); s.Failed != 1 || s.Pending != 0 {
		t.Fatalf("pass 3: %s; want c0 failed", s)
	}
	d := w.deliveries(m)[0]
	if resp := d.GetString("response"); d.GetString("status") != "failed" || d.GetInt("attempts") != 3 || d.GetInt("cuts") != 3 ||
		!strings.Contains(resp, "cut 3 times") || !strings.Contains(resp, "may have arrived") {
		t.Fatalf("c0: %s after %d attempts, %d cuts: %q", d.GetString("status"), d.GetInt("attempts"), d.GetInt("cuts"), resp)
	}
}
