package hooks

import (
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/lifecycle"
)

// cancelRun is POST /api/postrider/runs/{id}/cancel: the owner's run that
// is sending, paused or waiting never sends again. Every delivery still
// pending is logged failed with the reply lifecycle.CancelledReply (its
// attempts as they were), and the run's counters are counted again from
// its deliveries. A message a pass had in flight is logged as it went
// when its outcome comes (dispatch/held.go).
func cancelRun(e *core.RequestEvent) error {
	return changeOwnRun(e, func(tx core.App, run *core.Record) error {
		switch run.GetString("status") {
		case lifecycle.RunSending, lifecycle.RunPaused, lifecycle.RunWaiting:
		default:
			return e.BadRequestError("The run is over: there is nothing left to cancel.", nil)
		}
		now := types.NowDateTime().String()
		_, err := tx.DB().NewQuery(`
			UPDATE deliveries SET status = {:failed}, response = {:reply}, next_try_at = '', updated = {:now}
			WHERE run = {:run} AND status = {:pending}`).
			Bind(dbx.Params{"failed": lifecycle.DeliveryFailed, "reply": lifecycle.CancelledReply, "now": now,
				"run": run.Id, "pending": lifecycle.DeliveryPending}).Execute()
		if err != nil {
			return err
		}
		var sent, failed int
		err = tx.DB().NewQuery(`SELECT COALESCE(SUM(status = {:sent}), 0), COALESCE(SUM(status = {:failed}), 0)
			FROM deliveries WHERE run = {:run}`).
			Bind(dbx.Params{"sent": lifecycle.DeliverySent, "failed": lifecycle.DeliveryFailed, "run": run.Id}).Row(&sent, &failed)
		if err != nil {
			return err
		}
		run.Set("status", lifecycle.RunCancelled)
		run.Set("paused_by_owner", false)
		run.Set("note", "cancelled by its owner")
		run.Set("next_try_at", "")
		run.Set("finished_at", time.Now().UTC())
		run.Set("sent", sent)
		run.Set("failed", failed)
		return nil
	})
}
