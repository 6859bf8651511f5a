package hooks

import (
	"github.com/pocketbase/pocketbase/core"

	"postrider/internal/schedule"
)

// bindClientTimezone checks clients.timezone however a client is saved: an
// IANA name Go knows, or empty (the owner's zone counts then). A window
// sent at each recipient's own time reaches the client at its wall clock
// there.
func bindClientTimezone(app core.App) {
	app.OnRecordValidate("clients").BindFunc(func(e *core.RecordEvent) error {
		if tz := e.Record.GetString("timezone"); tz != "" && !schedule.KnownZone(tz) {
			return fieldError("timezone", "validation_invalid_timezone",
				"Unknown time zone: use an IANA name such as Europe/Moscow, or leave it empty for yours.")
		}
		return e.Next()
	})
}
