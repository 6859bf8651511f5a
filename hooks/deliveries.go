package hooks

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

func bindDeliveries(app core.App) {
	// deleting a mailing or an account drops its delivery log in one
	// statement: PocketBase's cascade would delete 100,000 deliveries one
	// record at a time. This runs inside the delete's transaction (after
	// PocketBase's own handler opened it), so both go or neither.
	app.OnRecordDeleteExecute("mailings", "users").BindFunc(func(e *core.RecordEvent) error {
		column := "mailing"
		if e.Record.Collection().Name == "users" {
			column = "owner"
		}
		_, err := e.App.DB().Delete("deliveries", dbx.HashExp{column: e.Record.Id}).Execute()
		if err != nil {
			return err
		}
		return e.Next()
	})
}
