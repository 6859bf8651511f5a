package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// _postrider_generation: the dispatcher's generation counter, one row. A
// pass raises it (with `at`, when) before it sends, every second while it
// sends and when it stops, and keeps the same number in
// pb_data/dispatch.generation beside the database. A database put back
// from a copy has a smaller number than that file: the dispatcher then
// holds its unfinished runs (dispatch/restored.go). A plain table, not a
// collection: no API serves it.
func init() {
	m.Register(func(app core.App) error {
		if _, err := app.DB().NewQuery(`CREATE TABLE IF NOT EXISTS _postrider_generation (
			generation INTEGER NOT NULL DEFAULT 0,
			at TEXT NOT NULL DEFAULT ''
		)`).Execute(); err != nil {
			return err
		}
		_, err := app.DB().NewQuery(`INSERT INTO _postrider_generation (generation, at)
			SELECT 0, '' WHERE NOT EXISTS (SELECT 1 FROM _postrider_generation)`).Execute()
		return err
	}, func(app core.App) error {
		_, err := app.DB().NewQuery(`DROP TABLE IF EXISTS _postrider_generation`).Execute()
		return err
	})
}
