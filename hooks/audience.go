package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// audience is the lists and hand-picked clients a request names, through
// audienceIDs.
func audience(e *core.RequestEvent, lists, clients []string) ([]string, []string, error) {
	lists, err := audienceIDs(e, "lists", lists)
	if err != nil {
		return nil, nil, err
	}
	clients, err = audienceIDs(e, "clients", clients)
	return lists, clients, err
}

// audienceIDs are the ids a request names for one of a mailing's relation
// fields (lists, clients), each once. More than the field takes (its
// MaxSelect, the cap a saved mailing has) is refused, 400 naming the field,
// before any query looks at them.
func audienceIDs(e *core.RequestEvent, field string, ids []string) ([]string, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	mailings, err := e.App.FindCachedCollectionByNameOrId("mailings")
	if err != nil {
		return nil, e.InternalServerError("", err)
	}
	rel, _ := mailings.Fields.GetByName(field).(*core.RelationField)
	if rel == nil || rel.MaxSelect <= 0 || len(ids) <= rel.MaxSelect {
		return ids, nil
	}
	msg := fmt.Sprintf("A mailing can name at most %d lists.", rel.MaxSelect)
	if field == "clients" {
		msg = fmt.Sprintf("A mailing can name at most %d clients by hand; put larger audiences in a list and choose the list.", rel.MaxSelect)
	}
	return nil, e.BadRequestError(msg, fieldError(field, "validation_too_many_"+field, msg))
}

// withContext makes a record finder's query end with ctx.
func withContext(ctx context.Context) func(*dbx.SelectQuery) error {
	return func(q *dbx.SelectQuery) error {
		q.WithContext(ctx)
		return nil
	}
}

const (
	// pickCount is how many recipients a preview offers to pick from.
	pickCount = 10
	// pickWalk is how many of the owner's first clients by email a preview
	// looks through for members of its lists first: lists that hold one
	// client in 500 or more have enough among them.
	pickWalk = 5000
	// pickGatherMax is how many members lists may have for a preview to
	// read them all by the lists' index and sort them; more are found by
	// reading the owner's clients in email order until enough are members
	// (about pickCount × clients / members rows).
	pickGatherMax = 5000
)

// recipientsToPick are the first few, by email, of owner's subscribed
// clients that a mailing naming these clients and lists reaches.
func recipientsToPick(ctx context.Context, app core.App, owner string, picked, lists []string) ([]previewClient, error) {
	clients := []previewClient{}
	if len(picked) > 0 {
		// by id (CROSS JOIN: SQLite would rather read every client of the
		// owner in email order, a million for a big one)
		pickedJSON, _ := json.Marshal(picked)
		err := app.DB().NewQuery(`
			SELECT c.[[id]], c.[[email]], c.[[name]] FROM json_each({:picked}) p CROSS JOIN {{clients}} c ON c.[[id]] = p.value
			WHERE c.[[owner]] = {:owner} AND c.[[unsubscribed]] = FALSE
			ORDER BY LOWER(c.[[email]]) LIMIT {:n}`).
			Bind(dbx.Params{"owner": owner, "picked": string(pickedJSON), "n": pickCount}).WithContext(ctx).All(&clients)
		if err != nil {
			return nil, err
		}
	}
	if len(lists) == 0 {
		return clients, nil
	}
	members, err := listMembersToPick(ctx, app, owner, lists)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if !slices.ContainsFunc(clients, func(c previewClient) bool { return c.ID == m.ID }) {
			clients = append(clients, m)
		}
	}
	// as SQLite's LOWER() orders them (ASCII letters only), one email an
	// owner (the unique index folds the same letters)
	slices.SortFunc(clients, func(a, b previewClient) int { return strings.Compare(foldASCII(a.Email), foldASCII(b.Email)) })
	return clients[:min(len(clients), pickCount)], nil
}

// listMembersToPick are the first few, by email, of owner's subscribed
// clients in one of lists: among the owner's first clients by email, where
// lists of some size have enough; else the groups of the owner's clients
// by the lists they are in (from the index on (owner, unsubscribed, lists),
// a read of every client's entry) say which groups are members and how
// many they hold, which chooses how to read them.
func listMembersToPick(ctx context.Context, app core.App, owner string, lists []string) ([]previewClient, error) {
	listsJSON, _ := json.Marshal(lists)
	var first []previewClient
	err := app.DB().NewQuery(`
		SELECT [[id]], [[email]], [[name]] FROM (
			SELECT [[id]], [[email]], [[name]], [[lists]], [[unsubscribed]] FROM {{clients}} INDEXED BY idx_clients_owner_email_lower
			WHERE [[owner]] = {:owner} ORDER BY LOWER([[email]]) LIMIT {:walk})
		WHERE [[unsubscribed]] = FALSE AND EXISTS (SELECT 1 FROM json_each([[lists]]) WHERE value IN (SELECT value FROM json_each({:lists})))
		ORDER BY LOWER([[email]]) LIMIT {:n}`).
		Bind(dbx.Params{"owner": owner, "lists": string(listsJSON), "walk": pickWalk, "n": pickCount}).WithContext(ctx).All(&first)
	if err != nil || len(first) == pickCount {
		return first, err
	}
	var groups []struct {
		Lists string `db:"lists"`
		N     int    `db:"n"`
	}
	err = app.DB().NewQuery(`
		SELECT [[lists]], COUNT(*) AS n FROM {{clients}} INDEXED BY idx_clients_owner_lists
		WHERE [[owner]] = {:owner} AND [[unsubscribed]] = FALSE AND [[lists]] != '[]' GROUP BY [[lists]]
		HAVING EXISTS (SELECT 1 FROM json_each([[lists]]) WHERE value IN (SELECT value FROM json_each({:lists})))`).
		Bind(dbx.Params{"owner": owner, "lists": string(listsJSON)}).WithContext(ctx).All(&groups)
	if err != nil || len(groups) == 0 {
		return nil, err
	}
	values, members := make([]string, len(groups)), 0
	for i, g := range groups {
		values[i], members = g.Lists, members+g.N
	}
	index := "idx_clients_owner_email_lower"
	if members <= pickGatherMax {
		index = "idx_clients_owner_lists"
	}
	valuesJSON, _ := json.Marshal(values)
	var out []previewClient
	err = app.DB().NewQuery(`
		SELECT [[id]], [[email]], [[name]] FROM {{clients}} INDEXED BY ` + index + `
		WHERE [[owner]] = {:owner} AND [[unsubscribed]] = FALSE AND [[lists]] IN (SELECT value FROM json_each({:groups}))
		ORDER BY LOWER([[email]]) LIMIT {:n}`).
		Bind(dbx.Params{"owner": owner, "groups": string(valuesJSON), "n": pickCount}).WithContext(ctx).All(&out)
	return out, err
}
