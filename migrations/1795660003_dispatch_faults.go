package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// What the dispatcher needs to keep its promises when the mail server or
// the disk misbehave:
//   - deliveries.unconfirmed: an earlier try went out whole and got no
//     reply, so the message may have arrived; it gets one more try at most;
//   - runs.checked: the run's early check (most of its first messages
//     refused for good → pause) is over, so that a run its owner resumed
//     after such a pause is not paused again for the same refusals;
//   - _postrider_probe: a scratch table the dispatcher writes to before a
//     pass sends anything, to learn that the database can record outcomes.
func init() {
	m.Register(func(app core.App) error {
		for collection, field := range map[string]string{"deliveries": "unconfirmed", "runs": "checked"} {
			col, err := app.FindCollectionByNameOrId(collection)
			if err != nil {
				return err
			}
			col.Fields.Add(&core.BoolField{Name: field})
			if err := app.Save(col); err != nil {
				return err
			}
		}

		_, err := app.DB().NewQuery(`CREATE TABLE IF NOT EXISTS _postrider_probe (pad BLOB)`).Execute()
		return err
	}, func(app core.App) error {
		_, err := app.DB().NewQuery(`DROP TABLE IF EXISTS _postrider_probe`).Execute()
		return err
	})
}
