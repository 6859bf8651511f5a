package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Result is how one `postrider dispatch` ended.
type Result struct {
	Stdout, Stderr string
	Code           int
	Took           time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("exit %d after %s\n--- stdout:\n%s--- stderr:\n%s", r.Code, r.Took.Round(time.Millisecond), r.Stdout, r.Stderr)
}

// DispatchCmd prepares `postrider dispatch --dir dir args...` with its
// output captured.
func DispatchCmd(t testing.TB, env map[string]string, dir string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := Run(t, env, append([]string{"dispatch", "--dev=false", "--dir", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// Finish waits for a started command and tells how it ended.
func Finish(cmd *exec.Cmd, stdout, stderr *bytes.Buffer, started time.Time) Result {
	err := cmd.Wait()
	r := Result{Stdout: stdout.String(), Stderr: stderr.String(), Took: time.Since(started)}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.Code = exit.ExitCode() // -1 when killed
	case err != nil:
		r.Code, r.Stderr = -1, r.Stderr+"(waiting for the process: "+err.Error()+")\n"
	}
	return r
}

// RunDispatch runs one `postrider dispatch` to its end (2 minutes at most).
func RunDispatch(t testing.TB, env map[string]string, dir string, args ...string) Result {
	t.Helper()
	cmd, stdout, stderr := DispatchCmd(t, env, dir, args...)
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	return Finish(cmd, stdout, stderr, started)
}

// DispatchPasses runs `postrider dispatch` n times on dir, each to a clean
// exit, and returns their summaries. Unless env says otherwise, the
// back-off of a temporary failure is a millisecond: each pass tries again
// what the one before left.
func DispatchPasses(t *testing.T, env map[string]string, dir string, n int) []string {
	t.Helper()
	if _, ok := env["POSTRIDER_RETRY_DELAYS"]; !ok {
		env = maps.Clone(env)
		env["POSTRIDER_RETRY_DELAYS"] = "1ms"
	}
	var out []string
	for i := 1; i <= n; i++ {
		r := RunDispatch(t, env, dir)
		t.Logf("pass %d:\n%s", i, r)
		if r.Code != 0 {
			t.Fatalf("pass %d failed:\n%s", i, r)
		}
		out = append(out, strings.TrimSpace(r.Stdout))
	}
	return out
}

// CheckNotStopped fails if a temporary cause stopped the seeded mailing or
// left a run unfinished.
func CheckNotStopped(t *testing.T, dir, mailing string) {
	t.Helper()
	app := OpenData(t, dir)
	m, err := app.FindRecordById("mailings", mailing)
	if err != nil {
		t.Fatal(err)
	}
	if m.GetBool("stopped") {
		t.Errorf("the mailing was stopped for a temporary cause")
	}
	runs, err := app.FindAllRecords("runs")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.GetString("status") != "done" {
			t.Errorf("run %s is %s: %s", r.Id, r.GetString("status"), r.GetString("note"))
		}
	}
}

// Pass is a `postrider dispatch` running in the background.
type Pass struct {
	cmd    *exec.Cmd
	done   chan struct{}
	result Result
}

// StartDispatch starts `postrider dispatch --dir dir args...`; a test
// kills it or waits for its end.
func StartDispatch(t testing.TB, env map[string]string, dir string, args ...string) *Pass {
	t.Helper()
	cmd, stdout, stderr := DispatchCmd(t, env, dir, args...)
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Pass{cmd: cmd, done: make(chan struct{})}
	go func() { p.result = Finish(cmd, stdout, stderr, started); close(p.done) }()
	return p
}

// Reaches waits until reached closes while the pass still runs: the test
// fails when the pass ends first (it had nothing left to do at that
// point) or when a minute goes by, as what says what reached stands for.
func (p *Pass) Reaches(t testing.TB, reached <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-reached:
	case <-p.done:
		t.Fatalf("the pass ended before %s:\n%s", what, p.result)
	case <-time.After(time.Minute):
		p.Kill()
		t.Fatalf("no %s after a minute:\n%s", what, p.result)
	}
}

// Kill kills the pass and tells how it ended.
func (p *Pass) Kill() Result {
	p.cmd.Process.Kill()
	<-p.done
	return p.result
}

// Wait waits for the pass's own end (within limit, else it is killed and
// the test fails) and tells how it ended.
func (p *Pass) Wait(t testing.TB, limit time.Duration) Result {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		t.Fatalf("the pass did not end within %s:\n%s", limit, p.Kill())
	}
	return p.result
}
