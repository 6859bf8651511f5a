package hooks

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
	"postrider/internal/lifecycle"
)

// resumeRun is POST /api/postrider/runs/{id}/resume: the owner's paused run
// sends again (the dispatcher takes it up at once). A run paused because
// its mailing may not send (stopped, waiting for approval) goes on once
// the mailing may: the caller is told to resume the mailing instead.
func resumeRun(e *core.RequestEvent) error {
	return changeOwnRun(e, func(tx core.App, run *core.Record) error {
		if run.GetString("status") != lifecycle.RunPaused {
			return e.BadRequestError("Only a paused run can be resumed.", nil)
		}
		var may bool
		err := tx.DB().NewQuery(`SELECT ` + lifecycle.MaySend + ` FROM mailings m JOIN users u ON u.id = m.owner WHERE m.id = {:id}`).
			Bind(dbx.Params{"id": run.GetString("mailing")}).Row(&may)
		if err != nil {
			return err
		}
		if !may {
			return e.BadRequestError("The mailing may not send now (stopped, or waiting for a moderator): resume the mailing, and its runs go on.", nil)
		}
		dispatch.ResumeByOwner(run)
		return nil
	})
}
