package migrations

import (
	"fmt"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/dbutils"
)

// An account's email is unique whatever its capitals: the users collection's
// email index gets COLLATE NOCASE. PocketBase reads that collation where it
// looks an account up by email (auth-with-password, password reset,
// verification, email change), so that AUser@Example.com logs in as
// auser@example.com, and the index refuses a second account in other capitals.
//
// A data dir may already hold two accounts that differ only in capitals (the
// old index allowed them). The migration then fails, names them and changes
// nothing, rather than keeping them beside a partial index: with both kept,
// a login, a password reset or a confirmation in either spelling would reach
// one of them at random and lock the other out, and which one to keep,
// rename or delete is a decision about people's accounts that only the
// service's admin can make (with the previous version, in the dashboard).
func init() {
	m.Register(func(app core.App) error {
		var clashes []struct {
			Id    string `db:"id"`
			Email string `db:"email"`
		}
		err := app.DB().NewQuery(`SELECT a.id, a.email FROM users a
			WHERE a.email != '' AND EXISTS (SELECT 1 FROM users b WHERE b.email = a.email COLLATE NOCASE AND b.id != a.id)
			ORDER BY lower(a.email), a.created`).All(&clashes)
		if err != nil {
			return err
		}
		if len(clashes) > 0 {
			accounts := make([]string, len(clashes))
			for i, c := range clashes {
				accounts[i] = c.Email + " (id " + c.Id + ")"
			}
			return fmt.Errorf("emails of accounts become unique whatever their capitals, and these accounts differ only in capitals: %s. "+
				"Nothing was changed. Start the previous version of Postrider, give each of these accounts an email of its own "+
				"(or delete the ones that are not used) in the dashboard at /_/, then start this version again",
				strings.Join(accounts, ", "))
		}

		return setEmailCollate(app, "NOCASE")
	}, func(app core.App) error {
		return setEmailCollate(app, "")
	})
}

// setEmailCollate sets the collation of the users collection's unique email index.
func setEmailCollate(app core.App, collate string) error {
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	for i, idx := range users.Indexes {
		parsed := dbutils.ParseIndex(idx)
		if parsed.Unique && len(parsed.Columns) == 1 && strings.EqualFold(parsed.Columns[0].Name, core.FieldNameEmail) {
			parsed.Columns[0].Collate = collate
			users.Indexes[i] = parsed.Build()
		}
	}
	return app.Save(users)
}
