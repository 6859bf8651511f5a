package hooks

import (
	"github.com/pocketbase/pocketbase/core"

	"postrider/dispatch"
	"postrider/internal/lifecycle"
)

// bindRunsBySuperusers: only superusers update runs through REST (the
// dashboard). Their change of a run's status to paused, sending (from
// paused) or cancelled does what the owner's routes do (runs_*.go), so
// that a pause holds, a resume lifts it, and a cancel logs what was pending.
func bindRunsBySuperusers(app core.App) {
	app.OnRecordUpdateRequest("runs").BindFunc(func(e *core.RecordRequestEvent) error {
		was, now := e.Record.Original().GetString("status"), e.Record.GetString("status")
		if was == now {
			return e.Next()
		}
		switch {
		case now == lifecycle.RunPaused:
			dispatch.PauseByOwner(e.Record)
		case now == lifecycle.RunSending && was == lifecycle.RunPaused:
			dispatch.ResumeByOwner(e.Record)
		case now == lifecycle.RunCancelled:
			if err := dispatch.CancelByOwner(e.App, e.Record); err != nil {
				return err
			}
		}
		return e.Next()
	})
}
