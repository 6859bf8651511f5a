package dispatch_test

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
)

// generations reads the dispatch generation of the database and of the
// witness beside it.
func (w *world) generations() (db, witness int64) {
	w.t.Helper()
	if err := w.app.DB().NewQuery("SELECT generation FROM _postrider_generation").Row(&db); err != nil {
		w.t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(w.app.DataDir(), "dispatch.generation"))
	if err != nil {
		w.t.Fatal(err)
	}
	if witness, err = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err != nil {
		w.t.Fatal(err)
	}
	return db, witness
}

// namedMailing makes n clients in a list of that name and a mailing to it.
func (w *world) namedMailing(name string, n int) *core.Record {
	list := w.save("lists", map[string]any{"owner": w.user.Id, "name": name})
	w.clients(name, n, list.Id, nil)
	return w.mailing([]string{list.Id}, nil)
}

// A database whose witness is ahead was put back from a copy: the pass
// sends nothing; it pauses every unfinished run with a note, stops every
// mailing with such a run or a window due, keeps a moderator's stop as it
// was, leaves a mailing with nothing due alone, and sets both generations
// above either. The owner's resume lets only that mailing send again.
func TestARestoredDatabaseHoldsWhatMayHaveGoneOut(t *testing.T) {
	w := newWorld(t)
	mod := w.newUser("mod@example.com", "UTC")
	mod.Set("role", "moderator")
	if err := w.app.Save(mod); err != nil {
		t.Fatal(err)
	}
	moderated, running := w.namedMailing("moderated", 3), w.namedMailing("running", 2)
	for _, m := range []*core.Record{moderated, running} {
		w.window(m, w.now.Add(-time.Minute), w.now.Add(time.Hour), "once")
	}
	// the runs are claimed with the server down: their messages stay
	// pending. A pass stops at its first unreachable send, which may come
	// before the other run's claim is written; the next pass goes on with it
	port := w.smtp.Port
	w.serverDown()
	for claimed, passes := 0, 0; claimed < 5; passes++ {
		if passes == 100 {
			t.Fatalf("%d of 5 messages claimed after %d passes", claimed, passes)
		}
		if _, err := w.pass(dispatch.Options{}); err == nil {
			t.Fatal("a pass with the server down did not fail")
		}
		if err := w.app.DB().NewQuery("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'").Row(&claimed); err != nil {
			t.Fatal(err)
		}
	}
	m := w.reload(moderated)
	m.Set("stopped", true)
	m.Set("stopped_by", mod.Id)
	m.Set("stop_reason", "Spam complaints")
	if err := w.app.Save(m); err != nil {
		t.Fatal(err)
	}
	due, later := w.namedMailing("due", 2), w.namedMailing("later", 2)
	w.window(due, w.now.Add(-time.Minute), w.now.Add(time.Hour), "once")
	w.window(later, w.now.Add(24*time.Hour), w.now.Add(48*time.Hour), "once")
	s := w.app.Settings()
	s.SMTP.Port = port
	if err := w.app.Save(s); err != nil {
		t.Fatal(err)
	}

	// the database put back from a copy: its witness is ahead
	db, witness := w.generations()
	if db != witness || db < 1 {
		t.Fatalf("generations %d and %d after a pass; want equal, at least 1", db, witness)
	}
	if err := os.WriteFile(filepath.Join(w.app.DataDir(), "dispatch.generation"), []byte(strconv.FormatInt(db+5, 10)), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 { // held once, and still held after
		if s := w.mustPass(dispatch.Options{}); s.Sent+s.Runs != 0 || len(w.smtp.Messages()) != 0 {
			t.Fatalf("the pass on a restored database: %s; the server got %d", s, len(w.smtp.Messages()))
		}
	}
	if db2, witness2 := w.generations(); db2 != witness2 || db2 != db+6 {
		t.Errorf("generations %d and %d after the hold; want both %d", db2, witness2, db+6)
	}

	runs, err := w.app.FindAllRecords("runs")
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs %v, %v; want two", runs, err)
	}
	for _, r := range runs {
		want := map[string]string{moderated.Id: "3 messages", running.Id: "2 messages"}[r.GetString("mailing")]
		if r.GetString("status") != "paused" || !strings.Contains(r.GetString("note"), "restored from a copy made at 2027-03-01 09:00 UTC or later: "+want) {
			t.Errorf("run of %s: %s, %q; want paused, saying the restore and %s", r.GetString("mailing"), r.GetString("status"), r.GetString("note"), want)
		}
	}
	for _, c := range []struct {
		m       *core.Record
		stopped bool
		by      string
		reason  string
	}{
		{moderated, true, mod.Id, "Spam complaints"},
		{running, true, "", "database was restored from a copy made at 2027-03-01 09:00 UTC or later"},
		{due, true, "", "database was restored"},
		{later, false, "", ""},
	} {
		m := w.reload(c.m)
		if m.GetBool("stopped") != c.stopped || m.GetString("stopped_by") != c.by ||
			(c.reason == "") != (m.GetString("stop_reason") == "") || !strings.Contains(m.GetString("stop_reason"), c.reason) {
			t.Errorf("mailing %s: stopped %v by %q because %q; want %v by %q because %q", m.Id,
				m.GetBool("stopped"), m.GetString("stopped_by"), m.GetString("stop_reason"), c.stopped, c.by, c.reason)
		}
	}

	// the owner resumes one mailing: its pending messages go, nothing else
	m = w.reload(running)
	m.Set("stopped", false)
	m.Set("stop_reason", "")
	if err := w.app.Save(m); err != nil {
		t.Fatal(err)
	}
	if s := w.mustPass(dispatch.Options{}); s.Sent != 2 || len(w.smtp.Messages()) != 2 {
		t.Fatalf("the pass after the resume: %s; the server got %d, want the 2 of the mailing resumed", s, len(w.smtp.Messages()))
	}
}

// A PocketBase backup leaves the witness out, so that a restore of it
// finds the data dir's own, ahead of the backup's database.
func TestABackupLeavesTheWitnessOut(t *testing.T) {
	w := newWorld(t)
	m := w.namedMailing("news", 2)
	w.window(m, w.now.Add(-time.Minute), w.now.Add(time.Hour), "once")
	w.mustPass(dispatch.Options{})
	if _, err := os.Stat(filepath.Join(w.app.DataDir(), "dispatch.generation")); err != nil {
		t.Fatalf("no witness after a pass: %v", err)
	}
	if err := w.app.CreateBackup(context.Background(), "b.zip"); err != nil {
		t.Fatal(err)
	}
	z, err := zip.OpenReader(filepath.Join(w.app.DataDir(), core.LocalBackupsDirName, "b.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var names []string
	for _, f := range z.File {
		names = append(names, f.Name)
	}
	if !slices.Contains(names, "data.db") || slices.Contains(names, "dispatch.generation") {
		t.Errorf("the backup holds %v; want data.db and no dispatch.generation", names)
	}
}
