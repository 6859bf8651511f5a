package hooks

import (
	"context"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Calendar is the calendar route's answer at a given now (owner "" for
// every owner's), for a test that must not race the dispatcher's timer.
func Calendar(app core.App, owner string, loc *time.Location, from, to, now time.Time) ([]CalendarItem, bool, error) {
	return calendar(context.Background(), app, owner, loc, from, to, now)
}
