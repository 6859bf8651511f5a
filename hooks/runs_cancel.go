package hooks

import (
	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
	"postrider/internal/lifecycle"
)

// cancelRun is POST /api/postrider/runs/{id}/cancel: the owner's run that
// is sending, paused or waiting never sends again. Every delivery still
// pending is logged failed "cancelled by its owner", and the run's
// counters are counted again (dispatch.CancelByOwner). A message a pass
// had in flight is logged as it went when its outcome comes.
func cancelRun(e *core.RequestEvent) error {
	return changeOwnRun(e, func(tx core.App, run *core.Record) error {
		switch run.GetString("status") {
		case lifecycle.RunSending, lifecycle.RunPaused, lifecycle.RunWaiting:
		default:
			return e.BadRequestError("The run is over: there is nothing left to cancel.", nil)
		}
		return dispatch.CancelByOwner(tx, run)
	})
}
