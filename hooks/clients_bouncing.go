package hooks

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

func bindClientBouncing(app core.App) {
	// the bouncing mark is the server's (three permanent failures in a row:
	// the triggers of migration 1795660011): the owner may clear it, to
	// send to the address again, but not set it; its counter is hidden, so
	// nobody but a superuser writes it through the API
	app.OnRecordUpdateRequest("clients").BindFunc(func(e *core.RecordRequestEvent) error {
		if !e.HasSuperuserAuth() && e.Record.GetBool("bouncing") && !e.Record.Original().GetBool("bouncing") {
			return badField(e, "bouncing", "validation_system_field", "Only the server marks an address as bouncing; you may clear the mark.")
		}
		return e.Next()
	})
	app.OnRecordCreateRequest("clients").BindFunc(func(e *core.RecordRequestEvent) error {
		if !e.HasSuperuserAuth() && e.Record.GetBool("bouncing") {
			return badField(e, "bouncing", "validation_system_field", "Only the server marks an address as bouncing.")
		}
		return e.Next()
	})

	// a cleared mark starts a new streak: three more refusals in a row to
	// mark the address again, not one; a new address has bounced nowhere yet
	app.OnRecordUpdate("clients").BindFunc(func(e *core.RecordEvent) error {
		newAddress := !strings.EqualFold(e.Record.GetString("email"), e.Record.Original().GetString("email"))
		if newAddress {
			e.Record.Set("bouncing", false)
		}
		if newAddress || !e.Record.GetBool("bouncing") && e.Record.Original().GetBool("bouncing") {
			e.Record.Set("bounces", 0)
		}
		return e.Next()
	})
}
