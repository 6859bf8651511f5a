package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Moderation with reasons (DESIGN.md "Added as the product grew"):
//   - mailings.stopped_by: the moderator who stopped it (empty when the owner
//     or the dispatcher did); such a stop is resumed only by a moderator or a
//     superuser. mailings.stop_reason: why, shown to the owner;
//   - users.blocked_reason: why, shown to the blocked user at login;
//   - moderation_log: every stop, resume, block and unblock of a moderator or
//     a superuser, written by the server (hooks/moderation.go) in the change's
//     transaction. Moderators read it; nobody writes it through the API (the
//     nil rules refuse users, a request hook refuses superusers). Its
//     relations are neither required nor cascaded: a deleted mailing or
//     account empties the reference and keeps the row. A superuser is no
//     users record, so their actions name them in superuser (their email);
//   - runs(owner, started_at) and runs(started_at): the home page's and the
//     moderators' numbers add up the runs' counters of one owner, or of
//     everyone, over the last days.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		users.Fields.Add(&core.TextField{Name: "blocked_reason", Max: 1000})
		if err := app.Save(users); err != nil {
			return err
		}

		mailings, err := app.FindCollectionByNameOrId("mailings")
		if err != nil {
			return err
		}
		mailings.Fields.Add(
			&core.RelationField{Name: "stopped_by", CollectionId: users.Id, MaxSelect: 1},
			&core.TextField{Name: "stop_reason", Max: 1000},
		)
		if err := app.Save(mailings); err != nil {
			return err
		}

		runs, err := app.FindCollectionByNameOrId("runs")
		if err != nil {
			return err
		}
		runs.AddIndex("idx_runs_owner_started", false, "owner, started_at", "")
		runs.AddIndex("idx_runs_started", false, "started_at", "")
		if err := app.Save(runs); err != nil {
			return err
		}

		log := core.NewBaseCollection("moderation_log")
		log.ListRule = types.Pointer(ruleModerator)
		log.ViewRule = types.Pointer(ruleModerator)
		log.Fields.Add(
			&core.RelationField{Name: "moderator", CollectionId: users.Id, MaxSelect: 1},
			&core.EmailField{Name: "superuser"},
			&core.SelectField{Name: "action", Required: true, MaxSelect: 1, Values: []string{"stop", "resume", "block", "unblock"}},
			&core.RelationField{Name: "user", CollectionId: users.Id, MaxSelect: 1},
			&core.RelationField{Name: "mailing", CollectionId: mailings.Id, MaxSelect: 1},
			&core.TextField{Name: "reason", Max: 1000},
			&core.AutodateField{Name: "created", OnCreate: true},
		)
		log.AddIndex("idx_moderation_log_created", false, "created", "")
		log.AddIndex("idx_moderation_log_user", false, "user, created", "")
		log.AddIndex("idx_moderation_log_moderator", false, "moderator, created", "")
		return app.Save(log)
	}, func(app core.App) error {
		log, err := app.FindCollectionByNameOrId("moderation_log")
		if err != nil {
			return err
		}
		if err := app.Delete(log); err != nil {
			return err
		}
		runs, err := app.FindCollectionByNameOrId("runs")
		if err != nil {
			return err
		}
		runs.RemoveIndex("idx_runs_owner_started")
		runs.RemoveIndex("idx_runs_started")
		if err := app.Save(runs); err != nil {
			return err
		}
		for collection, fields := range map[string][]string{"mailings": {"stopped_by", "stop_reason"}, "users": {"blocked_reason"}} {
			col, err := app.FindCollectionByNameOrId(collection)
			if err != nil {
				return err
			}
			for _, f := range fields {
				col.Fields.RemoveByName(f)
			}
			if err := app.Save(col); err != nil {
				return err
			}
		}
		return nil
	})
}
