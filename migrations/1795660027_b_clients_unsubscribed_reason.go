package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// clients.unsubscribed_reason: how a client left, set by the server on each
// path (DESIGN "Senders and bounces"): link (the unsubscribe page's
// button), one_click (RFC 8058, from a mailbox provider), owner (the owner
// in the web app or the API), import (an import's unsubscribed column),
// complaint (the recipient marked a message as spam: ARF). Clients who left
// before it existed get link when the page's button did it, owner otherwise.
func init() {
	m.Register(func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("clients")
		if err != nil {
			return err
		}
		col.Fields.Add(&core.SelectField{Name: "unsubscribed_reason", MaxSelect: 1,
			Values: []string{"link", "one_click", "owner", "import", "complaint"}})
		if err := app.Save(col); err != nil {
			return err
		}
		_, err = app.DB().NewQuery(`
			UPDATE clients SET unsubscribed_reason = CASE WHEN unsubscribed_by_link THEN 'link' ELSE 'owner' END
			WHERE unsubscribed = TRUE`).Execute()
		return err
	}, func(app core.App) error {
		col, err := app.FindCollectionByNameOrId("clients")
		if err != nil {
			return err
		}
		col.Fields.RemoveByName("unsubscribed_reason")
		return app.Save(col)
	})
}
