package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// users.blocked_token_key (hidden, set by the server only): the token key a
// user had when blocked. Blocking gives the account a new key, which voids
// every token it holds; the old key still tells a token it signed (403
// account_blocked, so the web app ends the session and says why) from a
// forged one naming the same id, which is answered as any forged token
// (hooks/sessions.go). Hidden fields are dropped from the requests of
// everyone but superusers, and never shown.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		users.Fields.Add(&core.TextField{Name: "blocked_token_key", Hidden: true, Max: 255})
		return app.Save(users)
	}, func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		users.Fields.RemoveByName("blocked_token_key")
		return app.Save(users)
	})
}
