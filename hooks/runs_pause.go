package hooks

import (
	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
	"postrider/internal/lifecycle"
)

// pauseRun is POST /api/postrider/runs/{id}/pause: the owner's run that is
// sending or waiting for their daily limit sends nothing more until they
// resume it. A pass sending it stops before its next message (the ones in
// flight finish and are logged: dispatch/held.go).
func pauseRun(e *core.RequestEvent) error {
	return changeOwnRun(e, func(_ core.App, run *core.Record) error {
		switch run.GetString("status") {
		case lifecycle.RunSending, lifecycle.RunWaiting:
		case lifecycle.RunPaused:
			return e.BadRequestError("The run is paused already.", nil)
		default:
			return e.BadRequestError("The run is over: there is nothing left to pause.", nil)
		}
		dispatch.PauseByOwner(run)
		return nil
	})
}
