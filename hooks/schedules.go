package hooks

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// startGrace is how far in the past a window may start, for clock skew
// between the browser and the server.
const startGrace = time.Minute

func bindSchedules(app core.App) {
	// a window ends after it starts, however it is saved
	app.OnRecordValidate("schedules").BindFunc(func(e *core.RecordEvent) error {
		start, end := e.Record.GetDateTime("starts_at"), e.Record.GetDateTime("ends_at")
		if !start.IsZero() && !end.IsZero() && !end.After(start) {
			return fieldError("ends_at", "validation_ends_before_start", "The window must end after it starts.")
		}
		return e.Next()
	})

	// a window is added to one of the caller's own mailings, starts now or
	// later, and is first due at its start
	app.OnRecordCreateRequest("schedules").BindFunc(func(e *core.RecordRequestEvent) error {
		if !e.HasSuperuserAuth() {
			mailing, err := e.App.FindRecordById("mailings", e.Record.GetString("mailing"))
			if err != nil || mailing.GetString("owner") != e.Auth.Id {
				return badField(e, "mailing", "validation_not_owner", "Choose one of your own mailings.")
			}
		}
		if err := checkStart(e); err != nil {
			return err
		}
		e.Record.Set("next_run_at", e.Record.GetDateTime("starts_at"))
		e.Record.Set("last_run_at", "")
		return e.Next()
	})

	// a window stays with its mailing; its run times are the dispatcher's;
	// moving its start to the past is refused like creating it there
	app.OnRecordUpdateRequest("schedules").BindFunc(func(e *core.RecordRequestEvent) error {
		if fieldChanged(e.Record, "mailing") {
			return badField(e, "mailing", "validation_immutable", "A window cannot move to another mailing.")
		}
		if !e.HasSuperuserAuth() {
			for _, f := range []string{"next_run_at", "last_run_at"} {
				if fieldChanged(e.Record, f) {
					return badField(e, f, "validation_system_field", "This time is set by the dispatcher.")
				}
			}
		}
		if fieldChanged(e.Record, "starts_at") {
			if err := checkStart(e); err != nil {
				return err
			}
			if e.Record.GetDateTime("last_run_at").IsZero() {
				e.Record.Set("next_run_at", e.Record.GetDateTime("starts_at"))
			}
		}
		return e.Next()
	})
}

// checkStart refuses a window that starts in the past (beyond the grace).
func checkStart(e *core.RecordRequestEvent) error {
	start := e.Record.GetDateTime("starts_at")
	if !start.IsZero() && start.Time().Before(types.NowDateTime().Time().Add(-startGrace)) {
		return badField(e, "starts_at", "validation_start_in_past", "The window cannot start in the past.")
	}
	return nil
}
