package hooks

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
)

func bindClientUnsubscribe(app core.App) {
	// the date of an unsubscribe is the server's, however it is saved; an
	// owner's change (either way) is the owner's, not the link's
	app.OnRecordCreate("clients").BindFunc(func(e *core.RecordEvent) error {
		stampUnsubscribe(e.Record)
		return e.Next()
	})
	app.OnRecordUpdate("clients").BindFunc(func(e *core.RecordEvent) error {
		if fieldChanged(e.Record, "unsubscribed") {
			stampUnsubscribe(e.Record)
		}
		return e.Next()
	})

	// the date and how it happened are recorded by the server
	app.OnRecordUpdateRequest("clients").BindFunc(func(e *core.RecordRequestEvent) error {
		if !e.HasSuperuserAuth() && fieldChanged(e.Record, "unsubscribed_at") {
			return badField(e, "unsubscribed_at", "validation_system_field", "The date of an unsubscribe is recorded by the server.")
		}
		if !e.HasSuperuserAuth() {
			e.Record.Set("unsubscribed_by_link", e.Record.Original().GetBool("unsubscribed_by_link"))
			e.Record.Set("unsubscribed_reason", e.Record.Original().GetString("unsubscribed_reason"))
		}
		return e.Next()
	})
	app.OnRecordCreateRequest("clients").BindFunc(func(e *core.RecordRequestEvent) error {
		if !e.HasSuperuserAuth() {
			e.Record.Set("unsubscribed_at", "")
			e.Record.Set("unsubscribed_by_link", false)
			e.Record.Set("unsubscribed_reason", "")
		}
		return e.Next()
	})
}

// stampUnsubscribe sets unsubscribed_at to now for an unsubscribed client
// (unless the link's route set it already) and clears it otherwise; and
// unsubscribed_reason, which the path that unsubscribes sets (the link,
// one-click, a complaint) and is the owner's otherwise.
func stampUnsubscribe(r *core.Record) {
	if !r.GetBool("unsubscribed") {
		r.Set("unsubscribed_at", "")
		r.Set("unsubscribed_by_link", false)
		r.Set("unsubscribed_reason", "")
		return
	}
	if r.GetString("unsubscribed_reason") == "" {
		r.Set("unsubscribed_reason", "owner")
	}
	if !r.GetBool("unsubscribed_by_link") || r.GetDateTime("unsubscribed_at").IsZero() {
		r.Set("unsubscribed_at", time.Now().UTC())
	}
}
