package dispatch

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"postrider/internal/e2e"
	"postrider/internal/smtptest"
)

// Stopping `serve` (SIGTERM) in the middle of a run stops its pass between
// messages: the server says so as news, not as a failure, on stderr and in
// its logs, and the rest stays pending, for the next pass to send once.
func TestServeStoppedMidRunSaysSoWithoutAFailure(t *testing.T) {
	dir, _ := e2e.Seeded(t, 2000)
	srv := smtptest.Start(t)
	srv.OnData = func(smtptest.Message) error {
		time.Sleep(5 * time.Millisecond) // a slow server: the run lasts past the signal
		return nil
	}
	in := e2e.Serve(t, e2e.SMTPEnv(srv.Port, 2), e2e.DataDirFiles(t, dir, "pb_data"))
	srv.WaitFor(t, 1, time.Minute)
	if err := in.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- in.Cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop within 30 s of SIGTERM")
	}
	out := in.Output.String()
	if strings.Contains(out, "dispatch pass failed") || !strings.Contains(out, "dispatch pass stopped for the shutdown") {
		t.Fatalf("serve's output after SIGTERM mid-run:\n%s", out)
	}
	app := e2e.OpenData(t, in.DataDir)
	var logs []struct {
		Level   int    `db:"level"`
		Message string `db:"message"`
	}
	if err := app.AuxDB().NewQuery("SELECT level, message FROM _logs WHERE message LIKE 'Dispatch pass%'").All(&logs); err != nil {
		t.Fatal(err)
	}
	if len(logs) != 1 || logs[0].Level != 0 || !strings.HasPrefix(logs[0].Message, "Dispatch pass stopped for the shutdown") {
		t.Fatalf("the logs of the pass: %+v", logs)
	}
	// what it wrote of the claim (chunks: perhaps not all yet) is sent or
	// pending, nothing failed; the next pass sends the rest, each once
	if c := e2e.CountDeliveries(t, app); c.Pending == 0 || c.Failed != 0 || c.Sent+c.Pending != c.Total {
		t.Fatalf("deliveries after the stop: %+v", c)
	}
	app.ResetBootstrapState()
	env := e2e.SMTPEnv(srv.Port, 2)
	if r := e2e.RunDispatch(t, env, in.DataDir); r.Code != 0 {
		t.Fatalf("the pass after the restart: %s", r)
	}
	e2e.CheckEachOnce(t, srv.Messages(), 2000)
}
