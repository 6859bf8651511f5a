// Package seed fills a fresh data dir with one user, one list of n clients
// and one mailing due now (its window opened five minutes ago): what the
// benchmark and the end-to-end tests of the dispatcher start from. It writes
// the clients with one SQL statement, so that 100,000 take a second, not
// minutes.
package seed

import (
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	_ "postrider/migrations"
)

// The seeded owner's login.
const (
	OwnerEmail    = "owner@postrider.test"
	OwnerPassword = "seeded password"
)

// Due is what Mailing made.
type Due struct {
	User, List, Mailing, Schedule string
}

// Mailing seeds dataDir (created if missing) with n clients, all in one
// list, and a mailing to that list whose one window opened five minutes
// ago and is due.
func Mailing(dataDir string, n int) (Due, error) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	if err := app.Bootstrap(); err != nil {
		return Due{}, err
	}
	defer app.ResetBootstrapState()
	if err := app.RunAllMigrations(); err != nil {
		return Due{}, err
	}

	var due Due
	err := app.RunInTransaction(func(tx core.App) error {
		save := func(collection string, data map[string]any) (*core.Record, error) {
			col, err := tx.FindCollectionByNameOrId(collection)
			if err != nil {
				return nil, err
			}
			r := core.NewRecord(col)
			r.Load(data)
			return r, tx.Save(r)
		}
		user, err := newUser(tx, OwnerEmail, map[string]any{"role": "user", "timezone": "UTC", "name": "Seeded owner"})
		if err != nil {
			return err
		}
		list, err := save("lists", map[string]any{"owner": user.Id, "name": "Everyone"})
		if err != nil {
			return err
		}
		now := types.NowDateTime()
		_, err = tx.DB().NewQuery(`
			INSERT INTO clients (id, owner, email, name, comment, lists, unsubscribed, created, updated)
			WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {:n})
			SELECT printf('seed%011d', i), {:owner}, printf('client%d@example.test', i), printf('Client %d', i), '',
			       json_array({:list}), 0, {:now}, {:now}
			FROM seq`).Bind(dbx.Params{"n": n, "owner": user.Id, "list": list.Id, "now": now.String()}).Execute()
		if err != nil {
			return err
		}
		body := "<h1>Hello</h1><p>" + strings.Repeat("Every delivery is recorded before the next message goes out. ", 25) + "</p>"
		mailing, err := save("mailings", map[string]any{
			"owner": user.Id, "subject": "Seeded mailing", "body": body, "lists": []string{list.Id}, "status": "created",
		})
		if err != nil {
			return err
		}
		opened := now.Add(-5 * time.Minute)
		sched, err := save("schedules", map[string]any{
			"mailing": mailing.Id, "starts_at": opened, "ends_at": now.Add(time.Hour), "period": "once", "next_run_at": opened,
		})
		if err != nil {
			return err
		}
		due = Due{User: user.Id, List: list.Id, Mailing: mailing.Id, Schedule: sched.Id}
		return nil
	})
	return due, err
}

// newUser saves a confirmed user of email with OwnerPassword and the
// role, timezone and name of data.
func newUser(app core.App, email string, data map[string]any) (*core.Record, error) {
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return nil, err
	}
	user := core.NewRecord(users)
	user.SetEmail(email)
	user.SetPassword(OwnerPassword)
	user.SetVerified(true)
	user.Load(data)
	return user, app.Save(user)
}
