package wake

// A data dir whose database is put back from a copy made mid-run holds
// what may have gone out after the copy, instead of sending it again:
// the copy's unfinished run is paused with a note, its mailing stopped
// with a reason, the superuser told on stderr; the owner's resume sends.
// The copy is data.db alone, put back by hand, or PocketBase's own backup
// and restore under serve.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/e2e"
	"postrider/internal/seed"
	"postrider/internal/smtptest"
)

// copyDatabase writes a consistent copy of dir's data.db (SQLite's VACUUM
// INTO: its log included) to a file of its own, and says how many of its
// deliveries are pending.
func copyDatabase(t *testing.T, dir string) (path string, pending int) {
	t.Helper()
	app := e2e.OpenData(t, dir)
	defer app.ResetBootstrapState()
	path = filepath.Join(t.TempDir(), "copy.db")
	if _, err := app.DB().NewQuery("VACUUM INTO {:path}").Bind(dbx.Params{"path": path}).Execute(); err != nil {
		t.Fatal(err)
	}
	pending = e2e.CountDeliveries(t, app).Pending
	return path, pending
}

// putBack replaces dir's database with the copy, as someone restoring
// data.db by hand does (while nothing runs on the data dir).
func putBack(t *testing.T, dir, copied string) {
	t.Helper()
	for _, name := range []string{"data.db-wal", "data.db-shm"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(copied)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data.db"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkHeld fails unless the seeded mailing's one run is paused with a
// note naming the restore and its pending messages, and the mailing is
// stopped by the server (no moderator) with a reason naming the restore.
func checkHeld(t *testing.T, app core.App, mailing string, pending int) {
	t.Helper()
	runs, err := app.FindAllRecords("runs")
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v, %v; want the mailing's one", runs, err)
	}
	note := runs[0].GetString("note")
	if runs[0].GetString("status") != "paused" || !strings.Contains(note, "restored from a copy made at") ||
		!strings.Contains(note, fmt.Sprintf("%d messages of this run are logged pending", pending)) {
		t.Errorf("the run is %s with the note %q; want paused, saying the restore and its %d pending messages",
			runs[0].GetString("status"), note, pending)
	}
	m, err := app.FindRecordById("mailings", mailing)
	if err != nil {
		t.Fatal(err)
	}
	if !m.GetBool("stopped") || m.GetString("stopped_by") != "" || !strings.Contains(m.GetString("stop_reason"), "database was restored") {
		t.Errorf("the mailing: stopped %v by %q because %q; want stopped by the server saying the restore",
			m.GetBool("stopped"), m.GetString("stopped_by"), m.GetString("stop_reason"))
	}
}

// ownerResumes logs the seeded owner in and resumes the mailing.
func ownerResumes(t *testing.T, url, mailing string) {
	t.Helper()
	in := &e2e.Instance{T: t, URL: url}
	auth := in.Must(200, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": seed.OwnerEmail, "password": seed.OwnerPassword})
	token, _ := auth["token"].(string)
	in.Must(200, "PATCH", "/api/collections/mailings/records/"+mailing, token, map[string]any{"stopped": false})
}

// data.db copied while a run was unfinished, the run finished, the copy
// put back: the next pass sends nothing again, holds the run and stops
// the mailing, and says so on stderr; the owner's resume then sends the
// messages the copy has pending (their second copies, as the note warned).
func TestADatabasePutBackFromACopyHoldsItsRuns(t *testing.T) {
	srv := slowServer(t)
	env := wakeEnv(srv.Port)
	dir, due := killedMidRun(t, srv, env)
	copied, pending := copyDatabase(t, dir)
	if pending == 0 {
		t.Fatal("the copy has nothing pending: the test proves nothing")
	}

	e2e.DispatchPasses(t, env, dir, 1)
	allOnce(t, srv)
	sent := len(srv.Messages())

	putBack(t, dir, copied)
	r := e2e.RunDispatch(t, env, dir)
	t.Logf("the pass on the copy:\n%s", r)
	if n := len(srv.Messages()); n != sent {
		t.Fatalf("the pass on the copy sent %d messages again", n-sent)
	}
	if r.Code != 0 || !strings.Contains(r.Stdout, "sent 0") ||
		!strings.Contains(r.Stderr, fmt.Sprintf("runs held: 1 (%d messages logged pending", pending)) {
		t.Errorf("the pass on the copy does not say it held the run:\n%s", r)
	}
	app := e2e.OpenData(t, dir)
	checkHeld(t, app, due.Mailing, pending)
	app.ResetBootstrapState()

	// a pass again holds nothing more and sends nothing
	if got := e2e.DispatchPasses(t, env, dir, 1); !strings.Contains(got[0], "sent 0") {
		t.Errorf("the pass after the hold said %q", got[0])
	}

	s := serveOn(t, env, dir)
	ownerResumes(t, s.url, due.Mailing)
	srv.WaitFor(t, sent+pending, time.Minute)
	waitRunDone(t, s.url, due.Mailing)
	if n := len(srv.Messages()); n != sent+pending {
		t.Errorf("%d messages after the resume; want the %d the copy had pending", n-sent, pending)
	}
}

// waitRunDone waits (a minute at most) until the owner sees the mailing's
// run done.
func waitRunDone(t *testing.T, url, mailing string) {
	t.Helper()
	in := &e2e.Instance{T: t, URL: url}
	auth := in.Must(200, "POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": seed.OwnerEmail, "password": seed.OwnerPassword})
	token, _ := auth["token"].(string)
	e2e.Eventually(t, time.Minute, func() error {
		var runs struct {
			Items []struct{ Status, Note string }
		}
		in.Call("GET", "/api/collections/runs/records?filter="+urlQuery("mailing='"+mailing+"'"), token, nil, &runs)
		if len(runs.Items) == 1 && runs.Items[0].Status == "done" {
			return nil
		}
		return fmt.Errorf("the run is not done: %+v", runs.Items)
	})
}

func urlQuery(s string) string {
	return strings.NewReplacer(" ", "%20", "'", "%27", "=", "%3D").Replace(s)
}

// PocketBase's own backup, made while serve sends, restored after the run
// finished: serve restarts on the backup's database and holds the run the
// backup has unfinished instead of sending it again.
func TestAPocketBaseBackupRestoredUnderServeHoldsItsRun(t *testing.T) {
	// the server takes 50 messages, then holds every other until the
	// backup is made: the backup is of a run half sent, whatever the speed
	srv := smtptest.Start(t)
	held := make(chan struct{})
	var release sync.Once
	t.Cleanup(func() { release.Do(func() { close(held) }) })
	var taken atomic.Int64
	srv.OnData = func(smtptest.Message) error {
		if taken.Add(1) > 50 {
			<-held
		}
		return nil
	}
	env := wakeEnv(srv.Port)
	dir, due := e2e.Seeded(t, wakeClients)
	s := serveOn(t, env, dir)
	in := &e2e.Instance{T: t, URL: s.url, DataDir: dir}
	root := e2e.SuperuserToken(t, in)

	srv.WaitFor(t, 50, time.Minute)
	in.Must(204, "POST", "/api/backups", root, map[string]any{"name": "mid_run.zip"})
	release.Do(func() { close(held) })
	allOnce(t, srv)
	waitRunDone(t, s.url, due.Mailing)
	sent := len(srv.Messages())

	in.Must(204, "POST", "/api/backups/mid_run.zip/restore", root, nil)
	// serve restarts itself on the backup's data (an exec): wait until the
	// run it finds there is held, or until it sends again
	e2e.Eventually(t, time.Minute, func() error {
		if n := len(srv.Messages()); n > sent {
			t.Fatalf("serve sends again after the restore (%d messages so far)", n-sent)
		}
		status, note := runAsSuperuser(s.url, root, due.Mailing)
		if status == "paused" {
			t.Logf("the run after the restore: %s", note)
			return nil
		}
		return fmt.Errorf("the run was not held after the restore (%s: %s):\n%s", status, note, s.out)
	})
	if n := len(srv.Messages()); n != sent {
		t.Fatalf("serve sent %d messages again after the restore", n-sent)
	}
	e2e.CheckEachOnce(t, srv.Messages(), wakeClients)
	// the log line may follow the held run by a moment
	e2e.Eventually(t, 30*time.Second, func() error {
		if out := s.out.String(); !strings.Contains(out, "database was restored from a copy made at") {
			return fmt.Errorf("serve does not say the database was restored:\n%s", out)
		}
		return nil
	})
	if _, err := os.Stat(filepath.Join(dir, "dispatch.generation")); err != nil {
		t.Errorf("the data dir's witness is gone after the restore: %v", err)
	}

	// the superuser sees the run held and the mailing stopped by the server
	var m struct {
		Stopped    bool   `json:"stopped"`
		StoppedBy  string `json:"stopped_by"`
		StopReason string `json:"stop_reason"`
	}
	in.Call("GET", "/api/collections/mailings/records/"+due.Mailing, root, nil, &m)
	if !m.Stopped || m.StoppedBy != "" || !strings.Contains(m.StopReason, "database was restored") {
		t.Errorf("the mailing after the restore: %+v; want stopped by the server saying the restore", m)
	}
}

// runAsSuperuser reads the mailing's run as the superuser sees it; "" while
// serve does not answer (it is restarting).
func runAsSuperuser(url, token, mailing string) (status, note string) {
	req, err := http.NewRequest("GET", url+"/api/collections/runs/records?filter="+urlQuery("mailing='"+mailing+"'"), nil)
	if err != nil {
		return "", ""
	}
	req.Header.Set("Authorization", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", ""
	}
	defer res.Body.Close()
	var runs struct {
		Items []struct{ Status, Note string }
	}
	if res.StatusCode != 200 || json.NewDecoder(res.Body).Decode(&runs) != nil || len(runs.Items) != 1 {
		return "", ""
	}
	return runs.Items[0].Status, runs.Items[0].Note
}

// A fresh data dir is no restore, nor is a database one generation ahead
// of its witness (a process that died between the two writes): nothing is
// held, and the run goes on to everyone once.
func TestAFreshDataDirOrADatabaseAheadOfItsWitnessHoldsNothing(t *testing.T) {
	srv := slowServer(t)
	env := wakeEnv(srv.Port)
	dir, due := killedMidRun(t, srv, env) // the fresh data dir sent
	witness := func() int64 {
		b, err := os.ReadFile(filepath.Join(dir, "dispatch.generation"))
		if err != nil {
			t.Fatalf("the data dir has no witness after sending: %v", err)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	w := witness()
	app := e2e.OpenData(t, dir)
	var d int64
	if err := app.DB().NewQuery("SELECT generation FROM _postrider_generation").Row(&d); err != nil {
		t.Fatal(err)
	}
	if d < w || d > w+1 || w < 1 {
		t.Fatalf("the database's generation is %d, the witness's %d: want them equal (or the database one ahead), at least 1", d, w)
	}
	if _, err := app.NonconcurrentDB().NewQuery("UPDATE _postrider_generation SET generation = {:n}").
		Bind(dbx.Params{"n": w + 1}).Execute(); err != nil {
		t.Fatal(err)
	}
	app.ResetBootstrapState()

	r := e2e.RunDispatch(t, env, dir)
	if r.Code != 0 || strings.Contains(r.Stderr, "restored") {
		t.Errorf("the pass on a database ahead of its witness:\n%s", r)
	}
	allOnce(t, srv)
	e2e.CheckNotStopped(t, dir, due.Mailing)
	if got := witness(); got <= w+1 {
		t.Errorf("the witness says %d after a pass that sent; want more than %d", got, w+1)
	}
}
