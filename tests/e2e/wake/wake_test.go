package wake

// What can send again sends at once, not at the cron's next tick (every
// five minutes): a run left unfinished by a `serve` killed mid-run, when
// serve starts again or when a second serve on the same data dir sees the
// first one die, and a mailing resumed by its owner. The tests' cron never
// fires, so a message after the kill or the resume comes from nothing but
// the wake-ups they test; how soon it came is logged (go test -v), not
// asserted: a slow machine makes it later, never wrong.

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"postrider/internal/e2e"
	"postrider/internal/seed"
	"postrider/internal/smtptest"
)

// wakeClients is how many clients the tests' mailing goes to; with the slow
// server below (one connection, 10 ms a message) its run lasts seconds.
const wakeClients = 300

// slowServer is an SMTP server that takes 10 ms to accept a message.
func slowServer(t *testing.T) *smtptest.Server {
	srv := smtptest.Start(t)
	srv.OnData = func(smtptest.Message) error {
		time.Sleep(10 * time.Millisecond)
		return nil
	}
	return srv
}

// serving is one `postrider serve` on a data dir the test chose.
type serving struct {
	cmd    *exec.Cmd
	url    string
	out    *e2e.SyncBuffer
	exited chan struct{}
}

// serveOn starts `postrider serve` on dir and waits until it answers; the
// test ends it with SIGINT, or kill -9 on its own.
func serveOn(t *testing.T, env map[string]string, dir string) *serving {
	t.Helper()
	port := e2e.FreePort(t)
	s := &serving{url: "http://127.0.0.1:" + strconv.Itoa(port), out: new(e2e.SyncBuffer)}
	s.cmd = e2e.Run(t, env, "serve", "--dev=false", "--http", "127.0.0.1:"+strconv.Itoa(port), "--dir", dir)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	s.exited = exited
	go func() { s.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("output of the serve on %s:\n%s", s.url, s.out)
		}
	})
	e2e.WaitHealthy(t, s.url, s.out)
	return s
}

// kill ends the server with SIGKILL and waits until it is gone.
func (s *serving) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.exited
}

// killedMidRun starts serve on a seeded data dir with a mailing due now,
// and kills it with SIGKILL once 50 of its messages arrived.
func killedMidRun(t *testing.T, srv *smtptest.Server, env map[string]string) (string, seed.Due) {
	t.Helper()
	dir, due := e2e.Seeded(t, wakeClients)
	first := serveOn(t, env, dir)
	srv.WaitFor(t, 50, time.Minute)
	first.kill(t)
	if n := len(srv.Messages()); n >= wakeClients {
		t.Fatalf("all %d messages went out before the kill: the test proves nothing", n)
	}
	return dir, due
}

// wakeEnv is the environment of the tests' serve: the SMTP server, one
// connection, and a dispatcher cron that never fires (February 31st).
func wakeEnv(port int) map[string]string {
	env := e2e.SMTPEnv(port, 1)
	env["POSTRIDER_DISPATCH_CRON"] = "0 0 31 2 *"
	return env
}

// firstAfter waits (a minute at most) for a message accepted after since
// and says how long after since it came.
func firstAfter(t *testing.T, srv *smtptest.Server, since time.Time, what string) time.Duration {
	t.Helper()
	var late time.Duration
	e2e.Eventually(t, time.Until(since.Add(time.Minute)), func() error {
		for _, m := range srv.Messages() {
			if m.Received.After(since) {
				late = m.Received.Sub(since)
				return nil
			}
		}
		return fmt.Errorf("no message %s (%d before)", what, len(srv.Messages()))
	})
	return late
}

// allOnce waits for every client's message and checks that nobody was
// left out and that only the message in flight at the kill was repeated.
func allOnce(t *testing.T, srv *smtptest.Server) {
	t.Helper()
	e2e.Eventually(t, time.Minute, func() error {
		if n := len(e2e.PerRecipient(t, srv.Messages())); n < wakeClients {
			return fmt.Errorf("%d of %d clients got the message", n, wakeClients)
		}
		return nil
	})
	msgs := srv.Messages()
	if extra := len(msgs) - wakeClients; extra > 2 {
		t.Errorf("%d messages for %d clients: %d repeated, at most the one in flight at each kill may be", len(msgs), wakeClients, extra)
	}
}

// A serve killed with SIGKILL mid-run and started again sends the rest at
// once, with no cron to help. (The data dir's
// lock is an flock, which the kernel drops as the killed process ends:
// nothing has to expire.)
func TestServeKilledMidRunResumesAtOnceOnRestart(t *testing.T) {
	srv := slowServer(t)
	env := wakeEnv(srv.Port)
	dir, _ := killedMidRun(t, srv, env)

	serveOn(t, env, dir)
	up := time.Now()
	late := firstAfter(t, srv, up, "after the restart")
	t.Logf("sending resumed %s after the restarted serve answered", late.Round(time.Millisecond))
	allOnce(t, srv)
}

// A second serve on the same data dir, started while the first sends,
// takes the run over as soon as the first one dies.
func TestASecondServeTakesOverWhenTheFirstDies(t *testing.T) {
	srv := slowServer(t)
	env := wakeEnv(srv.Port)
	dir, _ := e2e.Seeded(t, wakeClients)
	first := serveOn(t, env, dir)
	srv.WaitFor(t, 50, time.Minute)
	serveOn(t, env, dir)
	srv.WaitFor(t, len(srv.Messages())+10, time.Minute) // the first still sends
	first.kill(t)
	killed := time.Now()
	if n := len(srv.Messages()); n >= wakeClients {
		t.Fatalf("all %d messages went out before the kill: the test proves nothing", n)
	}
	late := firstAfter(t, srv, killed, "after the first serve died")
	t.Logf("the second serve sent %s after the first was killed", late.Round(time.Millisecond))
	allOnce(t, srv)
}

// A mailing whose run was parked (its owner stopped it) sends again as soon
// as its owner resumes it.
func TestAResumedMailingSendsAtOnce(t *testing.T) {
	srv := slowServer(t)
	env := wakeEnv(srv.Port)
	dir, due := killedMidRun(t, srv, env)
	{ // the owner had stopped it: the run is parked, as a pass parks it
		app := e2e.OpenData(t, dir)
		m, err := app.FindRecordById("mailings", due.Mailing)
		if err != nil {
			t.Fatal(err)
		}
		m.Set("stopped", true)
		if err := app.Save(m); err != nil {
			t.Fatal(err)
		}
		runs, err := app.FindAllRecords("runs")
		if err != nil || len(runs) != 1 {
			t.Fatalf("runs %v, %v; want the one of the mailing", runs, err)
		}
		runs[0].Set("status", "paused")
		if err := app.Save(runs[0]); err != nil {
			t.Fatal(err)
		}
		app.ResetBootstrapState()
	}

	s := serveOn(t, env, dir)
	in := &e2e.Instance{T: t, URL: s.url}
	auth := in.Must(200, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": seed.OwnerEmail, "password": seed.OwnerPassword})
	token, _ := auth["token"].(string)
	in.Must(200, "PATCH", "/api/collections/mailings/records/"+due.Mailing, token, map[string]any{"stopped": false})
	resumed := time.Now()
	late := firstAfter(t, srv, resumed, "after the resume")
	t.Logf("the first message %s after the owner resumed the mailing", late.Round(time.Millisecond))
	allOnce(t, srv)
}
