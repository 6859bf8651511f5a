package migrations

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Trust and limits (issue 26, DESIGN.md "Trust and limits"): the fields;
// who may change them is hooks' work.
//   - users.daily_limit (messages a day, 0 = none) and users.trusted:
//     moderators (for plain users) and superusers change them;
//   - mailings.approval ("" / pending / approved / rejected),
//     approval_reason and approved_by: the server sets pending and
//     approved_by, a moderator approves or rejects;
//   - runs.status waiting: a run held by its owner's daily limit;
//   - moderation_log.action: approve, reject, trust, untrust, limit and
//     auto_stop (the last with no moderator).
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		users.Fields.Add(
			&core.NumberField{Name: "daily_limit", OnlyInt: true, Min: new(float64)},
			&core.BoolField{Name: "trusted"},
		)
		if err := app.Save(users); err != nil {
			return err
		}

		mailings, err := app.FindCollectionByNameOrId("mailings")
		if err != nil {
			return err
		}
		mailings.Fields.Add(
			&core.SelectField{Name: "approval", MaxSelect: 1, Values: []string{"pending", "approved", "rejected"}},
			&core.TextField{Name: "approval_reason", Max: 1000},
			&core.RelationField{Name: "approved_by", CollectionId: users.Id, MaxSelect: 1},
		)
		mailings.AddIndex("idx_mailings_approval", false, "approval", "approval != ''")
		if err := app.Save(mailings); err != nil {
			return err
		}

		if err := setSelectValues(app, "runs", "status", "sending", "done", "paused", "waiting"); err != nil {
			return err
		}
		return setSelectValues(app, "moderation_log", "action", "stop", "resume", "block", "unblock",
			"approve", "reject", "trust", "untrust", "limit", "auto_stop")
	}, func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		users.Fields.RemoveByName("daily_limit")
		users.Fields.RemoveByName("trusted")
		if err := app.Save(users); err != nil {
			return err
		}
		mailings, err := app.FindCollectionByNameOrId("mailings")
		if err != nil {
			return err
		}
		mailings.RemoveIndex("idx_mailings_approval")
		for _, name := range []string{"approval", "approval_reason", "approved_by"} {
			mailings.Fields.RemoveByName(name)
		}
		if err := app.Save(mailings); err != nil {
			return err
		}
		if err := setSelectValues(app, "runs", "status", "sending", "done", "paused"); err != nil {
			return err
		}
		return setSelectValues(app, "moderation_log", "action", "stop", "resume", "block", "unblock")
	})
}

// setSelectValues sets the values a select field of collection may take.
func setSelectValues(app core.App, collection, field string, values ...string) error {
	col, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		return err
	}
	f, ok := col.Fields.GetByName(field).(*core.SelectField)
	if !ok {
		return fmt.Errorf("%s.%s is not a select field", collection, field)
	}
	f.Values = values
	return app.Save(col)
}
