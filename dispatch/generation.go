package dispatch

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// A data dir knows when its database was put back from a copy: a
// generation counter is kept twice, in the database (_postrider_generation,
// with when it was last raised) and in the witness file beside it. A pass
// raises both, the database first, before it sends its first message,
// every second while it sends and when it stops sending, always under the
// data dir's lock (lock.go). A copy of data.db is therefore older than the
// witness as soon as anything was sent after it was made; restored.go
// reads the two at every pass and holds what may have gone out already.

// witnessName is the witness file in the data dir; witnessTemp is where it
// is written before it is renamed into place. PocketBase's backups leave
// both out, and its restores neither replace nor move them (BindBackups).
const (
	witnessName = "dispatch.generation"
	witnessTemp = witnessName + ".tmp"
)

// generationEvery is how often a pass that sends raises the generation.
const generationEvery = time.Second

// dbGeneration is the counter as the database has it.
type dbGeneration struct {
	N  int64  `db:"generation"`
	At string `db:"at"` // when it was last raised; "" never
}

func readDBGeneration(app core.App) (dbGeneration, error) {
	var g dbGeneration
	err := app.DB().NewQuery(`SELECT generation, at FROM _postrider_generation LIMIT 1`).One(&g)
	return g, err
}

// setDBGeneration stores n, raised at now.
func setDBGeneration(app core.App, n int64, now time.Time) error {
	_, err := app.NonconcurrentDB().NewQuery(`UPDATE _postrider_generation SET generation = {:n}, at = {:at}`).
		Bind(dbx.Params{"n": n, "at": dbTime(now)}).Execute()
	return err
}

// readWitness reads the witness file of dataDir; ok is false when there is
// none, or when it holds no number (it is then written anew).
func readWitness(dataDir string) (n int64, ok bool, err error) {
	f, err := os.Open(filepath.Join(dataDir, witnessName))
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64)) // a number: a larger file is not ours
	if err != nil {
		return 0, false, err
	}
	n, err = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n < 0 {
		return 0, false, nil
	}
	return n, true, nil
}

// writeWitness replaces the witness file with n, atomically: a temporary
// file written and synced, renamed into place, the directory synced.
func writeWitness(dataDir string, n int64) error {
	tmp := filepath.Join(dataDir, witnessTemp)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(strconv.FormatInt(n, 10) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dataDir, witnessName))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", witnessName, err)
	}
	dir, err := os.Open(dataDir)
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

// setGeneration stores n in the database, then in the witness: a process
// that dies between the two leaves the database ahead, which is no restore.
func setGeneration(app core.App, n int64, now time.Time) error {
	if err := setDBGeneration(app, n, now); err != nil {
		return fmt.Errorf("raising the dispatch generation in the database: %w", err)
	}
	return writeWitness(app.DataDir(), n)
}

// raiseGeneration adds one to the database's generation and writes it to
// the witness.
func raiseGeneration(app core.App, now time.Time) error {
	g, err := readDBGeneration(app)
	if err != nil {
		return fmt.Errorf("reading the dispatch generation: %w", err)
	}
	return setGeneration(app, g.N+1, now)
}

// markSending raises the generation before the pass sends its first
// message (an error then: nothing is sent), then every generationEvery
// until the returned stop, which raises it a last time.
func (p *pass) markSending() (stop func(), err error) {
	if err := raiseGeneration(p.app, p.opts.Now()); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	raise := func() {
		if err := raiseGeneration(p.app, p.opts.Now()); err != nil {
			p.log.Error("Cannot mark the data dir as sending: a copy of the database made now may not be known for one when put back",
				slog.String("error", err.Error()))
		}
	}
	go func() {
		defer wg.Done()
		tick := time.NewTicker(generationEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				raise()
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		raise()
	}, nil
}

// BindBackups keeps the witness out of PocketBase's backups and restores:
// a backup never holds it, and a restore leaves the data dir's own in
// place, so that a database restored from a backup is older than it.
func BindBackups(app core.App) {
	exclude := func(e *core.BackupEvent) error {
		e.Exclude = append(e.Exclude, witnessName, witnessTemp)
		return e.Next()
	}
	app.OnBackupCreate().BindFunc(exclude)
	app.OnBackupRestore().BindFunc(exclude)
}
