package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// deliveries.next_try_at: when a delivery that met a temporary failure
// (a 4xx reply, a cut connection, no reply) may be tried again, on a
// growing back-off (dispatch.Options.RetryDelays); empty until its first
// try. runs.next_try_at: the earliest of its pending deliveries', which
// the dispatcher's timer waits for. A pass never tries a delivery before
// its time, however many other windows fall due meanwhile.
func init() {
	m.Register(func(app core.App) error {
		for _, name := range []string{"deliveries", "runs"} {
			col, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			col.Fields.Add(&core.DateField{Name: "next_try_at"})
			if err := app.Save(col); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, name := range []string{"deliveries", "runs"} {
			col, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			col.Fields.RemoveByName("next_try_at")
			if err := app.Save(col); err != nil {
				return err
			}
		}
		return nil
	})
}
