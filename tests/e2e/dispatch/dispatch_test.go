package main

// End-to-end tests of the dispatcher: the real binary (`postrider dispatch`
// and the cron inside `postrider serve`) against a real SMTP server on
// loopback, on data dirs seeded with internal/seed, checking what a user
// would notice: who got a message, how many times, and what the data dir
// says afterwards.

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/seed"
	"postrider/internal/smtptest"
)

// seeded makes a data dir with n clients and one mailing due now.
func seeded(t testing.TB, n int) (string, seed.Due) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pb_data")
	due, err := seed.Mailing(dir, n)
	if err != nil {
		t.Fatalf("seeding %d clients: %v", n, err)
	}
	return dir, due
}

// smtpEnv points the binary at the SMTP server on 127.0.0.1:port, with
// workers connections (the default when 0).
func smtpEnv(port int, workers int) map[string]string {
	env := map[string]string{
		"POSTRIDER_SMTP_HOST": "127.0.0.1",
		"POSTRIDER_SMTP_PORT": strconv.Itoa(port),
		"POSTRIDER_SMTP_TLS":  "none",
	}
	if workers > 0 {
		env["POSTRIDER_DISPATCH_WORKERS"] = strconv.Itoa(workers)
	}
	return env
}

// result is how one `postrider dispatch` ended.
type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %s\n--- stdout:\n%s--- stderr:\n%s", r.code, r.took.Round(time.Millisecond), r.stdout, r.stderr)
}

// dispatchCmd prepares `postrider dispatch --dir dir args...` with its
// output captured.
func dispatchCmd(t testing.TB, env map[string]string, dir string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := run(t, env, append([]string{"dispatch", "--dev=false", "--dir", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// finish waits for a started command and tells how it ended.
func finish(cmd *exec.Cmd, stdout, stderr *bytes.Buffer, started time.Time) result {
	err := cmd.Wait()
	r := result{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(started)}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode() // -1 when killed
	case err != nil:
		r.code, r.stderr = -1, r.stderr+"(waiting for the process: "+err.Error()+")\n"
	}
	return r
}

// runDispatch runs one `postrider dispatch` to its end (2 minutes at most).
func runDispatch(t testing.TB, env map[string]string, dir string, args ...string) result {
	t.Helper()
	cmd, stdout, stderr := dispatchCmd(t, env, dir, args...)
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	return finish(cmd, stdout, stderr, started)
}

// openData opens a data dir the binary is done with.
func openData(t testing.TB, dir string) core.App {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		t.Fatalf("opening %s: %v", dir, err)
	}
	t.Cleanup(func() { app.ResetBootstrapState() })
	return app
}

// deliveryCounts is what the deliveries of a data dir say.
type deliveryCounts struct {
	Total   int `db:"total"`
	Sent    int `db:"sent"`
	Pending int `db:"pending"`
	Failed  int `db:"failed"`
	Clients int `db:"clients"`
	Emails  int `db:"emails"`
	Runs    int `db:"runs"`
}

func countDeliveries(t testing.TB, app core.App) deliveryCounts {
	t.Helper()
	var c deliveryCounts
	err := app.DB().NewQuery(`
		SELECT COUNT(*) AS total,
		       COALESCE(SUM(status = 'sent'), 0) AS sent,
		       COALESCE(SUM(status = 'pending'), 0) AS pending,
		       COALESCE(SUM(status = 'failed'), 0) AS failed,
		       COUNT(DISTINCT client) AS clients,
		       COUNT(DISTINCT email) AS emails,
		       COUNT(DISTINCT run) AS runs
		FROM deliveries`).One(&c)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// perRecipient counts the messages each address received; a message with
// more or fewer than one envelope recipient fails the test (every client
// gets a message of their own).
func perRecipient(t *testing.T, msgs []smtptest.Message) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, m := range msgs {
		if len(m.To) != 1 {
			t.Fatalf("a message went to %d recipients at once: %v", len(m.To), m.To)
		}
		counts[m.To[0]]++
	}
	return counts
}

// checkEachOnce fails unless the n seeded clients got exactly one message
// each and nobody else got any.
func checkEachOnce(t *testing.T, msgs []smtptest.Message, n int) {
	t.Helper()
	counts := perRecipient(t, msgs)
	var missing, repeated []string
	for i := 1; i <= n; i++ {
		addr := fmt.Sprintf("client%d@example.test", i)
		switch c := counts[addr]; {
		case c == 0:
			missing = append(missing, addr)
		case c > 1:
			repeated = append(repeated, fmt.Sprintf("%s×%d", addr, c))
		}
		delete(counts, addr)
	}
	if len(missing)+len(repeated)+len(counts) > 0 || len(msgs) != n {
		t.Fatalf("%d messages for %d clients: %d clients got none (%s), %d got several (%s), strangers got %v",
			len(msgs), n, len(missing), head(missing), len(repeated), head(repeated), counts)
	}
}

func head(s []string) string {
	if len(s) > 10 {
		return strings.Join(s[:10], ", ") + ", …"
	}
	return strings.Join(s, ", ")
}

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
	dir, due := seeded(t, clients)
	srv := smtptest.Start(t)
	var accepted atomic.Int64
	reached := make(chan struct{})
	var once sync.Once
	srv.OnData = func(smtptest.Message) error {
		time.Sleep(time.Millisecond) // a slow server: the run takes seconds
		if accepted.Add(1) >= killAt {
			once.Do(func() { close(reached) })
		}
		return nil
	}
	env := smtpEnv(srv.Port, workers)

	cmd, stdout, stderr := dispatchCmd(t, env, dir)
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var first result
	go func() { first = finish(cmd, stdout, stderr, started); close(exited) }()
	select {
	case <-reached:
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-exited
	case <-exited:
		t.Fatalf("the dispatcher ended before the server had %d messages:\n%s", killAt, first)
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("the server had %d messages after a minute:\n%s", accepted.Load(), first)
	}
	beforeKill := len(srv.Messages())
	t.Logf("killed after %s with %d messages accepted", first.took.Round(time.Millisecond), beforeKill)
	if beforeKill >= clients {
		t.Fatalf("everything was sent before the kill (%d messages): the test proves nothing; slow the server down", beforeKill)
	}
	{
		app := openData(t, dir)
		c := countDeliveries(t, app)
		t.Logf("after the kill the data dir says: %d sent, %d pending of %d", c.Sent, c.Pending, c.Total)
		if c.Total != clients {
			t.Errorf("after the kill: %d deliveries, want %d (they are written with the run, in one transaction)", c.Total, clients)
		}
		if c.Sent > beforeKill {
			t.Errorf("after the kill: %d deliveries say sent but the server accepted %d messages", c.Sent, beforeKill)
		}
		app.ResetBootstrapState()
	}

	second := runDispatch(t, env, dir)
	t.Logf("second run:\n%s", second)
	if second.code != 0 {
		t.Fatalf("the second run failed:\n%s", second)
	}

	// the server's side: everyone got the message, repeats only from the kill
	msgs := srv.Messages()
	counts := perRecipient(t, msgs)
	var missing, repeats []string
	for i := 1; i <= clients; i++ {
		addr := fmt.Sprintf("client%d@example.test", i)
		if counts[addr] == 0 {
			missing = append(missing, addr)
		}
		if counts[addr] > 1 {
			repeats = append(repeats, fmt.Sprintf("%s×%d", addr, counts[addr]))
		}
		delete(counts, addr)
	}
	t.Logf("server: %d messages for %d clients; %d repeated after the kill: %s", len(msgs), clients, len(msgs)-clients, head(repeats))
	if len(missing) > 0 {
		t.Errorf("%d clients never got the message: %s", len(missing), head(missing))
	}
	if len(counts) > 0 {
		t.Errorf("messages to addresses that are no client: %v", counts)
	}
	if extra := len(msgs) - clients + len(missing); extra > workers {
		t.Errorf("%d messages sent twice (%s); at most %d (one in flight per connection) may be", extra, head(repeats), workers)
	}

	// the data dir's side
	app := openData(t, dir)
	c := countDeliveries(t, app)
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
	dir, _ := seeded(t, clients)
	srv := smtptest.Start(t)
	srv.OnData = func(smtptest.Message) error {
		time.Sleep(time.Millisecond) // long enough for the two to overlap
		return nil
	}
	env := smtpEnv(srv.Port, 0)

	var wg sync.WaitGroup
	results := make([]result, 2)
	start := make(chan struct{})
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = runDispatch(t, env, dir)
		}()
	}
	close(start)
	wg.Wait()
	for i, r := range results {
		t.Logf("dispatcher %d:\n%s", i+1, r)
	}
	for i, r := range results {
		if r.code != 0 {
			t.Errorf("dispatcher %d failed:\n%s", i+1, r)
		}
	}
	busy := 0
	for _, r := range results {
		if strings.Contains(r.stdout, "another dispatch pass is running") || strings.Contains(r.stdout, "sent 0,") {
			busy++
		}
	}
	if busy != 1 {
		t.Errorf("%d of the two dispatchers stood aside, want exactly 1", busy)
	}

	checkEachOnce(t, srv.Messages(), clients)
	c := countDeliveries(t, openData(t, dir))
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
	env := smtpEnv(srv.Port, 0)

	t.Run("dry run, then a real run", func(t *testing.T) {
		dir, due := seeded(t, clients)
		dry := runDispatch(t, env, dir, "--dry-run")
		if dry.code != 0 {
			t.Fatalf("dry run:\n%s", dry)
		}
		if want := fmt.Sprintf("%d recipients", clients); !strings.Contains(dry.stdout, "due: ") ||
			!strings.Contains(dry.stdout, want) || !strings.Contains(dry.stdout, due.Mailing) {
			t.Errorf("the dry run does not list mailing %s with %q:\n%s", due.Mailing, want, dry)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("the dry run sent %d messages", n)
		}
		if c := countDeliveries(t, openData(t, dir)); c.Total != 0 {
			t.Errorf("the dry run wrote deliveries: %+v", c)
		}

		sent := runDispatch(t, env, dir)
		if sent.code != 0 || !strings.Contains(sent.stdout, fmt.Sprintf("sent %d", clients)) {
			t.Fatalf("the real run does not say it sent %d:\n%s", clients, sent)
		}
		msgs := srv.Messages()
		checkEachOnce(t, msgs, clients)
		mail := smtptest.ReadMail(t, msgs[0].Data)
		if mail.Subject != "Seeded mailing" || mail.Header.Get("To") != msgs[0].To[0] && !strings.Contains(mail.Header.Get("To"), "<"+msgs[0].To[0]+">") {
			t.Errorf("message to %s: subject %q, To: %q", msgs[0].To[0], mail.Subject, mail.Header.Get("To"))
		}
	})

	t.Run("unreachable server", func(t *testing.T) {
		before := len(srv.Messages())
		dir, _ := seeded(t, clients)
		closed := freePort(t)
		down := runDispatch(t, smtpEnv(closed, 0), dir)
		t.Logf("with the server down:\n%s", down)
		if down.code == 0 {
			t.Errorf("exit 0 with the SMTP server down")
		}
		if !strings.Contains(down.stderr, "cannot reach") || !strings.Contains(down.stderr, strconv.Itoa(closed)) {
			t.Errorf("stderr does not say that 127.0.0.1:%d cannot be reached:\n%s", closed, down.stderr)
		}
		if n := strings.Count(down.stderr, "cannot reach"); n != 1 {
			t.Errorf("the cause is said %d times, want once:\n%s", n, down.stderr)
		}
		if want := fmt.Sprintf("pending %d", clients); !strings.Contains(down.stdout, want) {
			t.Errorf("the summary does not say %q:\n%s", want, down.stdout)
		}
		app := openData(t, dir)
		if c := countDeliveries(t, app); c.Total != clients || c.Pending != clients || c.Sent != 0 {
			t.Errorf("after the failed run: %+v; want %d deliveries, all pending", c, clients)
		}
		app.ResetBootstrapState()

		up := runDispatch(t, env, dir)
		if up.code != 0 || !strings.Contains(up.stdout, fmt.Sprintf("sent %d", clients)) {
			t.Fatalf("the run with the server back does not say it sent %d:\n%s", clients, up)
		}
		checkEachOnce(t, srv.Messages()[before:], clients)
		if c := countDeliveries(t, openData(t, dir)); c.Sent != clients {
			t.Errorf("after the server came back: %+v; want all %d sent", c, clients)
		}
	})
}

// dataDirFiles copies a data dir's files into serve()'s files, under name.
func dataDirFiles(t *testing.T, dir, name string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.Join(name, rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// `postrider serve` sends a mailing that is due when it starts by itself,
// at once (its wake-up timer; the cron is only the safety net).
func TestServeDispatchesOnItsOwn(t *testing.T) {
	const clients = 50
	dir, due := seeded(t, clients)
	srv := smtptest.Start(t)
	env := smtpEnv(srv.Port, 0)
	started := time.Now()
	in := serve(t, env, dataDirFiles(t, dir, "pb_data"))

	srv.WaitFor(t, clients, 75*time.Second)
	t.Logf("%d messages %s after the server started", clients, time.Since(started).Round(time.Second))
	time.Sleep(500 * time.Millisecond) // a repeat would arrive about now
	checkEachOnce(t, srv.Messages(), clients)

	// what the owner sees in the web app: the run done, every message sent
	auth := in.must(200, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": seed.OwnerEmail, "password": seed.OwnerPassword})
	token, _ := auth["token"].(string)
	deadline := time.Now().Add(10 * time.Second)
	for {
		runs := in.must(200, "GET", "/api/collections/runs/records?filter="+url.QueryEscape("mailing='"+due.Mailing+"'"), token, nil)
		items, _ := runs["items"].([]any)
		if len(items) == 1 {
			r, _ := items[0].(map[string]any)
			if r["status"] == "done" && r["sent"] == float64(clients) && r["failed"] == float64(0) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the mailing's runs are %v; want one, done with %d sent", items, clients)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
