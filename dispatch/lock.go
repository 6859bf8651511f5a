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
