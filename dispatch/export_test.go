package dispatch

import "errors"

// NextDue is nextDue, for the tests of package dispatch_test: when serve's
// timer wakes a pass.
var NextDue = nextDue

// FailClaimAt makes the claimer's chunk k fail, inside its transaction
// (committed false) or right after it committed (true), as a crash there
// would; the returned func puts things back.
func FailClaimAt(k int, committed bool, also func(k int, committed bool)) (restore func()) {
	claimFault = func(at int, done bool) error {
		if also != nil {
			also(at, done)
		}
		if at == k && done == committed {
			return errCrash
		}
		return nil
	}
	return func() { claimFault = nil }
}

var errCrash = errors.New("the process died here")

// SetCheckpointRestart sets how many pages the write-ahead log holds before
// the writing connection checkpoints during a pass (checkpoint.go); the
// returned func puts it back.
func SetCheckpointRestart(pages int) (restore func()) {
	before := checkpointRestart
	checkpointRestart = pages
	return func() { checkpointRestart = before }
}

// The queries that count what is pending, for their plan's test.
const (
	PendingLeft  = pendingLeft
	PendingOfRun = pendingOfRun
)
