package hooks

import (
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// exportClients streams the caller's clients as the clients page shows
// them, by email whatever its capitals, with the page's search (q) and list
// filter (list) and bouncing filter (bouncing=1). A broad search walks the
// same order, each client's own words tested (clientSearch.broad): linear.
func exportClients(e *core.RequestEvent) error {
	user := e.Auth
	q := e.Request.URL.Query()
	search, err := readSearch(e, user.Id, q.Get("q"))
	if err != nil {
		return err
	}
	where := clientsWhere(user.Id, search.match(), q.Get("list"), q.Get("bouncing") == "1")
	name, err := ownNames(e, "lists", "name")
	if err != nil {
		return e.InternalServerError("", err)
	}

	type row struct {
		RowID        int64                   `db:"rowid"`
		Key          string                  `db:"key"`
		Email        string                  `db:"email"`
		Name         string                  `db:"name"`
		Comment      string                  `db:"comment"`
		Lists        types.JSONArray[string] `db:"lists"`
		Unsubscribed bool                    `db:"unsubscribed"`
		Timezone     string                  `db:"timezone"`
	}
	out := newCSV(e, "postrider-clients.csv")
	out.row("email", "name", "comment", "lists", "unsubscribed", "timezone")
	// the page's order (email:lower, the index on LOWER(email)), rowid
	// last so that the cursor is exact. The cursor is written as a range
	// on LOWER(email) and a filter: SQLite does not bound an expression
	// index by a row value, so (LOWER(email), rowid) > (k, r) read every
	// client before the cursor again on each batch (105 s for 1,000,000).
	var last *row
	for {
		page := where
		if last != nil {
			page = dbx.And(where, dbx.NewExp("LOWER([[email]]) >= {:k} AND (LOWER([[email]]) > {:k} OR [[rowid]] > {:r})", dbx.Params{"k": last.Key, "r": last.RowID}))
		}
		var rows []row
		err := e.App.DB().Select("rowid", "LOWER(email) AS key", "email", "name", "comment", "lists", "unsubscribed", "timezone").
			From("clients").Where(page).OrderBy("LOWER(email)", "rowid").Limit(exportBatch).WithContext(e.Request.Context()).All(&rows)
		if err != nil {
			return err
		}
		for _, r := range rows {
			var in []string
			for _, id := range r.Lists {
				if n, ok := name[id]; ok {
					in = append(in, n)
				}
			}
			out.row(r.Email, r.Name, r.Comment, strings.Join(in, "; "), strconv.FormatBool(r.Unsubscribed), r.Timezone)
		}
		if !out.flush(e) || len(rows) < exportBatch {
			return nil
		}
		last = &rows[len(rows)-1]
	}
}
