package hooks

import (
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/schedule"
)

// noRecipients is the refusal of a mailing that would send to no one.
var noRecipients = validation.NewError("validation_no_recipients", "Choose at least one list or client to send this mailing to.")

// namesNoOne tells whether a mailing names no list and no client of its
// own: its only audience can then be a welcome window's joiners.
func namesNoOne(mailing *core.Record) bool {
	return len(mailing.GetStringSlice("lists")) == 0 && len(mailing.GetStringSlice("clients")) == 0
}

// sendsToItsOwn tells whether a mailing has a window that sends to its own
// lists and clients: any window but a welcome (on_join) one, which sends
// to its list's joiners.
func sendsToItsOwn(app core.App, mailingID string) (bool, error) {
	var n int
	err := app.DB().NewQuery(`SELECT COUNT(*) FROM schedules WHERE mailing = {:m} AND period != {:onJoin}`).
		Bind(map[string]any{"m": mailingID, "onJoin": schedule.PeriodOnJoin}).Row(&n)
	return n > 0, err
}

// checkWindowRecipients refuses a window that would send to its mailing's
// own lists and clients when the mailing names none. A welcome window
// needs none: its audience is its list's joiners. The check is the
// window's because the form's batch saves a new mailing before its windows.
func checkWindowRecipients(app core.App, window *core.Record) error {
	if window.GetString("period") == schedule.PeriodOnJoin || (!window.IsNew() && !fieldChanged(window, "mailing")) {
		return nil
	}
	mailing, err := app.FindRecordById("mailings", window.GetString("mailing"))
	if err != nil || !namesNoOne(mailing) {
		return nil // a missing mailing is the relation field's error
	}
	return validation.Errors{"mailing": noRecipients}
}
