package dispatch

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// errBusy means another dispatcher holds the lock of this data dir.
var errBusy = errors.New("another dispatch pass is running on this data dir")

// lockDataDir takes the dispatcher's lock of dataDir without waiting: one
// pass at a time per data dir, whether from the cron inside serve or from
// `postrider dispatch`. The kernel drops the lock when the process ends,
// however it ends, so a crash never leaves a stale lock behind.
func lockDataDir(dataDir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dataDir, "dispatch.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errBusy
		}
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// HoldServeLock is taken by `serve` for as long as it runs (Bind), whether
// or not it dispatches: a shared lock on serve.lock in the data dir, which
// tells a `postrider dispatch` beside it that another process writes the
// same database (the web app's saves). Such a pass leaves SQLite's write
// lock free between its batches (record.go): another process only gets
// the lock by finding it free when its busy handler tries again. The
// returned func lets it go; the kernel does when the process ends.
func HoldServeLock(dataDir string) (release func(), err error) {
	f, err := os.OpenFile(filepath.Join(dataDir, "serve.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// serveRunning tells whether a process holds HoldServeLock on dataDir.
func serveRunning(dataDir string) bool {
	f, err := os.OpenFile(filepath.Join(dataDir, "serve.lock"), os.O_RDWR, 0)
	if err != nil {
		return false // never taken here
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}
