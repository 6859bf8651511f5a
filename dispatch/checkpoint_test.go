package dispatch_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"postrider/dispatch"
)

// A long pass keeps the database's write-ahead log small while it sends
// (its checkpoints run beside the writes), and once it is over the
// writing connection checkpoints by itself again, as SQLite does: the
// disk does not fill with the log of a big mailing, nor with that of the
// web app's writes after it.
func TestALongPassKeepsTheDatabaseLogSmall(t *testing.T) {
	defer dispatch.SetCheckpointRestart(100)() // 400 KiB instead of 16 MiB: a small run shows it
	w := newWorld(t)
	m := w.listMailing(2000)
	w.window(m, w.now, w.now.Add(time.Hour), "once")
	// the log of making the clients is copied and emptied first
	if _, err := w.app.NonconcurrentDB().NewQuery("PRAGMA wal_checkpoint(TRUNCATE)").Execute(); err != nil {
		t.Fatal(err)
	}
	if s := w.mustPass(dispatch.Options{Workers: 4}); s.Sent != 2000 {
		t.Fatalf("sent %d, want 2000 (%s)", s.Sent, s)
	}
	// the log's file keeps the size it grew to (journal_size_limit cuts it only past 200 MB)
	wal, err := os.Stat(filepath.Join(w.app.DataDir(), "data.db-wal"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the log grew to %d KiB", wal.Size()/1024)
	if wal.Size() > 4<<20 {
		t.Errorf("the write-ahead log grew to %d KiB over 2,000 messages, want at most 4 MiB (ten times the threshold)", wal.Size()/1024)
	}
	var auto int
	if err := w.app.NonconcurrentDB().NewQuery("PRAGMA wal_autocheckpoint").Row(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != 1000 {
		t.Errorf("after the pass the writing connection checkpoints every %d pages, want SQLite's 1000", auto)
	}
}
