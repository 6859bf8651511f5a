package hooks

import (
	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/schedule"
)

// checkWelcome checks a window's welcome fields (DESIGN "A mailing's
// life"): a welcome (on_join) window names one of its mailing owner's own
// lists, since PocketBase checks only that a related id exists; any other
// window names none; the delay is for welcome windows only; a welcome is
// never sent at each recipient's own time.
func checkWelcome(app core.App, window *core.Record) error {
	list := window.GetString("list")
	if window.GetString("period") != schedule.PeriodOnJoin {
		if list != "" {
			return fieldError("list", "validation_list_on_join", "A list is for a window that sends when a client joins it.")
		}
		if window.GetInt("delay_minutes") != 0 {
			return fieldError("delay_minutes", "validation_delay_on_join", "A delay is for a window that sends when a client joins a list.")
		}
		return nil
	}
	if list == "" {
		return fieldError("list", "validation_required", "Choose the list whose new clients get this mailing.")
	}
	if window.GetBool("recipient_time") { // a welcome is due a delay after its client joined, not at a wall clock
		return fieldError("recipient_time", "validation_recipient_time_on_join",
			"A welcome goes a delay after its client joins, not at each recipient's own time: untick it.")
	}
	if !fieldChanged(window, "list") && !fieldChanged(window, "mailing") {
		return nil
	}
	var n int
	err := app.DB().NewQuery(`SELECT COUNT(*) FROM lists l JOIN mailings m ON m.owner = l.owner
		WHERE l.id = {:list} AND m.id = {:mailing}`).
		Bind(map[string]any{"list": list, "mailing": window.GetString("mailing")}).Row(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return fieldError("list", "validation_not_owner", "Choose one of your own lists.")
	}
	return nil
}
