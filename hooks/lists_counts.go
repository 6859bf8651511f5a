package hooks

import (
	"context"
	"net/http"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// listCountsRoute is the lists page's counts in one request, of the
// caller's own clients only (a custom route passes no API rule, so the
// owner condition is written here); before it, the page counted each list
// with a request that unpacked every client's lists.
func listCountsRoute(e *core.RequestEvent) error {
	counts, err := listCounts(e.Request.Context(), e.App, e.Auth.Id)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, counts)
}

// listCounts is how many clients each of owner's lists holds, by list id
// (a list without clients is missing). The clients are grouped by their
// lists, a few groups read from the index on (owner, unsubscribed, lists)
// without the rows (the unsubscribed term, true or false, names the index's
// second column so that SQLite reads that index and not another of the
// owner's), and each group counts in every list it names.
func listCounts(ctx context.Context, app core.App, owner string) (map[string]int, error) {
	var groups []struct {
		Lists types.JSONArray[string] `db:"lists"`
		N     int                     `db:"n"`
	}
	err := app.DB().NewQuery(`
		SELECT [[lists]], COUNT(*) AS n FROM {{clients}}
		WHERE [[owner]] = {:owner} AND [[unsubscribed]] IN (FALSE, TRUE) AND [[lists]] != '[]' GROUP BY [[lists]]`).
		Bind(map[string]any{"owner": owner}).WithContext(ctx).All(&groups)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, g := range groups {
		seen := map[string]bool{}
		for _, l := range g.Lists {
			if !seen[l] {
				seen[l] = true
				counts[l] += g.N
			}
		}
	}
	return counts, nil
}
