package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// _postrider_daily_sends: how many messages each user's mailings sent on
// each of the user's days (day: YYYY-MM-DD in users.timezone), for
// users.daily_limit (DESIGN.md "Trust and limits") and the home page's
// sent_today. The dispatcher adds to it in the transaction that records
// the messages (dispatch/quota.go), so a pass reads a day's use with one
// lookup instead of counting deliveries. A plain table, not a collection:
// no API serves it.
func init() {
	m.Register(func(app core.App) error {
		_, err := app.DB().NewQuery(`CREATE TABLE IF NOT EXISTS _postrider_daily_sends (
			owner TEXT NOT NULL,
			day TEXT NOT NULL,
			sent INTEGER NOT NULL DEFAULT 0,
			PRIMARY KEY (owner, day)
		) WITHOUT ROWID`).Execute()
		return err
	}, func(app core.App) error {
		_, err := app.DB().NewQuery(`DROP TABLE IF EXISTS _postrider_daily_sends`).Execute()
		return err
	})
}
