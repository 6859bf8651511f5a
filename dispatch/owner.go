package dispatch

import (
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/lifecycle"
)

// What a run's owner does to it (POST /api/postrider/runs/{id}/pause,
// /resume, /cancel: hooks), each in the caller's transaction app before it
// saves run; the caller checks the run's status first. A pass sending the
// run sees the change before its next message (held.go).

// PausedByOwnerNote is the note of a run its owner paused.
const PausedByOwnerNote = "paused by its owner"

// PauseByOwner holds a sending or waiting run until its owner resumes it.
func PauseByOwner(run *core.Record) {
	run.Set("status", runPaused)
	run.Set("paused_by_owner", true)
	run.Set("note", PausedByOwnerNote)
}

// ResumeByOwner lets a paused run send again (the caller checks that its
// mailing may send: a pass would park it again otherwise).
func ResumeByOwner(run *core.Record) {
	run.Set("status", runSending)
	run.Set("paused_by_owner", false)
	run.Set("note", "")
}

// CancelByOwner logs every delivery of run still pending failed with the
// reply lifecycle.CancelledReply (its attempts as they were), counts the
// run's sent and failed again from its deliveries, and sets it cancelled.
func CancelByOwner(app core.App, run *core.Record) error {
	now := time.Now()
	_, err := app.DB().NewQuery(`
		UPDATE deliveries SET status = {:failed}, response = {:reply}, next_try_at = '', updated = {:now}
		WHERE run = {:run} AND status = {:pending}`).
		Bind(dbx.Params{"failed": deliveryFailed, "reply": lifecycle.CancelledReply, "now": dbTime(now),
			"run": run.Id, "pending": deliveryPending}).Execute()
	if err != nil {
		return err
	}
	var sent, failed int
	err = app.DB().NewQuery(`SELECT COALESCE(SUM(status = {:sent}), 0), COALESCE(SUM(status = {:failed}), 0)
		FROM deliveries WHERE run = {:run}`).
		Bind(dbx.Params{"sent": deliverySent, "failed": deliveryFailed, "run": run.Id}).Row(&sent, &failed)
	if err != nil {
		return err
	}
	run.Set("status", runCancelled)
	run.Set("paused_by_owner", false)
	run.Set("note", lifecycle.CancelledReply)
	run.Set("next_try_at", "")
	run.Set("finished_at", types.NowDateTime())
	run.Set("sent", sent)
	run.Set("failed", failed)
	return nil
}
