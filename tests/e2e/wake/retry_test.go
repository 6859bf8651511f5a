package wake

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// The fault matrix's 421 storm under `serve`, on a clock 600 times faster:
// the default back-off divided by 600 (1 s becomes 2 ms, an hour 6 s), a
// server answering 421 to every recipient for 6 s (an hour), and another
// sender's windows falling due every 250 ms (every two and a half
// minutes) meanwhile. Every recipient gets exactly one message once the
// storm is over; none is tried sooner than its back-off says, whatever the
// other windows' passes; the log says how many tries each took.
func TestServeRidesOutAnHourOf421WithEveryMessageOnce(t *testing.T) {
	const clients = 50
	delays := []time.Duration{2 * time.Millisecond, 8 * time.Millisecond, 50 * time.Millisecond, 200 * time.Millisecond,
		500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 6 * time.Second}
	const storm = 6 * time.Second

	srv := smtptest.Start(t)
	var mu sync.Mutex
	tries := map[string][]time.Time{}
	var stormEnds time.Time
	srv.OnRcpt = func(to string) error {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		if stormEnds.IsZero() { // the storm begins with the first try
			stormEnds = now.Add(storm)
		}
		tries[to] = append(tries[to], now)
		if now.Before(stormEnds) {
			return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many messages, try again later"}
		}
		return nil
	}
	dir, due := e2e.Seeded(t, clients)
	other := otherSenderWindows(t, dir, 28, 250*time.Millisecond)

	env := e2e.SMTPEnv(srv.Port, 4)
	env["POSTRIDER_DISPATCH_CRON"] = "0 0 31 2 *" // never: only the windows and the retries wake a pass
	var list []string
	for _, d := range delays {
		list = append(list, d.String())
	}
	env["POSTRIDER_RETRY_DELAYS"] = strings.Join(list, ",")
	serveOn(t, env, dir)

	e2e.Eventually(t, 2*time.Minute, func() error {
		if n := len(mailedTo(srv, "client")); n < clients {
			return fmt.Errorf("%d of %d clients got their message since the storm began", n, clients)
		}
		return nil
	})
	// the other sender's last windows may still be riding out the storm
	// (before mu is taken below: the server's OnRcpt needs it)
	app := e2e.OpenData(t, dir)
	e2e.Eventually(t, 2*time.Minute, func() error {
		var open []struct {
			ID     string `db:"id"`
			Status string `db:"status"`
			Note   string `db:"note"`
		}
		if err := app.DB().NewQuery("SELECT id, status, note FROM runs WHERE status != 'done'").All(&open); err != nil {
			t.Fatal(err)
		}
		if len(open) > 0 {
			return fmt.Errorf("%d runs not done: %+v", len(open), open)
		}
		return nil
	})
	for to, n := range mailedTo(srv, "client") {
		if n != 1 {
			t.Errorf("%s got %d messages", to, n)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for to, at := range tries {
		if !strings.HasPrefix(to, "client") {
			continue
		}
		if len(at) < 2 {
			t.Errorf("%s was tried %d times in a storm of %s", to, len(at), storm)
		}
		for k := 1; k < len(at); k++ {
			if want := delays[min(k-1, len(delays)-1)]; at[k].Sub(at[k-1]) < want {
				t.Errorf("%s: try %d came %s after try %d, sooner than its back-off of %s", to, k+1, at[k].Sub(at[k-1]), k, want)
			}
		}
	}
	if got := mailedTo(srv, other)[other]; got > 28 {
		t.Errorf("the other sender's 28 windows sent %d messages", got)
	}
	var logged []struct {
		Email    string `db:"email"`
		Attempts int    `db:"attempts"`
		Status   string `db:"status"`
	}
	if err := app.DB().NewQuery("SELECT email, attempts, status FROM deliveries WHERE mailing = {:m}").
		Bind(map[string]any{"m": due.Mailing}).All(&logged); err != nil {
		t.Fatal(err)
	}
	for _, d := range logged {
		if d.Status != "sent" || d.Attempts != len(tries[d.Email]) {
			t.Errorf("%s: logged %s after %d attempts; the server saw %d tries", d.Email, d.Status, d.Attempts, len(tries[d.Email]))
		}
	}
	e2e.CheckNotStopped(t, dir, due.Mailing)
}

// mailedTo counts the messages the server kept for each recipient whose
// address starts with prefix.
func mailedTo(srv *smtptest.Server, prefix string) map[string]int {
	counts := map[string]int{}
	for to, n := range srv.PerRecipient() {
		if strings.HasPrefix(to, prefix) {
			counts[to] = n
		}
	}
	return counts
}

// otherSenderWindows adds to dir another sender with one client and n
// windows of one mailing falling due every, from a second ahead, and
// returns the client's address.
func otherSenderWindows(t *testing.T, dir string, n int, every time.Duration) string {
	t.Helper()
	app := e2e.OpenData(t, dir)
	save := func(collection string, data map[string]any) *core.Record {
		col, err := app.FindCollectionByNameOrId(collection)
		if err != nil {
			t.Fatal(err)
		}
		r := core.NewRecord(col)
		r.Load(data)
		if err := app.Save(r); err != nil {
			t.Fatalf("%s: %v", collection, err)
		}
		return r
	}
	users, _ := app.FindCollectionByNameOrId("users")
	u := core.NewRecord(users)
	u.SetEmail("other@example.com")
	u.SetPassword("a long password")
	u.SetVerified(true)
	u.Load(map[string]any{"role": "user", "timezone": "UTC"})
	if err := app.Save(u); err != nil {
		t.Fatal(err)
	}
	const addr = "other-client@example.net"
	l := save("lists", map[string]any{"owner": u.Id, "name": "L"})
	save("clients", map[string]any{"owner": u.Id, "email": addr, "lists": []string{l.Id}})
	m := save("mailings", map[string]any{"owner": u.Id, "subject": "Other", "body": "<p>o</p>", "lists": []string{l.Id}, "status": "created"})
	first := time.Now().Add(time.Second)
	for k := range n {
		at := first.Add(time.Duration(k) * every)
		save("schedules", map[string]any{"mailing": m.Id, "starts_at": at, "ends_at": at.Add(time.Hour), "period": "once", "next_run_at": at})
	}
	return addr
}
