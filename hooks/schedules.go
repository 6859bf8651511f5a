package hooks

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"postrider/internal/lifecycle"
	"postrider/internal/schedule"
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
		if len(e.Record.GetStringSlice("weekdays")) > 0 && e.Record.GetString("period") != schedule.PeriodDaily {
			return fieldError("weekdays", "validation_weekdays_daily", "Days of the week are for a daily window: choose daily, or no days.")
		}
		if err := checkWelcome(e.App, e.Record); err != nil {
			return err
		}
		if err := checkWindowRecipients(e.App, e.Record); err != nil {
			return err
		}
		return e.Next()
	})

	// a window is added to one of the caller's own mailings that has not
	// completed, starts now or later, and is first due at its start
	app.OnRecordCreateRequest("schedules").BindFunc(func(e *core.RecordRequestEvent) error {
		mailing, err := e.App.FindRecordById("mailings", e.Record.GetString("mailing"))
		if err != nil || (!e.HasSuperuserAuth() && mailing.GetString("owner") != e.Auth.Id) {
			return badField(e, "mailing", "validation_not_owner", "Choose one of your own mailings.")
		}
		if err := checkOpen(e, mailing); err != nil {
			return err
		}
		if err := checkStart(e); err != nil {
			return err
		}
		e.Record.Set("last_run_at", "")
		next, err := nextRun(e.App, e.Record, mailing)
		if err != nil {
			return err
		}
		if next.IsZero() {
			return noKeptDay(e)
		}
		e.Record.Set("next_run_at", next)
		return e.Next()
	})

	// a window stays with its mailing; its run times are the dispatcher's;
	// moving its start to the past is refused like creating it there; any
	// change of its dates or period moves its next run accordingly
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
		if fieldChanged(e.Record, "period") && (e.Record.GetString("period") == schedule.PeriodOnJoin) != (e.Record.Original().GetString("period") == schedule.PeriodOnJoin) {
			return badField(e, "period", "validation_period_on_join_fixed",
				"A window cannot turn into or out of a welcome window: add a new window instead.")
		}
		if !fieldChanged(e.Record, "starts_at") && !fieldChanged(e.Record, "ends_at") && !fieldChanged(e.Record, "period") &&
			!fieldChanged(e.Record, "weekdays") && !fieldChanged(e.Record, "recipient_time") {
			return e.Next()
		}
		mailing, err := e.App.FindRecordById("mailings", e.Record.GetString("mailing"))
		if err != nil {
			return err
		}
		if err := checkOpen(e, mailing); err != nil {
			return err
		}
		if fieldChanged(e.Record, "starts_at") {
			if err := checkStart(e); err != nil {
				return err
			}
		}
		next, err := nextRun(e.App, e.Record, mailing)
		if err != nil {
			return err
		}
		if next.IsZero() && e.Record.GetDateTime("last_run_at").IsZero() {
			return noKeptDay(e)
		}
		e.Record.Set("next_run_at", next)
		return e.Next()
	})
}

// checkOpen refuses windows on a completed mailing: it sends nothing again,
// whatever its windows say, so a new window there would silently never run.
func checkOpen(e *core.RecordRequestEvent, mailing *core.Record) error {
	if mailing.GetString("status") == lifecycle.MailingCompleted {
		return badField(e, "mailing", "validation_mailing_completed",
			"This mailing has completed and sends nothing more: create a new mailing to send again.")
	}
	return nil
}

// nextRun is when a new or edited window is next due: its first
// occurrence (its start, or the first of its days of the week) if it has
// not run yet, else its first occurrence after the last run (in the
// owner's time zone); never (zero) when that falls after the window's end.
// A window sent at each recipient's own time is due when the first zone
// reaches that occurrence (schedule.FirstRecipient), up to 26 hours
// before the owner's own (the dispatcher claims it then: dispatch/claim.go).
func nextRun(app core.App, window, mailing *core.Record) (time.Time, error) {
	start, end := window.GetDateTime("starts_at").Time(), window.GetDateTime("ends_at").Time()
	days, _ := schedule.ParseWeekdays(window.GetStringSlice("weekdays")) // the field allows only the names
	last := window.GetDateTime("last_run_at")
	rt := window.GetBool("recipient_time") && window.GetString("period") != schedule.PeriodOnJoin // refused by checkWelcome
	if last.IsZero() && days == 0 && !rt {
		return start, nil
	}
	owner, err := app.FindRecordById("users", mailing.GetString("owner"))
	if err != nil {
		return time.Time{}, err
	}
	after := start.Add(-time.Nanosecond) // not run yet: the first occurrence counts
	if !last.IsZero() {
		after = last.Time()
	}
	loc := schedule.Zone(owner.GetString("timezone"))
	next := schedule.NextAfterOn(start, window.GetString("period"), loc, after, days)
	if rt && !next.IsZero() {
		next = schedule.FirstRecipient(next, loc)
	}
	if next.IsZero() || next.After(end) {
		return time.Time{}, nil
	}
	return next, nil
}

// noKeptDay refuses a window none of whose days of the week falls inside it.
func noKeptDay(e *core.RecordRequestEvent) error {
	return badField(e, "weekdays", "validation_no_kept_day", "None of these days of the week falls inside the window.")
}

// checkStart refuses a window that starts in the past (beyond the grace).
func checkStart(e *core.RecordRequestEvent) error {
	start := e.Record.GetDateTime("starts_at")
	if !start.IsZero() && start.Time().Before(types.NowDateTime().Time().Add(-startGrace)) {
		return badField(e, "starts_at", "validation_start_in_past", "The window cannot start in the past.")
	}
	return nil
}
