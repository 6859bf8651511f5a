package dispatch

// End-to-end tests of the dispatcher: the real binary (`postrider dispatch`
// and the cron inside `postrider serve`) against a real SMTP server on
// loopback, on data dirs seeded with internal/seed, checking what a user
// would notice: who got a message, how many times, and what the data dir
// says afterwards.

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"postrider/internal/e2e"
	"postrider/internal/seed"
	"postrider/internal/smtptest"
)

// A dispatcher killed with SIGKILL in the middle of a 5,000-client run
// leaves a data dir from which the next `postrider dispatch` finishes the
// run: nobody is skipped, and at most the message each connection had in
// flight at the kill is sent twice.
func TestDispatchKilledMidRunResumesWithoutLossOrDuplicates(t *testing.T) {
	const (
		clients = 5000
		workers = 8
		killAt  = 1500
	)
	dir, due := e2e.Seeded(t, clients)
	srv := smtptest.Start(t)
	reached, _ := srv.SlowUntil(time.Millisecond, killAt) // a slow server: the run takes seconds
	env := e2e.SMTPEnv(srv.Port, workers)

	pass := e2e.StartDispatch(t, env, dir)
	pass.Reaches(t, reached, fmt.Sprintf("%d messages at the server", killAt))
	first := pass.Kill()
	beforeKill := len(srv.Messages())
	t.Logf("killed after %s with %d messages accepted", first.Took.Round(time.Millisecond), beforeKill)
	if beforeKill >= clients {
		t.Fatalf("everything was sent before the kill (%d messages): the test proves nothing; slow the server down", beforeKill)
	}
	{
		app := e2e.OpenData(t, dir)
		c := e2e.CountDeliveries(t, app)
		t.Logf("after the kill the data dir says: %d sent, %d pending of %d", c.Sent, c.Pending, c.Total)
		// the claim writes its deliveries a chunk at a time, each chunk
		// whole: the kill may have come before the last one
		if c.Total > clients || c.Total < killAt {
			t.Errorf("after the kill: %d deliveries, want from %d to %d", c.Total, killAt, clients)
		}
		if c.Sent > beforeKill {
			t.Errorf("after the kill: %d deliveries say sent but the server accepted %d messages", c.Sent, beforeKill)
		}
		app.ResetBootstrapState()
	}

	second := e2e.RunDispatch(t, env, dir)
	t.Logf("second run:\n%s", second)
	if second.Code != 0 {
		t.Fatalf("the second run failed:\n%s", second)
	}

	// the server's side: everyone got the message, repeats only from the kill
	// (at most one in flight per connection at the kill)
	e2e.CheckEachOnceAfterKill(t, srv.Messages(), e2e.SeededClients(clients), workers)

	// the data dir's side
	app := e2e.OpenData(t, dir)
	c := e2e.CountDeliveries(t, app)
	if c.Total != clients || c.Sent != clients || c.Clients != clients || c.Emails != clients || c.Runs != 1 {
		t.Errorf("deliveries: %+v; want %d, all sent, one per client, in one run", c, clients)
	}
	runs, err := app.FindAllRecords("runs")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Fatalf("%d runs, want 1", len(runs))
	}
	r := runs[0]
	if r.GetString("status") != "done" || r.GetInt("sent") != clients || r.GetInt("failed") != 0 || r.GetInt("total") != clients {
		t.Errorf("run: status %q, sent %d, failed %d, total %d; want done, %d, 0, %d (note %q)",
			r.GetString("status"), r.GetInt("sent"), r.GetInt("failed"), r.GetInt("total"), clients, clients, r.GetString("note"))
	}
	// The seeded window is "once" but stays open for an hour (ends_at = now
	// + 1 h), and the design completes a mailing only "when every window
	// has ended" (updateStatuses counts the schedules with ends_at > now):
	// right after its one run the mailing is still "running".
	m, err := app.FindRecordById("mailings", due.Mailing)
	if err != nil {
		t.Fatal(err)
	}
	if m.GetString("status") != "running" {
		t.Errorf("mailing status %q, want running (its window is open for another hour)", m.GetString("status"))
	}
}

// Two `postrider dispatch` started together on one data dir: one does the
// work, the other sees it busy (or finds nothing left); each client gets
// exactly one message.
func TestTwoDispatchersAtOnceSendEachMessageOnce(t *testing.T) {
	const clients = 2000
	dir, _ := e2e.Seeded(t, clients)
	srv := smtptest.Start(t)
	srv.OnData = func(smtptest.Message) error {
		time.Sleep(time.Millisecond) // long enough for the two to overlap
		return nil
	}
	env := e2e.SMTPEnv(srv.Port, 0)

	var wg sync.WaitGroup
	results := make([]e2e.Result, 2)
	start := make(chan struct{})
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = e2e.RunDispatch(t, env, dir)
		}()
	}
	close(start)
	wg.Wait()
	for i, r := range results {
		t.Logf("dispatcher %d:\n%s", i+1, r)
	}
	for i, r := range results {
		if r.Code != 0 {
			t.Errorf("dispatcher %d failed:\n%s", i+1, r)
		}
	}
	busy := 0
	for _, r := range results {
		if strings.Contains(r.Stdout, "another dispatch pass is running") || strings.Contains(r.Stdout, "sent 0,") {
			busy++
		}
	}
	if busy != 1 {
		t.Errorf("%d of the two dispatchers stood aside, want exactly 1", busy)
	}

	e2e.CheckEachOnce(t, srv.Messages(), clients)
	c := e2e.CountDeliveries(t, e2e.OpenData(t, dir))
	if c.Total != clients || c.Sent != clients || c.Clients != clients || c.Runs != 1 {
		t.Errorf("deliveries: %+v; want %d, all sent, one per client, in one run", c, clients)
	}
}

// What `postrider dispatch` says: --dry-run lists what is due and sends
// nothing, a real run prints what it sent, and an unreachable server makes
// it fail loudly while keeping every message pending for the next run.
func TestDispatchCommandReportsAndFails(t *testing.T) {
	const clients = 300
	srv := smtptest.Start(t)
	env := e2e.SMTPEnv(srv.Port, 0)

	t.Run("dry run, then a real run", func(t *testing.T) {
		dir, due := e2e.Seeded(t, clients)
		dry := e2e.RunDispatch(t, env, dir, "--dry-run")
		if dry.Code != 0 {
			t.Fatalf("dry run:\n%s", dry)
		}
		if want := fmt.Sprintf("%d recipients", clients); !strings.Contains(dry.Stdout, "due: ") ||
			!strings.Contains(dry.Stdout, want) || !strings.Contains(dry.Stdout, due.Mailing) {
			t.Errorf("the dry run does not list mailing %s with %q:\n%s", due.Mailing, want, dry)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("the dry run sent %d messages", n)
		}
		if c := e2e.CountDeliveries(t, e2e.OpenData(t, dir)); c.Total != 0 {
			t.Errorf("the dry run wrote deliveries: %+v", c)
		}

		sent := e2e.RunDispatch(t, env, dir)
		if sent.Code != 0 || !strings.Contains(sent.Stdout, fmt.Sprintf("sent %d", clients)) {
			t.Fatalf("the real run does not say it sent %d:\n%s", clients, sent)
		}
		msgs := srv.Messages()
		e2e.CheckEachOnce(t, msgs, clients)
		mail := smtptest.ReadMail(t, msgs[0].Data)
		if mail.Subject != "Seeded mailing" || mail.Header.Get("To") != msgs[0].To[0] && !strings.Contains(mail.Header.Get("To"), "<"+msgs[0].To[0]+">") {
			t.Errorf("message to %s: subject %q, To: %q", msgs[0].To[0], mail.Subject, mail.Header.Get("To"))
		}
	})

	t.Run("unreachable server", func(t *testing.T) {
		before := len(srv.Messages())
		dir, _ := e2e.Seeded(t, clients)
		closed := e2e.FreePort(t)
		down := e2e.RunDispatch(t, e2e.SMTPEnv(closed, 0), dir)
		t.Logf("with the server down:\n%s", down)
		if down.Code == 0 {
			t.Errorf("exit 0 with the SMTP server down")
		}
		if !strings.Contains(down.Stderr, "cannot reach") || !strings.Contains(down.Stderr, strconv.Itoa(closed)) {
			t.Errorf("stderr does not say that 127.0.0.1:%d cannot be reached:\n%s", closed, down.Stderr)
		}
		if n := strings.Count(down.Stderr, "cannot reach"); n != 1 {
			t.Errorf("the cause is said %d times, want once:\n%s", n, down.Stderr)
		}
		if want := fmt.Sprintf("pending %d", clients); !strings.Contains(down.Stdout, want) {
			t.Errorf("the summary does not say %q:\n%s", want, down.Stdout)
		}
		app := e2e.OpenData(t, dir)
		if c := e2e.CountDeliveries(t, app); c.Total != clients || c.Pending != clients || c.Sent != 0 {
			t.Errorf("after the failed run: %+v; want %d deliveries, all pending", c, clients)
		}
		app.ResetBootstrapState()

		up := e2e.RunDispatch(t, env, dir)
		if up.Code != 0 || !strings.Contains(up.Stdout, fmt.Sprintf("sent %d", clients)) {
			t.Fatalf("the run with the server back does not say it sent %d:\n%s", clients, up)
		}
		e2e.CheckEachOnce(t, srv.Messages()[before:], clients)
		if c := e2e.CountDeliveries(t, e2e.OpenData(t, dir)); c.Sent != clients {
			t.Errorf("after the server came back: %+v; want all %d sent", c, clients)
		}
	})
}

// `postrider serve` sends a mailing that is due when it starts by itself,
// at once (its wake-up timer; the cron is only the safety net).
func TestServeDispatchesOnItsOwn(t *testing.T) {
	const clients = 50
	dir, due := e2e.Seeded(t, clients)
	srv := smtptest.Start(t)
	env := e2e.SMTPEnv(srv.Port, 0)
	started := time.Now()
	in := e2e.Serve(t, env, e2e.DataDirFiles(t, dir, "pb_data"))

	srv.WaitFor(t, clients, 75*time.Second)
	t.Logf("%d messages %s after the server started", clients, time.Since(started).Round(time.Second))

	// what the owner sees in the web app: the run done, every message sent;
	// once it is done, the server has every message the run will send, and
	// a repeat would be among them
	auth := in.Must(200, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": seed.OwnerEmail, "password": seed.OwnerPassword})
	token, _ := auth["token"].(string)
	e2e.Eventually(t, 10*time.Second, func() error {
		runs := in.Must(200, "GET", "/api/collections/runs/records?filter="+url.QueryEscape("mailing='"+due.Mailing+"'"), token, nil)
		items, _ := runs["items"].([]any)
		if len(items) == 1 {
			r, _ := items[0].(map[string]any)
			if r["status"] == "done" && r["sent"] == float64(clients) && r["failed"] == float64(0) {
				return nil
			}
		}
		return fmt.Errorf("the mailing's runs are %v; want one, done with %d sent", items, clients)
	})
	e2e.CheckEachOnce(t, srv.Messages(), clients)
}
