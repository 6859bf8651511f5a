package dispatch

import (
	"errors"
	"log/slog"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// A run its owner paused or cancelled (POST /api/postrider/runs/{id}/pause,
// /cancel: hooks) while a pass sends it stops like a stopped mailing
// (stop.go): its workers see it before they begin their next message, the
// messages in flight finish and are recorded, and the pass saves the run's
// counters without undoing what the owner saved.
var (
	errHeld      = errors.New("paused by its owner")
	errCancelled = errors.New("cancelled by its owner")
)

// heldByOwner reads whether the run was paused or cancelled by its owner
// since the pass took it up: the cause its sending stops for, or nil.
func (p *pass) heldByOwner(runID string) error {
	var row struct {
		Status  string `db:"status"`
		ByOwner bool   `db:"paused_by_owner"`
	}
	err := p.app.DB().NewQuery(`SELECT status, paused_by_owner FROM runs WHERE id = {:id}`).
		Bind(dbx.Params{"id": runID}).One(&row)
	switch {
	case err != nil:
		return nil // gone with its mailing: mustStop says so
	case row.Status == runCancelled:
		return errCancelled
	case row.Status == runPaused && row.ByOwner:
		return errHeld
	}
	return nil
}

// adoptOwners keeps, in the run the pass holds, what its owner saved since
// the pass read it (fresh, read in the transaction that saves the run): a
// cancel always, and a pause unless the run is done (nothing was left to
// hold). It tells whether it took one.
func (s *runSender) adoptOwners(fresh *core.Record) bool {
	status := fresh.GetString("status")
	owners := status == runCancelled || status == runPaused && fresh.GetBool("paused_by_owner")
	if !owners || status == runPaused && s.run.GetString("status") == runDone {
		return false
	}
	for _, f := range []string{"status", "note", "paused_by_owner", "finished_at", "next_try_at"} {
		s.run.Set(f, fresh.Get(f))
	}
	return true
}

// held settles a run its owner paused or cancelled mid-send, once the
// messages in flight are recorded: its counters are read again from its
// deliveries (a message in flight when the cancel logged it failed is
// logged as it went: send.go), and what the owner saved stays.
func (s *runSender) held() error {
	if err := s.countBase(); err != nil {
		return err
	}
	s.baseSent -= s.sent
	s.baseFailed -= s.failed
	s.saveCounters()
	s.p.log.Info("Run held by its owner", slog.String("run", s.run.Id), slog.String("status", s.run.GetString("status")))
	return nil
}

// heldCause is why the sending of a run its owner holds stops.
func heldCause(run *core.Record) error {
	if run.GetString("status") == runCancelled {
		return errCancelled
	}
	return errHeld
}
