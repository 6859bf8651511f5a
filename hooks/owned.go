package hooks

import (
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// ownedCollections hold one user's data each, in an owner field.
var ownedCollections = []string{"lists", "clients", "mailings", "senders", "domains"}

// relationMessages name, for each relation to owned records, what the
// caller is told when one of the ids is not theirs.
var relationMessages = map[string]string{
	"lists":   "Choose only your own lists.",
	"clients": "Choose only your own clients.",
}

func bindOwned(app core.App) {
	// a record belongs to whoever creates it (superusers name the owner)
	app.OnRecordCreateRequest(ownedCollections...).BindFunc(func(e *core.RecordRequestEvent) error {
		if !e.HasSuperuserAuth() {
			e.Record.Set("owner", e.Auth.Id)
		}
		return e.Next()
	})

	// ... and stays theirs
	app.OnRecordUpdateRequest(ownedCollections...).BindFunc(func(e *core.RecordRequestEvent) error {
		if fieldChanged(e.Record, "owner") {
			return badField(e, "owner", "validation_owner_immutable", "The owner of a record cannot change.")
		}
		return e.Next()
	})

	// relations are not ownership-checked by PocketBase: a client's lists and
	// a mailing's lists, clients and sender must all be the owner's own, on
	// every save (a mailing's sender verified too: senders.go)
	app.OnRecordValidate("clients", "mailings").BindFunc(func(e *core.RecordEvent) error {
		if err := checkRelationOwners(e.App, e.Record); err != nil {
			return err
		}
		if e.Record.Collection().Name == "mailings" {
			if err := checkMailingSender(e.App, e.Record); err != nil {
				return err
			}
		}
		return e.Next()
	})

	// one owner has one client per email and one list per name
	app.OnRecordValidate("clients", "lists").BindFunc(func(e *core.RecordEvent) error {
		if err := checkUniquePerOwner(e.App, e.Record); err != nil {
			return err
		}
		return e.Next()
	})
}

// checkRelationOwners refuses relation ids (lists, clients) that are not
// records of the record's owner. Unchanged relations are not queried again.
func checkRelationOwners(app core.App, record *core.Record) error {
	owner := record.GetString("owner")
	for field, message := range relationMessages {
		if record.Collection().Fields.GetByName(field) == nil {
			continue
		}
		if !record.IsNew() && !fieldChanged(record, field) {
			continue
		}
		ids := slices.Compact(slices.Sorted(slices.Values(record.GetStringSlice(field))))
		if len(ids) == 0 {
			continue
		}
		var mine int
		err := app.DB().Select("COUNT(*)").From(field).
			Where(dbx.In("id", anySlice(ids)...)).
			AndWhere(dbx.HashExp{"owner": owner}).
			Row(&mine)
		if err != nil {
			return err
		}
		if mine != len(ids) {
			return fieldError(field, "validation_not_owner", message)
		}
	}
	return nil
}

func anySlice(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// uniqueFields name, per collection, the field that is unique per owner
// (case-insensitively) and what the caller is told on a clash. The unique
// index is the final guard; this check says it in words.
var uniqueFields = map[string][2]string{
	"clients": {"email", "You already have a client with this email."},
	"lists":   {"name", "You already have a list with this name."},
}

// checkUniquePerOwner refuses a second client email or list name of one owner.
func checkUniquePerOwner(app core.App, record *core.Record) error {
	u := uniqueFields[record.Collection().Name]
	field, message := u[0], u[1]
	if !record.IsNew() && !fieldChanged(record, field) {
		return nil
	}
	if field == "name" {
		return checkNameUnique(app, record, message)
	}
	var clash int
	err := app.DB().Select("COUNT(*)").From(record.Collection().Name).
		Where(dbx.NewExp("[["+field+"]] = {:v} COLLATE NOCASE", dbx.Params{"v": record.GetString(field)})).
		AndWhere(dbx.HashExp{"owner": record.GetString("owner")}).
		AndWhere(dbx.Not(dbx.HashExp{"id": record.Id})).
		Row(&clash)
	if err != nil {
		return err
	}
	if clash > 0 {
		return fieldError(field, "validation_not_unique", message)
	}
	return nil
}

// checkNameUnique refuses a list name the owner already has in any case of
// any alphabet ("КЛИЕНТЫ" beside "Клиенты"): SQLite's NOCASE folds ASCII
// letters only, so an owner's few list names are compared here.
func checkNameUnique(app core.App, record *core.Record, message string) error {
	var names []string
	err := app.DB().Select("name").From(record.Collection().Name).
		Where(dbx.HashExp{"owner": record.GetString("owner")}).
		AndWhere(dbx.Not(dbx.HashExp{"id": record.Id})).
		Column(&names)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(record.GetString("name"))
	for _, n := range names {
		if strings.EqualFold(strings.TrimSpace(n), name) {
			return fieldError("name", "validation_not_unique", message)
		}
	}
	return nil
}
