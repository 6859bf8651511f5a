package dispatch

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// checkpointAside copies SQLite's write-ahead log back into the database
// file beside the pass's writes rather than inside them, and returns the
// function that stops it. SQLite runs that copy (a checkpoint: the log's
// new pages written to the database file, both synced) inside the commit
// that brings the log past 1,000 pages; the recorder's commits waited for
// it while every worker waited for them (a 100,000-message run: a
// commit took 0.78 ms on average, 0.40 ms with the copy aside). Here
// another connection copies the log every checkpointEvery (SQLite's
// PASSIVE mode takes no lock a writer needs), and the writing connection
// checkpoints only past checkpointRestart pages: by then most of the log
// is copied, and what its checkpoint is for is to start the log again from
// its beginning, which only a writer that finds it all copied does. The
// log's file stays a few times checkpointRestart (docs/dispatcher.md).
func (p *pass) checkpointAside() (stop func()) {
	db := p.app.NonconcurrentDB()
	var before int
	err := db.NewQuery("PRAGMA wal_autocheckpoint").Row(&before)
	if err == nil {
		_, err = db.NewQuery("PRAGMA wal_autocheckpoint = " + strconv.Itoa(checkpointRestart)).Execute()
	}
	if err != nil {
		p.log.Warn("Checkpoints stay with the writes", slog.String("error", err.Error()))
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(checkpointEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if _, err := p.app.ConcurrentDB().NewQuery("PRAGMA wal_checkpoint(PASSIVE)").Execute(); err != nil {
				p.log.Warn("A checkpoint beside the writes failed", slog.String("error", err.Error()))
			}
		}
	})
	return func() {
		cancel()
		wg.Wait()
		if _, err := db.NewQuery("PRAGMA wal_autocheckpoint = " + strconv.Itoa(before)).Execute(); err != nil {
			p.log.Warn("Checkpoints not given back to the writes", slog.String("error", err.Error()))
		}
	}
}

// How often the log is copied beside the writes, and how many pages of
// 4 KiB it holds before the writing connection checkpoints (SQLite's own
// threshold is 1,000).
var (
	checkpointEvery   = 20 * time.Millisecond
	checkpointRestart = 4000
)
